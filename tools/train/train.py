"""Train the BUSI RetinaNet (detector.py) on a `bus-tools split --format coco` folder, on the CPU.

    nice /usr/bin/python3 tools/train/train.py --data SPLIT --backbone BACKBONE.pt --run RUN_DIR \
        --size 320 --epochs 30 [--resume]

Writes RUN_DIR/last.pt after every epoch (model, optimizer, epoch, random state: `--resume` goes on
from it, in a later session too) and RUN_DIR/log.jsonl, one line per epoch with the loss and the
validation AP50 (two-class mean and class-agnostic lesion) on SPLIT/val. Only train/ is trained on;
val/ is only scored; test/ is never read.
"""
import argparse
import json
import os
import time

import numpy as np
import torch

from data import augment, load_part, resize
from detector import build_detector
from metrics import ap50


def parse_args():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", required=True, help="folder written by bus-tools split --format coco")
    ap.add_argument("--backbone", default=None, help="converted backbone (backbone_*.py); omit to train from scratch")
    ap.add_argument("--run", required=True, help="checkpoint and log folder (outside the repository)")
    ap.add_argument("--size", type=int, default=320)
    ap.add_argument("--fpn", type=int, default=128)
    ap.add_argument("--head-convs", type=int, default=4)
    ap.add_argument("--epochs", type=int, default=30)
    ap.add_argument("--batch", type=int, default=4)
    ap.add_argument("--lr", type=float, default=6e-4)
    ap.add_argument("--backbone-lr", type=float, default=0.25, help="backbone learning rate as a fraction of --lr")
    ap.add_argument("--warmup", type=int, default=200, help="warm-up steps")
    ap.add_argument("--freeze-epochs", type=int, default=1, help="epochs with the whole backbone frozen")
    ap.add_argument("--freeze-stages", type=int, default=2, help="backbone stages frozen throughout")
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--resume", action="store_true", help="go on from RUN/last.pt")
    ap.add_argument("--limit", type=int, help="use only the first N train and val images (a smoke test)")
    return ap.parse_args()


def atomic_save(obj, path):
    tmp = path + ".tmp"
    torch.save(obj, tmp)
    os.replace(tmp, path)


@torch.no_grad()
def validate(model, items, size):
    """Predict on each image stretched to size x size, boxes scaled back; AP50s in image pixels."""
    model.eval()
    rows = []
    for _, rgb, gb, gl in items:
        h, w = rgb.shape[:2]
        x = torch.from_numpy(resize(rgb, size).copy()).permute(2, 0, 1).float() / 255.0
        d = model([x])[0]
        db = d["boxes"].numpy() * np.array([w / size, h / size, w / size, h / size], np.float32)
        rows.append((gb, gl, db, d["scores"].numpy(), d["labels"].numpy()))
    per_class = {c: ap50(rows, c) for c in (1, 2)}
    valid = [v for v in per_class.values() if v >= 0]
    return {"ap50": float(np.mean(valid)), "ap50_benign": per_class[1], "ap50_malignant": per_class[2],
            "lesion_ap50": ap50(rows, None)}


def main():
    a = parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(a.seed)
    os.makedirs(a.run, exist_ok=True)
    train = load_part(os.path.join(a.data, "train"))
    val = load_part(os.path.join(a.data, "val"))
    if a.limit:
        train, val = train[:a.limit], val[:a.limit]
    print(f"train {len(train)} images ({sum(len(t[2]) for t in train)} boxes), val {len(val)}", flush=True)

    model = build_detector(a.size, a.backbone, a.fpn, a.head_convs)
    body = model.backbone
    if not a.backbone:  # from scratch: nothing to freeze (batch-norm is learned too, see detector.py)
        a.freeze_epochs, a.freeze_stages = 0, 0
    backbone_params = list(body.features.parameters())
    ids = {id(p) for p in backbone_params}
    rest = [p for p in model.parameters() if id(p) not in ids]
    opt = torch.optim.AdamW([{"params": backbone_params, "lr_scale": a.backbone_lr},
                             {"params": rest, "lr_scale": 1.0}], lr=a.lr, weight_decay=1e-4)
    steps_per_epoch = len(train) // a.batch
    total = steps_per_epoch * a.epochs
    rng = np.random.default_rng(a.seed)
    epoch, step = 0, 0
    last = os.path.join(a.run, "last.pt")
    if a.resume and os.path.exists(last):
        ck = torch.load(last, map_location="cpu")
        model.load_state_dict(ck["model"])
        opt.load_state_dict(ck["optimizer"])
        epoch, step = ck["epoch"], ck["step"]
        rng.bit_generator.state = ck["rng"]
        torch.set_rng_state(ck["torch_rng"])
        print(f"resumed from {last} at epoch {epoch}", flush=True)
    config = {k: v for k, v in vars(a).items() if k != "resume"}
    config["meta"] = model.meta

    while epoch < a.epochs:
        body.freeze(len(body.features) if epoch < a.freeze_epochs else a.freeze_stages)
        model.train()
        start, losses = time.time(), []
        order = rng.permutation(len(train))
        for b in range(steps_per_epoch):
            frac = step / max(total, 1)
            lr = a.lr * min(1.0, (step + 1) / a.warmup) * (0.02 + 0.98 * 0.5 * (1 + np.cos(np.pi * frac)))
            for g in opt.param_groups:
                g["lr"] = lr * g["lr_scale"]
            xs, ts = [], []
            for i in order[b * a.batch:(b + 1) * a.batch]:
                _, rgb, boxes, labels = train[i]
                img, bx = augment(rng, rgb, boxes, a.size)
                xs.append(torch.from_numpy(img.copy()).permute(2, 0, 1).float() / 255.0)
                ts.append({"boxes": torch.from_numpy(bx), "labels": torch.from_numpy(labels)})
            out = model(xs, ts)
            loss = out["classification"] + out["bbox_regression"]
            opt.zero_grad()
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 10.0)
            opt.step()
            losses.append([out["classification"].item(), out["bbox_regression"].item()])
            step += 1
        train_s = time.time() - start
        epoch += 1
        scores = validate(model, val, a.size)
        cls, box = np.mean(losses, 0)
        entry = {"epoch": epoch, "step": step, "lr": lr, "loss_cls": round(float(cls), 4), "loss_box": round(float(box), 4),
                 "train_s": round(train_s, 1), "val_s": round(time.time() - start - train_s, 1),
                 **{k: round(v, 4) for k, v in scores.items()}}
        print(json.dumps(entry), flush=True)
        with open(os.path.join(a.run, "log.jsonl"), "a") as f:
            f.write(json.dumps(entry) + "\n")
        atomic_save({"model": model.state_dict(), "optimizer": opt.state_dict(), "epoch": epoch, "step": step,
                     "rng": rng.bit_generator.state, "torch_rng": torch.get_rng_state(), "config": config,
                     "val": scores}, last)
    print(f"done: {epoch} epochs, {last}", flush=True)


if __name__ == "__main__":
    main()
