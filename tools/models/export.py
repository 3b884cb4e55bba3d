"""Export one set of RetinaNet weights three ways, as the exports users bring to `bus-tools predict`:

    /usr/bin/python3 tools/models/export.py --weights /tmp/bus-tools-models/retinanet.pt --out fixtures/models
    /usr/bin/python3 tools/models/export.py --weights /tmp/bus-tools-models/retinanet.pt --out fixtures/models --size 640 --only tfod

writes
    retinanet-torchvision.onnx   image float32 [3,320,320] 0..1 → boxes, scores, labels (NMS in graph)
    retinanet-tfod.onnx          input_tensor uint8 [1,320,320,3] → detection_* tensors (NMS in graph)
    retinanet-datature.onnx      image float32 [1,320,320,3] 0..255 → output [1,1000,7] (no NMS)
    label_map.pbtxt              benign = 1, malignant = 2

(with --size 640: retinanet-tfod-640.onnx, the same weights on 640x640 inputs, the tutorial's model
size, for `npm run bench:predict`). Each graph is checked with onnx.checker; the Node tests run them
with onnxruntime and check that the layouts agree.
"""
import argparse
import os

import numpy as np
import onnx
import torch

from model import SIZE, DatatureExport, TfodExport, TorchvisionExport, build_model
from synth import make_image

LABEL_MAP = """item {
  id: 1
  name: "benign"
}
item {
  id: 2
  name: 'malignant'
}
"""


def export(module, example, path, input_names, output_names, dynamic_axes=None):
    module.eval()
    with torch.no_grad():
        torch.onnx.export(module, (example,), path, opset_version=13, input_names=input_names,
                          output_names=output_names, dynamic_axes=dynamic_axes, do_constant_folding=True)
    onnx.checker.check_model(onnx.load(path))
    print(f"{path}: {os.path.getsize(path) / 1e6:.2f} MB")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--weights", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--size", type=int, default=SIZE,
                    help="input size of the exported graphs (the weights were trained at 320; larger sizes "
                         "run the same network on more pixels, for benchmarks)")
    ap.add_argument("--only", choices=["torchvision", "tfod", "datature"], help="export one layout only")
    a = ap.parse_args()
    os.makedirs(a.out, exist_ok=True)

    model = build_model(a.size)
    model.load_state_dict(torch.load(a.weights, map_location="cpu"))
    model.eval()

    rng = np.random.default_rng(3)
    img, _ = make_image(rng, a.size, a.size)
    u8 = torch.from_numpy(img)
    suffix = "" if a.size == SIZE else f"-{a.size}"
    name = lambda layout: os.path.join(a.out, f"retinanet-{layout}{suffix}.onnx")
    want = lambda layout: a.only in (None, layout)

    if want("torchvision"):
        export(TorchvisionExport(model), u8.permute(2, 0, 1).float() / 255.0, name("torchvision"),
               ["image"], ["boxes", "scores", "labels"], {"boxes": {0: "n"}, "scores": {0: "n"}, "labels": {0: "n"}})
    if want("tfod"):
        export(TfodExport(model), u8[None], name("tfod"),
               ["input_tensor"], ["detection_boxes", "detection_scores", "detection_classes", "num_detections"])
    if want("datature"):
        export(DatatureExport(model), u8[None].float(), name("datature"), ["image"], ["output"])
    with open(os.path.join(a.out, "label_map.pbtxt"), "w") as f:
        f.write(LABEL_MAP)


if __name__ == "__main__":
    main()
