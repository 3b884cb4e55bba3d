"""The demo detector: a torchvision RetinaNet on a tiny MobileNet-style FPN backbone, and the three
export wrappers (native torchvision, TF Object Detection API tensors, Datature packed tensor).

No pretrained weights (the machines that build it are offline): `weights=None` everywhere.
"""
from collections import OrderedDict

import torch
from torch import nn
from torchvision.models.detection import RetinaNet
from torchvision.models.detection import _utils as det_utils
from torchvision.models.detection.anchor_utils import AnchorGenerator
from torchvision.models.detection.retinanet import RetinaNetHead
from torchvision.ops import boxes as box_ops
from torchvision.ops.feature_pyramid_network import FeaturePyramidNetwork, LastLevelP6P7

SIZE = 320  # the exported models take SIZE x SIZE images
NUM_CLASSES = 3  # 0 = background (never predicted), 1 = benign, 2 = malignant


def _block(cin, cout):
    """Strided 3x3 conv, then a depthwise-separable 3x3 conv; each with BN + ReLU. Halves the size."""
    return nn.Sequential(
        nn.Conv2d(cin, cout, 3, 2, 1, bias=False), nn.BatchNorm2d(cout), nn.ReLU(inplace=True),
        nn.Conv2d(cout, cout, 3, 1, 1, groups=cout, bias=False), nn.BatchNorm2d(cout), nn.ReLU(inplace=True),
        nn.Conv2d(cout, cout, 1, bias=False), nn.BatchNorm2d(cout), nn.ReLU(inplace=True),
    )


class TinyFpnBackbone(nn.Module):
    """Five strided blocks (strides 2..32) and an FPN over strides 8, 16, 32 plus P6/P7 (64, 128)."""

    def __init__(self, out_channels=64):
        super().__init__()
        self.body = nn.ModuleList([_block(3, 16), _block(16, 32), _block(32, 64), _block(64, 96), _block(96, 128)])
        self.fpn = FeaturePyramidNetwork([64, 96, 128], out_channels, extra_blocks=LastLevelP6P7(out_channels, out_channels))
        self.out_channels = out_channels

    def forward(self, x):
        feats = OrderedDict()
        for i, block in enumerate(self.body):
            x = block(x)
            if i >= 2:
                feats[str(i - 2)] = x
        return self.fpn(feats)


def build_model(size=SIZE):
    backbone = TinyFpnBackbone(64)
    sizes = tuple((s, int(s * 2 ** (1 / 3)), int(s * 2 ** (2 / 3))) for s in (16, 32, 64, 128, 256))
    anchors = AnchorGenerator(sizes, ((0.5, 1.0, 2.0),) * len(sizes))
    head = RetinaNetHead(backbone.out_channels, anchors.num_anchors_per_location()[0], NUM_CLASSES)
    return RetinaNet(
        backbone, NUM_CLASSES, min_size=size, max_size=size,
        image_mean=[0.5, 0.5, 0.5], image_std=[0.25, 0.25, 0.25],
        anchor_generator=anchors, head=head, detections_per_img=100,
    )


class NoNmsRetinaNet(RetinaNet):
    """RetinaNet whose postprocessing keeps every candidate above `score_thresh` (per-level top-k as
    torchvision does), sorted by score: what a Datature export hands the caller, who runs NMS."""

    def postprocess_detections(self, head_outputs, anchors, image_shapes):
        out = []
        for index in range(len(image_shapes)):
            boxes, scores, labels = [], [], []
            for br, cl, an in zip(head_outputs["bbox_regression"], head_outputs["cls_logits"], anchors[index]):
                br, cl = br[index], cl[index]
                num_classes = cl.shape[-1]
                s = torch.sigmoid(cl).flatten()
                keep = s > self.score_thresh
                s = s[keep]
                idx = torch.where(keep)[0]
                k = det_utils._topk_min(idx, self.topk_candidates, 0)
                s, order = s.topk(k)
                idx = idx[order]
                a = torch.div(idx, num_classes, rounding_mode="floor")
                b = self.box_coder.decode_single(br[a], an[a])
                boxes.append(box_ops.clip_boxes_to_image(b, image_shapes[index]))
                scores.append(s)
                labels.append(idx % num_classes)
            boxes, scores, labels = torch.cat(boxes), torch.cat(scores), torch.cat(labels)
            order = torch.argsort(scores, descending=True)
            out.append({"boxes": boxes[order], "scores": scores[order], "labels": labels[order]})
        return out


def as_no_nms(model):
    m = NoNmsRetinaNet.__new__(NoNmsRetinaNet)
    m.__dict__ = model.__dict__.copy()
    return m


class TorchvisionExport(nn.Module):
    """Native torchvision layout: image float32 [3,H,W] in 0..1 → boxes [n,4] xyxy input pixels,
    scores [n], labels [n] int64 (1-based)."""

    def __init__(self, model):
        super().__init__()
        self.model = model

    def forward(self, image):
        d = self.model([image])[0]
        return d["boxes"], d["scores"], d["labels"]


class TfodExport(nn.Module):
    """TF Object Detection API layout: input_tensor uint8 [1,H,W,3] → detection_boxes [1,K,4]
    normalized ymin,xmin,ymax,xmax; detection_scores [1,K]; detection_classes [1,K] float 1-based;
    num_detections [1] float. K = 100, rows past num_detections are zero."""

    K = 100

    def __init__(self, model):
        super().__init__()
        self.model = model

    def forward(self, input_tensor):
        _, h, w, _ = input_tensor.shape
        image = input_tensor[0].permute(2, 0, 1).float() / 255.0
        d = self.model([image])[0]
        b = d["boxes"]
        yxyx = torch.stack([b[:, 1] / h, b[:, 0] / w, b[:, 3] / h, b[:, 2] / w], dim=1)
        boxes = torch.cat([yxyx, torch.zeros(self.K, 4)])[: self.K]
        scores = torch.cat([d["scores"], torch.zeros(self.K)])[: self.K]
        classes = torch.cat([d["labels"].float(), torch.zeros(self.K)])[: self.K]
        num = torch.clamp(torch.ones_like(d["scores"]).sum(), max=float(self.K)).reshape(1)
        return boxes[None], scores[None], classes[None], num


class DatatureExport(nn.Module):
    """Datature ONNX layout: input float32 [1,H,W,3] with 0..255 values → one output [1,N,7]:
    ymin,xmin,ymax,xmax (normalized), score, class (1-based, 0 = padding), valid (1, or 0 = padding).
    No NMS: candidates as RetinaNet scores them (per-level top-k above 0.05), N = 1000 rows."""

    N = 1000

    def __init__(self, model):
        super().__init__()
        self.model = as_no_nms(model)

    def forward(self, image):
        _, h, w, _ = image.shape
        x = image[0].permute(2, 0, 1) / 255.0
        d = self.model([x])[0]
        b = d["boxes"]
        rows = torch.stack([b[:, 1] / h, b[:, 0] / w, b[:, 3] / h, b[:, 2] / w, d["scores"], d["labels"].float(), torch.ones_like(d["scores"])], dim=1)
        rows = torch.cat([rows, torch.zeros(self.N, 7)])[: self.N]
        return rows[None]
