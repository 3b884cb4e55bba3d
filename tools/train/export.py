"""Export a trained checkpoint to ONNX in the TF Object Detection API layout (what a Datature
TensorFlow export converted with tf2onnx gives, and what `bus-tools predict` reads):

    /usr/bin/python3 tools/train/export.py --checkpoint RUN/last.pt --out packages/infer/models \
        --check-data SPLIT/val

input_tensor uint8 [1,S,S,3] -> detection_boxes [1,100,4] normalized ymin,xmin,ymax,xmax,
detection_scores [1,100], detection_classes [1,100] (float, 1 benign, 2 malignant), num_detections [1].
Writes busi-retinanet.onnx, label_map.pbtxt and, with --check-data, check/ (the model inputs of
those images as raw uint8 and torch's detections as JSON) for tools/train/check-onnx.mjs, which
runs the ONNX file with onnxruntime-node and compares.
"""
import argparse
import hashlib
import json
import os
import sys

import onnx
import torch

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "models"))
from model import TfodExport  # noqa: E402  (the demo model's export wrapper, shared)

from data import load_part, resize  # noqa: E402
from detector import build_detector  # noqa: E402

NAME = "busi-retinanet.onnx"
LABEL_MAP = 'item {\n  id: 1\n  name: "benign"\n}\nitem {\n  id: 2\n  name: "malignant"\n}\n'


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--checkpoint", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--check-data", help="a split part (e.g. SPLIT/val) whose images torch and onnxruntime both run")
    ap.add_argument("--check-out", help="where to write the check inputs [default: <checkpoint dir>/check]")
    a = ap.parse_args()
    ck = torch.load(a.checkpoint, map_location="cpu")
    cfg = ck["config"]
    size = cfg["size"]
    model = build_detector(size, None, cfg["fpn"], cfg["head_convs"], input_range=cfg["meta"]["input_range"])
    model.load_state_dict(ck["model"])
    model.eval()
    wrapper = TfodExport(model)
    wrapper.eval()  # torch.onnx.export leaves the module it is given in training mode otherwise
    os.makedirs(a.out, exist_ok=True)
    path = os.path.join(a.out, NAME)
    tmp = path + ".tmp"
    example = torch.zeros(1, size, size, 3, dtype=torch.uint8)
    with torch.no_grad():
        torch.onnx.export(wrapper, (example,), tmp, opset_version=13, input_names=["input_tensor"],
                          output_names=["detection_boxes", "detection_scores", "detection_classes", "num_detections"],
                          do_constant_folding=True)
    onnx.checker.check_model(onnx.load(tmp))
    os.replace(tmp, path)
    with open(os.path.join(a.out, "label_map.pbtxt"), "w") as f:
        f.write(LABEL_MAP)
    digest = hashlib.sha256(open(path, "rb").read()).hexdigest()
    print(f"{path}: {os.path.getsize(path) / 1e6:.2f} MB, sha256 {digest}")

    if a.check_data:
        out = a.check_out or os.path.join(os.path.dirname(os.path.abspath(a.checkpoint)), "check")
        os.makedirs(out, exist_ok=True)
        rows = []
        with torch.no_grad():
            for name, rgb, _, _ in load_part(a.check_data):
                u8 = resize(rgb, size).copy()
                raw = f"{len(rows):04d}.rgb"
                u8.tofile(os.path.join(out, raw))
                boxes, scores, classes, num = wrapper(torch.from_numpy(u8)[None])
                n = int(num.item())
                rows.append({"image": name, "input": raw, "size": size,
                             "boxes": boxes[0, :n].tolist(), "scores": scores[0, :n].tolist(),
                             "classes": classes[0, :n].tolist()})
        with open(os.path.join(out, "torch.json"), "w") as f:
            json.dump(rows, f)
        print(f"{len(rows)} check images in {out}")


if __name__ == "__main__":
    main()
