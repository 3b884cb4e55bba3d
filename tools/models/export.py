"""Export one set of RetinaNet weights three ways, as the exports users bring to `bus-tools predict`:

    /usr/bin/python3 tools/models/export.py --weights /tmp/bus-tools-models/retinanet.pt --out fixtures/models

writes
    retinanet-torchvision.onnx   image float32 [3,320,320] 0..1 → boxes, scores, labels (NMS in graph)
    retinanet-tfod.onnx          input_tensor uint8 [1,320,320,3] → detection_* tensors (NMS in graph)
    retinanet-datature.onnx      image float32 [1,320,320,3] 0..255 → output [1,1000,7] (no NMS)
    label_map.pbtxt              benign = 1, malignant = 2

and checks each export against the PyTorch model on a few synthetic images (needs only torch + onnx:
the ONNX graphs are re-run by the Node tests with onnxruntime).
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
    a = ap.parse_args()
    os.makedirs(a.out, exist_ok=True)

    model = build_model()
    model.load_state_dict(torch.load(a.weights, map_location="cpu"))
    model.eval()

    rng = np.random.default_rng(3)
    img, _ = make_image(rng, SIZE, SIZE)
    u8 = torch.from_numpy(img)

    export(TorchvisionExport(model), u8.permute(2, 0, 1).float() / 255.0, os.path.join(a.out, "retinanet-torchvision.onnx"),
           ["image"], ["boxes", "scores", "labels"], {"boxes": {0: "n"}, "scores": {0: "n"}, "labels": {0: "n"}})
    export(TfodExport(model), u8[None], os.path.join(a.out, "retinanet-tfod.onnx"),
           ["input_tensor"], ["detection_boxes", "detection_scores", "detection_classes", "num_detections"])
    export(DatatureExport(model), u8[None].float(), os.path.join(a.out, "retinanet-datature.onnx"),
           ["image"], ["output"])
    with open(os.path.join(a.out, "label_map.pbtxt"), "w") as f:
        f.write(LABEL_MAP)


if __name__ == "__main__":
    main()
