"""Training data: a part written by `bus-tools split --format coco` (images/ + annotations.json),
augmented for ultrasound, resized the way `bus-tools predict` resizes (a triangle filter widened when
shrinking, as PIL's bilinear), to SIZE x SIZE, stretched.
"""
import json
import math
import os

import cv2
import numpy as np
from PIL import Image


def load_part(folder):
    """[(name, rgb uint8 HxWx3, boxes float32 [n,4] xyxy pixel edges, labels int64 [n])]"""
    coco = json.load(open(os.path.join(folder, "annotations.json")))
    by_image = {im["id"]: [] for im in coco["images"]}
    for a in coco["annotations"]:
        x, y, w, h = a["bbox"]
        by_image[a["image_id"]].append(([x, y, x + w, y + h], a["category_id"]))
    items = []
    for im in sorted(coco["images"], key=lambda im: im["id"]):
        bgr = cv2.imread(os.path.join(folder, "images", im["file_name"]), cv2.IMREAD_COLOR)
        if bgr is None:
            raise SystemExit(f"cannot read {im['file_name']} in {folder}")
        objs = by_image[im["id"]]
        boxes = np.array([b for b, _ in objs], np.float32).reshape(-1, 4)
        labels = np.array([c for _, c in objs], np.int64)
        items.append((im["file_name"], bgr[:, :, ::-1].copy(), boxes, labels))
    return items


def resize(rgb, size):
    """Stretch to size x size with PIL's bilinear (antialiased when shrinking), like bus-tools predict."""
    return np.asarray(Image.fromarray(rgb).resize((size, size), Image.BILINEAR))


def _crop(rng, img, boxes, min_area=0.55, keep=0.7):
    """A random crop of 55-100% of the area (aspect jittered) that keeps >= 70% of every lesion."""
    h, w = img.shape[:2]
    for _ in range(10):
        s = rng.uniform(min_area, 1.0)
        r = math.exp(rng.uniform(-0.2, 0.2))
        cw, ch = min(w, int(round(w * math.sqrt(s * r)))), min(h, int(round(h * math.sqrt(s / r))))
        x0, y0 = int(rng.integers(0, w - cw + 1)), int(rng.integers(0, h - ch + 1))
        clipped = np.clip(boxes - [x0, y0, x0, y0], 0, [cw, ch, cw, ch]).astype(np.float32)
        area = lambda b: np.maximum(b[:, 2] - b[:, 0], 0) * np.maximum(b[:, 3] - b[:, 1], 0)
        if len(boxes) == 0 or np.all(area(clipped) >= keep * area(boxes)):
            return img[y0:y0 + ch, x0:x0 + cw], clipped
    return img, boxes


def _rotate(rng, img, boxes, degrees):
    """Rotate by up to +-degrees; a box becomes the bounding box of its rotated corners, shrunk
    towards its centre by the growth a rotated ellipse's box would not have."""
    h, w = img.shape[:2]
    angle = rng.uniform(-degrees, degrees)
    m = cv2.getRotationMatrix2D((w / 2, h / 2), angle, 1.0)
    out = cv2.warpAffine(img, m, (w, h), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT)
    if len(boxes) == 0:
        return out, boxes
    new = []
    for x1, y1, x2, y2 in boxes:
        pts = np.array([[x1, y1, 1], [x2, y1, 1], [x1, y2, 1], [x2, y2, 1]], np.float32) @ m.T
        bx1, by1 = pts.min(0)
        bx2, by2 = pts.max(0)
        # The box of a rotated ellipse inscribed in the box grows less than the rotated box: take
        # the exact ellipse extent.
        a, b, t = (x2 - x1) / 2, (y2 - y1) / 2, math.radians(angle)
        cx, cy = (bx1 + bx2) / 2, (by1 + by2) / 2
        ex = math.sqrt((a * math.cos(t)) ** 2 + (b * math.sin(t)) ** 2)
        ey = math.sqrt((a * math.sin(t)) ** 2 + (b * math.cos(t)) ** 2)
        new.append([cx - ex, cy - ey, cx + ex, cy + ey])
    return out, np.clip(np.array(new, np.float32), 0, [w, h, w, h]).astype(np.float32)


def _photometric(rng, img):
    """Gain, gamma, contrast and multiplicative speckle, on 0..255 floats; back to uint8."""
    x = img.astype(np.float32) / 255.0
    x = x ** math.exp(rng.uniform(-0.35, 0.35))
    x = (x - x.mean()) * math.exp(rng.uniform(-0.25, 0.25)) + x.mean()
    x = x * math.exp(rng.uniform(-0.25, 0.25))
    if rng.random() < 0.5:
        sigma = rng.uniform(0.03, 0.15)
        h, w = x.shape[:2]
        noise = rng.normal(0, sigma, (h // 2 + 1, w // 2 + 1)).astype(np.float32)
        noise = cv2.resize(noise, (w, h), interpolation=cv2.INTER_LINEAR)[:, :, None]
        x = x * (1 + noise)
    return np.clip(x * 255.0 + 0.5, 0, 255).astype(np.uint8)


def augment(rng, img, boxes, size, rotate=6.0):
    """One training sample: (uint8 size x size x 3, boxes xyxy in model-input pixels)."""
    if rng.random() < 0.8:
        img, boxes = _crop(rng, img, boxes)
    if rotate and rng.random() < 0.3:
        img, boxes = _rotate(rng, img, boxes, rotate)
    if rng.random() < 0.5:
        img = img[:, ::-1]
        w = img.shape[1]
        boxes = np.stack([w - boxes[:, 2], boxes[:, 1], w - boxes[:, 0], boxes[:, 3]], 1) if len(boxes) else boxes
    h, w = img.shape[:2]
    out = resize(np.ascontiguousarray(img), size)
    boxes = boxes * np.array([size / w, size / h, size / w, size / h], np.float32)
    out = _photometric(rng, out)
    return out, boxes.astype(np.float32).reshape(-1, 4)
