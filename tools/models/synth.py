"""Synthetic breast-ultrasound-like images with lesion boxes, for training the demo detector.

Each image is speckle on a layered tissue background with zero, one or two hypoechoic (dark) lesions:

- benign (class 1): a smooth oval, wider than tall, with posterior acoustic enhancement (brighter below);
- malignant (class 2): an irregular, lobulated outline, darker, with a posterior acoustic shadow.

Boxes are pixel-edge xyxy (x2 - x1 = width in pixels) computed from the lesion masks. Everything is
seeded, so a seed gives the same image on every machine.
"""
import math

import cv2
import numpy as np

CLASSES = {1: "benign", 2: "malignant"}


def _smooth_field(rng, h, w, scale):
    small = rng.random((max(2, h // scale), max(2, w // scale))).astype(np.float32)
    return cv2.resize(small, (w, h), interpolation=cv2.INTER_CUBIC)


def _lesion_mask(rng, h, w, cx, cy, rx, ry, irregular):
    """A filled closed outline: an ellipse whose radius is modulated by a few harmonics."""
    n = 180
    t = np.linspace(0, 2 * math.pi, n, endpoint=False)
    r = np.ones(n)
    harmonics = range(3, 9) if irregular else range(2, 4)
    for k in harmonics:
        amp = rng.uniform(0.04, 0.12) if irregular else rng.uniform(0.0, 0.04)
        r += amp * np.sin(k * t + rng.uniform(0, 2 * math.pi))
    if irregular:  # spiculations
        for _ in range(rng.integers(3, 8)):
            c = rng.uniform(0, 2 * math.pi)
            r += rng.uniform(0.06, 0.18) * np.exp(-((np.angle(np.exp(1j * (t - c)))) ** 2) / 0.004)
    pts = np.stack([cx + rx * r * np.cos(t), cy + ry * r * np.sin(t)], axis=1)
    mask = np.zeros((h, w), np.uint8)
    cv2.fillPoly(mask, [np.round(pts).astype(np.int32)], 1)
    return mask


def make_image(rng, width=None, height=None, p_normal=0.1, p_two=0.15):
    """Returns (uint8 HxWx3 RGB image, list of (xyxy, class_id))."""
    w = int(width or rng.integers(380, 620))
    h = int(height or rng.integers(330, 520))
    yy = np.arange(h, dtype=np.float32)[:, None] / h
    # tissue: brighter skin/fat layers near the top, gentle depth attenuation, blobs of texture
    tissue = 0.55 + 0.25 * _smooth_field(rng, h, w, 24) + 0.15 * _smooth_field(rng, h, w, 6)
    bands = 0.12 * np.sin(yy * rng.uniform(8, 20) + rng.uniform(0, 6.3)) * np.exp(-yy * 2)
    tissue = tissue + bands - 0.35 * yy * rng.uniform(0.5, 1.2)

    objects = []
    n_lesions = 0 if rng.random() < p_normal else (2 if rng.random() < p_two else 1)
    for _ in range(n_lesions):
        cls = 1 if rng.random() < 0.6 else 2
        size = rng.uniform(0.07, 0.22) * min(w, h) * 1.6
        if cls == 1:
            rx, ry = size, size * rng.uniform(0.45, 0.75)
        else:
            rx, ry = size * rng.uniform(0.7, 1.0), size * rng.uniform(0.7, 1.05)
        cx = rng.uniform(rx + 8, w - rx - 8)
        cy = rng.uniform(ry + 0.12 * h, h - ry - 8)
        if any(abs(cx - (b[0] + b[2]) / 2) < rx + (b[2] - b[0]) / 2 and abs(cy - (b[1] + b[3]) / 2) < ry + (b[3] - b[1]) / 2
               for b, _ in objects):
            continue  # would overlap an earlier lesion
        mask = _lesion_mask(rng, h, w, cx, cy, rx, ry, irregular=(cls == 2))
        ys, xs = np.nonzero(mask)
        if len(xs) < 200:
            continue
        soft = cv2.GaussianBlur(mask.astype(np.float32), (0, 0), 1.5 if cls == 1 else 0.8)
        inside = rng.uniform(0.12, 0.25) if cls == 1 else rng.uniform(0.05, 0.15)
        tissue = tissue * (1 - soft) + inside * soft
        # posterior enhancement (benign) or shadow (malignant) below the lesion
        col = cv2.GaussianBlur(mask.max(axis=0).astype(np.float32)[None, :], (0, 0), 4)[0]
        below = (np.arange(h)[:, None] > ys.max()).astype(np.float32)
        fade = np.exp(-np.maximum(0, np.arange(h)[:, None] - ys.max()) / (0.4 * h))
        effect = (0.18 if cls == 1 else -0.3) * below * fade * col[None, :]
        tissue = tissue + effect * (1 - soft)
        objects.append(([float(xs.min()), float(ys.min()), float(xs.max() + 1), float(ys.max() + 1)], cls))

    tissue = np.clip(tissue, 0.02, 1.0)
    speckle = rng.rayleigh(0.8, (h, w)).astype(np.float32)
    speckle = cv2.GaussianBlur(speckle, (0, 0), rng.uniform(0.6, 1.2))
    img = np.clip(tissue * speckle * 200, 0, 255).astype(np.uint8)
    rgb = np.repeat(img[:, :, None], 3, axis=2)
    return rgb, objects


if __name__ == "__main__":
    import argparse
    import os

    ap = argparse.ArgumentParser(description="Write a few synthetic images with their boxes, to look at.")
    ap.add_argument("--out", required=True)
    ap.add_argument("--count", type=int, default=8)
    ap.add_argument("--seed", type=int, default=1)
    a = ap.parse_args()
    os.makedirs(a.out, exist_ok=True)
    rng = np.random.default_rng(a.seed)
    for i in range(a.count):
        img, objs = make_image(rng)
        cv2.imwrite(os.path.join(a.out, f"synth-{i}.png"), img[:, :, ::-1])
        print(f"synth-{i}.png", img.shape[1], img.shape[0], [(CLASSES[c], [round(v) for v in b]) for b, c in objs])
