"""The BUSI detector: torchvision RetinaNet on a MobileNetV2 backbone with an FPN over P3-P7.

- Backbone: `torchvision.models.mobilenet_v2().features` with TF-"same" strided convs (backbone.py),
  initialised from a converted backbone file or from scratch. With pretrained weights its batch-norm
  statistics are frozen (batches of 4 are too small to estimate them); from scratch they are learned.
- FPN: strides 8, 16, 32 (features[6], [13], [18]: 32, 96, 1280 channels) to `fpn` channels, plus
  P6/P7 from P5.
- Head: RetinaNet classification and GIoU box-regression heads with GroupNorm (as torchvision's
  retinanet_resnet50_fpn_v2), `head_convs` 3x3 convs deep.
- Anchors: sizes 32..512 px at P3..P7, 3 scales x 3 aspect ratios, for lesions that are mostly large.
- Classes: 0 background (never predicted), 1 benign, 2 malignant (the label map's ids).

The image transform inside the model normalizes for the backbone (0..1 or -1..1 input) and does not
resize: inputs are already SIZE x SIZE, as bus-tools predict stretches each image to the model input.
"""
from collections import OrderedDict
from functools import partial

from torch import nn
from torchvision.models.detection import RetinaNet
from torchvision.models.detection.anchor_utils import AnchorGenerator
from torchvision.models.detection.retinanet import RetinaNetHead
from torchvision.ops import misc as misc_nn_ops
from torchvision.ops.feature_pyramid_network import FeaturePyramidNetwork, LastLevelP6P7

from backbone import TAPS, load_backbone, mobilenet_v2_features

NUM_CLASSES = 3
ANCHOR_SIZES = (32, 64, 128, 256, 512)
NORMALIZE = {"0..1": ([0.0] * 3, [1.0] * 3), "-1..1": ([0.5] * 3, [0.5] * 3)}


class MobileNetV2Fpn(nn.Module):
    def __init__(self, features, out_channels, frozen_bn=True):
        super().__init__()
        self.features = features
        self.frozen_bn = frozen_bn
        self.fpn = FeaturePyramidNetwork(list(TAPS.values()), out_channels,
                                         extra_blocks=LastLevelP6P7(out_channels, out_channels))
        self.out_channels = out_channels

    def forward(self, x):
        taps = OrderedDict()
        for i, stage in enumerate(self.features):
            x = stage(x)
            if i in TAPS:
                taps[str(i)] = x
        return self.fpn(taps)

    def freeze(self, upto):
        """Freeze backbone stages [0, upto) (parameters); batch-norm statistics are frozen throughout
        unless `frozen_bn` is False (training from scratch, where they must be learned)."""
        for i, stage in enumerate(self.features):
            for p in stage.parameters():
                p.requires_grad = i >= upto

    def train(self, mode=True):
        super().train(mode)
        if not self.frozen_bn:
            return self
        for m in self.features.modules():
            if isinstance(m, nn.BatchNorm2d):
                m.eval()
        return self


def _set_head_depth(head, depth, channels):
    norm = partial(nn.GroupNorm, 32)
    for sub in (head.classification_head, head.regression_head):
        convs = [misc_nn_ops.Conv2dNormActivation(channels, channels, norm_layer=norm) for _ in range(depth)]
        for layer in convs:
            for m in layer.modules():
                if isinstance(m, nn.Conv2d):
                    nn.init.normal_(m.weight, std=0.01)
        sub.conv = nn.Sequential(*convs)


def build_detector(size, backbone=None, fpn=128, head_convs=4, input_range=None):
    """RetinaNet for SIZE x SIZE inputs. `backbone`: path of a converted backbone file or None (scratch)."""
    if backbone:
        features, meta = load_backbone(backbone)
        input_range = meta["input_range"]
    else:
        features, meta = mobilenet_v2_features(1e-3), {"source": "scratch"}
        input_range = input_range or "-1..1"
    body = MobileNetV2Fpn(features, fpn, frozen_bn=bool(backbone))
    sizes = tuple((s, round(s * 2 ** (1 / 3)), round(s * 2 ** (2 / 3))) for s in ANCHOR_SIZES)
    anchors = AnchorGenerator(sizes, ((0.5, 1.0, 2.0),) * len(sizes))
    head = RetinaNetHead(fpn, anchors.num_anchors_per_location()[0], NUM_CLASSES,
                         norm_layer=partial(nn.GroupNorm, 32))
    if head_convs != 4:
        _set_head_depth(head, head_convs, fpn)
    head.regression_head._loss_type = "giou"
    mean, std = NORMALIZE[input_range]
    model = RetinaNet(body, NUM_CLASSES, min_size=size, max_size=size, image_mean=mean, image_std=std,
                      anchor_generator=anchors, head=head, detections_per_img=100)
    model.meta = {"backbone": meta.get("source"), "input_range": input_range, "size": size, "fpn": fpn,
                  "head_convs": head_convs, "agreement": meta.get("agreement")}
    return model
