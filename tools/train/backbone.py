"""MobileNetV2 feature extractor with TensorFlow's "same" padding, for weights converted from TF.js.

`mobilenet_v2_features()` returns `torchvision.models.mobilenet_v2().features` (so every converted
value loads 1:1 by its torchvision name), with two changes that make it compute what TF computes:

- every strided convolution pads like TF "same": for a 3x3 stride-2 conv on an even-sized input
  that is 0 pixels before and 1 after (right and bottom), not torchvision's symmetric 1/1. With the
  symmetric padding the features correlate only 0.5-0.8 with TF's;
- batch-norm eps is set by the caller (Keras uses 1e-3; torchvision's default is 1e-5).

The converters (backbone_nsfwjs.py, backbone_movenet.py) write a file that `load_backbone()` reads:
    {"features": state_dict, "bn_eps": float, "input_range": "0..1" | "-1..1", "source": {...},
     "agreement": {...}}
"""
import math

import torch
import torch.nn.functional as F
from torch import nn
from torchvision.models import mobilenet_v2


class TfSameConv2d(nn.Conv2d):
    """nn.Conv2d that pads like TensorFlow's padding="SAME" (the extra pixel goes after)."""

    def forward(self, x):
        pads = []
        for size, k, s, d in zip(x.shape[-2:][::-1], self.kernel_size[::-1], self.stride[::-1], self.dilation[::-1]):
            size = int(size)
            out = math.ceil(size / s)
            total = max((out - 1) * s + (k - 1) * d + 1 - size, 0)
            pads += [total // 2, total - total // 2]
        return F.conv2d(F.pad(x, pads), self.weight, self.bias, self.stride, 0, self.dilation, self.groups)


def mobilenet_v2_features(bn_eps=1e-3):
    """torchvision's MobileNetV2 `features` (19 stages, strides 2..32), TF-same strided convs."""
    features = mobilenet_v2(weights=None).features
    for m in features.modules():
        if isinstance(m, nn.Conv2d) and m.stride != (1, 1):
            m.__class__ = TfSameConv2d
        if isinstance(m, nn.BatchNorm2d):
            m.eps = bn_eps
    return features


def keras_convs():
    """(torch conv key, torch batch-norm key, Keras layer name) for every conv of `features`, in order.

    Keras's MobileNetV2 names them Conv1, expanded_conv_{depthwise,project}, block_N_{expand,
    depthwise,project} (N = 1..16) and Conv_1; torchvision's block N is features[N + 1]."""
    layers = [("0.0", "0.1", "Conv1"),
              ("1.conv.0.0", "1.conv.0.1", "expanded_conv_depthwise"),
              ("1.conv.1", "1.conv.2", "expanded_conv_project")]
    for block in range(1, 17):
        i = block + 1
        layers += [(f"{i}.conv.0.0", f"{i}.conv.0.1", f"block_{block}_expand"),
                   (f"{i}.conv.1.0", f"{i}.conv.1.1", f"block_{block}_depthwise"),
                   (f"{i}.conv.2", f"{i}.conv.3", f"block_{block}_project")]
    return layers + [("18.0", "18.1", "Conv_1")]


def keras_stages(has_add):
    """Keras layer whose output equals features[i]'s output, i = 0..18. `has_add(block)`: whether
    block N ends in a residual add (block_N_add) rather than its projection's batch-norm."""
    layers = ["Conv1_relu", "expanded_conv_project_BN"]
    for block in range(1, 17):
        layers.append(f"block_{block}_add" if has_add(block) else f"block_{block}_project_BN")
    return layers + ["out_relu"]


# Stage indices of `features` whose outputs have strides 8, 16 and 32 (channels 32, 96, 1280).
TAPS = {6: 32, 13: 96, 18: 1280}


def load_backbone(path):
    """Read a converted backbone file: (features module with weights loaded, metadata dict)."""
    blob = torch.load(path, map_location="cpu")
    features = mobilenet_v2_features(blob["bn_eps"])
    features.load_state_dict(blob["features"])
    return features, {k: v for k, v in blob.items() if k != "features"}
