#!/usr/bin/python3
"""The same job as `bus-tools masks2csv` in plain Python/OpenCV, as a speed and correctness reference.

    /usr/bin/python3 tools/bench/masks2csv_opencv.py DATASET_ROOT [MIN_AREA] > boxes.csv

One box per 8-connected lesion component of each mask (cv2.connectedComponentsWithStats), components
under MIN_AREA pixels dropped (default 50), benign and malignant only; a pixel is lesion when any
colour/gray sample is non-zero (alpha ignored). Rows in the same natural order as bus-tools.
Needs Debian's python3-opencv.
"""
import csv
import glob
import os
import re
import sys

import cv2
import numpy as np


def natural_key(s):
    return [int(t) if t.isdigit() else t for t in re.split(r'(\d+)', s)]


def main():
    root = sys.argv[1]
    min_area = int(sys.argv[2]) if len(sys.argv) > 2 else 50
    out = csv.writer(sys.stdout, lineterminator='\n')
    out.writerow(['filename', 'xmin', 'ymin', 'width', 'height', 'label'])
    masks = glob.glob(os.path.join(root, '**', '*_mask*.png'), recursive=True)
    by_image = {}
    for m in masks:
        stem = re.sub(r'_mask(_\d+)?\.png$', '', m)
        by_image.setdefault(stem, []).append(m)
    for stem in sorted(by_image, key=lambda s: natural_key(os.path.relpath(s, root))):
        label = os.path.basename(os.path.dirname(stem))
        if label not in ('benign', 'malignant'):
            continue
        name = os.path.basename(stem) + '.png'
        files = sorted(by_image[stem], key=lambda f: int(re.search(r'_mask(?:_(\d+))?\.png$', f).group(1) or 0))
        for f in files:
            img = cv2.imread(f, cv2.IMREAD_UNCHANGED)
            if img.ndim == 3:
                img = img[:, :, :3].max(axis=2)
            binary = (img > 0).astype(np.uint8)
            n, _, stats, _ = cv2.connectedComponentsWithStats(binary, connectivity=8)
            # label 0 is background
            comps = []
            for k in range(1, n):
                x, y, w, h, area = (int(v) for v in stats[k])
                if area >= min_area:
                    comps.append((x, y, w, h))
            for x, y, w, h in sorted(comps, key=lambda c: (c[1], c[0])):
                out.writerow([name, x, y, w, h, label])


if __name__ == '__main__':
    main()
