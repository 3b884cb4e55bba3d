"""Train the demo RetinaNet on synthetic ultrasound-like images (synth.py), briefly, on the CPU.

    node tools/make-fixtures.js --out /tmp/bus-tools-models/mf-train --count 800 --seed 7
    nice /usr/bin/python3 tools/models/train.py --out /tmp/bus-tools-models/retinanet.pt --minutes 18 \
        --fixtures /tmp/bus-tools-models/mf-train

Prints the loss as it goes and, at the end, recall/precision at IoU 0.5 on 100 held-out images.
"""
import argparse
import json
import os
import time

import cv2
import numpy as np
import torch

from model import SIZE, build_model
from synth import make_image


def load_fixture_set(root):
    """Images and boxes written by `node tools/make-fixtures.js --out ROOT ...` (boxes from ROOT-expected.json)."""
    expected = json.load(open(root.rstrip("/") + "-expected.json"))
    items = []
    for name, e in sorted(expected.items()):
        path = os.path.join(root, e["label"], name)
        objs = [([b["bbox"][0], b["bbox"][1], b["bbox"][0] + b["bbox"][2], b["bbox"][1] + b["bbox"][3]],
                 2 if e["label"] == "malignant" else 1) for b in e["boxes"]]
        items.append((path, objs))
    return items


FIXTURES = []


def sample(rng, flip=True, fixtures=True):
    if fixtures and FIXTURES and rng.random() < 0.5:
        path, objs = FIXTURES[rng.integers(len(FIXTURES))]
        img = cv2.imread(path)[:, :, ::-1]
    else:
        img, objs = make_image(rng)
    h, w = img.shape[:2]
    img = cv2.resize(img, (SIZE, SIZE), interpolation=cv2.INTER_LINEAR)
    sx, sy = SIZE / w, SIZE / h
    boxes = [[b[0] * sx, b[1] * sy, b[2] * sx, b[3] * sy] for b, _ in objs]
    labels = [c for _, c in objs]
    if flip and rng.random() < 0.5:
        img = img[:, ::-1].copy()
        boxes = [[SIZE - b[2], b[1], SIZE - b[0], b[3]] for b in boxes]
    x = torch.from_numpy(img).permute(2, 0, 1).float() / 255.0
    t = {"boxes": torch.tensor(boxes, dtype=torch.float32).reshape(-1, 4), "labels": torch.tensor(labels, dtype=torch.int64)}
    return x, t


def iou(a, b):
    iw = min(a[2], b[2]) - max(a[0], b[0])
    ih = min(a[3], b[3]) - max(a[1], b[1])
    if iw <= 0 or ih <= 0:
        return 0.0
    inter = iw * ih
    return inter / ((a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter)


@torch.no_grad()
def evaluate(model, seed, count=100, threshold=0.5):
    model.eval()
    rng = np.random.default_rng(seed)
    tp = fp = gt = class_ok = 0
    for _ in range(count):
        x, t = sample(rng, flip=False, fixtures=False)
        d = model([x])[0]
        keep = d["scores"] >= threshold
        pred = list(zip(d["boxes"][keep].tolist(), d["labels"][keep].tolist()))
        truth = list(zip(t["boxes"].tolist(), t["labels"].tolist()))
        gt += len(truth)
        used = set()
        for pb, pl in pred:
            best, j = 0.0, -1
            for i, (tb, _) in enumerate(truth):
                if i not in used and iou(pb, tb) > best:
                    best, j = iou(pb, tb), i
            if best >= 0.5:
                used.add(j)
                tp += 1
                class_ok += int(truth[j][1] == pl)
            else:
                fp += 1
    return {"recall": tp / max(gt, 1), "precision": tp / max(tp + fp, 1), "class_accuracy": class_ok / max(tp, 1)}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", required=True, help="where to write the state dict (.pt)")
    ap.add_argument("--minutes", type=float, default=12)
    ap.add_argument("--batch", type=int, default=4)
    ap.add_argument("--lr", type=float, default=2e-3)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--fixtures", action="append", default=[],
                    help="also train on a set made by tools/make-fixtures.js --out DIR (half of the samples)")
    a = ap.parse_args()
    for root in a.fixtures:
        FIXTURES.extend(load_fixture_set(root))
    print(f"{len(FIXTURES)} fixture images", flush=True)

    torch.manual_seed(a.seed)
    torch.set_num_threads(a.threads)
    rng = np.random.default_rng(a.seed)
    model = build_model()
    opt = torch.optim.AdamW(model.parameters(), lr=a.lr, weight_decay=1e-4)
    budget = a.minutes * 60
    start = time.time()
    step = 0
    smooth = None
    model.train()
    while True:
        elapsed = time.time() - start
        if elapsed > budget:
            break
        frac = elapsed / budget
        lr = a.lr * min(1.0, (step + 1) / 100) * (0.5 * (1 + np.cos(np.pi * frac)) * 0.95 + 0.05)
        for g in opt.param_groups:
            g["lr"] = lr
        xs, ts = zip(*(sample(rng) for _ in range(a.batch)))
        losses = model(list(xs), list(ts))
        loss = losses["classification"] + losses["bbox_regression"]
        opt.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 10.0)
        opt.step()
        smooth = loss.item() if smooth is None else 0.95 * smooth + 0.05 * loss.item()
        step += 1
        if step % 25 == 0:
            print(f"step {step} {elapsed:.0f}s lr {lr:.5f} loss {smooth:.3f} "
                  f"(cls {losses['classification'].item():.3f} box {losses['bbox_regression'].item():.3f})", flush=True)
    print(f"trained {step} steps of {a.batch} in {time.time() - start:.0f}s", flush=True)
    os.makedirs(os.path.dirname(os.path.abspath(a.out)), exist_ok=True)
    torch.save(model.state_dict(), a.out)
    print("held-out synth.py images (seed 12345, 100 images, score >= 0.5):", evaluate(model, 12345), flush=True)


if __name__ == "__main__":
    main()
