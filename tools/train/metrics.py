"""AP at IoU 0.5 for the per-epoch validation log, computed as COCOeval does for one threshold
(greedy matching by score, 101 recall points, up to 100 detections per image, area "all").
The figures in the model card come from `bus-tools eval` on the exported model, not from here.
"""
import numpy as np


def _iou(a, b):
    iw = np.clip(np.minimum(a[2], b[:, 2]) - np.maximum(a[0], b[:, 0]), 0, None)
    ih = np.clip(np.minimum(a[3], b[:, 3]) - np.maximum(a[1], b[:, 1]), 0, None)
    inter = iw * ih
    return inter / ((a[2] - a[0]) * (a[3] - a[1]) + (b[:, 2] - b[:, 0]) * (b[:, 3] - b[:, 1]) - inter)


def ap50(images, cls=None):
    """images: [(gt_boxes [n,4], gt_labels [n], det_boxes [m,4], det_scores [m], det_labels [m])].
    cls: a class id, or None for class-agnostic (every label one lesion class). -1 when no ground truth."""
    scores, hits, n_gt = [], [], 0
    for gb, gl, db, ds, dl in images:
        if cls is not None:
            gb, db, ds = gb[gl == cls], db[dl == cls], ds[dl == cls]
        n_gt += len(gb)
        order = np.argsort(-ds, kind="stable")[:100]
        used = np.zeros(len(gb), bool)
        for i in order:
            hit = False
            if len(gb):
                iou = np.where(used, -1.0, _iou(db[i], gb))
                j = int(np.argmax(iou))
                if iou[j] >= 0.5:
                    used[j] = hit = True
            scores.append(ds[i])
            hits.append(hit)
    if n_gt == 0:
        return -1.0
    order = np.argsort(-np.array(scores), kind="stable")
    tp = np.cumsum(np.array(hits, bool)[order])
    fp = np.cumsum(~np.array(hits, bool)[order])
    recall = tp / n_gt
    precision = tp / np.maximum(tp + fp, np.finfo(float).eps)
    precision = np.maximum.accumulate(precision[::-1])[::-1] if len(precision) else precision
    points = np.linspace(0, 1, 101)
    idx = np.searchsorted(recall, points, side="left")
    return float(np.mean([precision[i] if i < len(precision) else 0.0 for i in idx]))
