"""Convert nsfwjs's MobileNetV2 (Keras, ImageNet, fine-tuned 5-class) into torchvision weights, proven against TF.js.

    /usr/bin/python3 tools/train/backbone_nsfwjs.py --out ~/.cache/bus-tools-train/backbone-nsfwjs.pt

Fetches nsfwjs and TF.js into the cache, has tfjs_reference_nsfwjs.cjs load the model through the
package's own loader (8-bit quantized weights, dequantized by tf.io.decodeWeights; batch-norm not
folded) and run one deterministic 224x224 image through the package's own preprocessing, maps the
weights 1:1 onto `backbone.mobilenet_v2_features(bn_eps=1e-3)`, runs the same image in torch and
compares all 19 stage outputs. Only if every stage agrees to a relative error <= 1e-4 does it write
--out, in the format that `backbone.load_backbone()` reads. The backbone expects NCHW input in 0..1
(nsfwjs's NSFWJS.infer() computes pixel / 255).
"""
import argparse
import os
import sys
import tempfile

import numpy as np
import torch

from backbone import keras_convs, keras_stages, mobilenet_v2_features
from cache import npm_pack, read_tfjs_dump, run_tfjs_script

PACKAGE, VERSION = "nsfwjs", "4.4.0"
SIZE = 224
BN_EPS = 1e-3
TOLERANCE = 1e-4
HEAD = ("dense_1/", "dense_2/", "dense_3/")  # the 5-class classifier on top of the backbone, not converted
HERE = os.path.dirname(os.path.abspath(__file__))


def conv_layers():
    """(torch conv key, torch batch-norm key, Keras conv layer, Keras batch-norm layer) per conv."""
    bn = {"Conv1": "bn_Conv1", "Conv_1": "Conv_1_bn"}
    return [(c, b, name, bn.get(name, f"{name}_BN")) for c, b, name in keras_convs()]


def stage_layers(features):
    """Keras layer whose output equals features[i]'s output, for i = 0..18."""
    return keras_stages(lambda block: features[block + 1].use_res_connect)


def test_image():
    """A deterministic 224x224 RGB uint8 image: smooth gradients, stripes, a disc and seeded noise."""
    y, x = np.mgrid[0:SIZE, 0:SIZE].astype(np.float64) / SIZE
    disc = (np.hypot(x - 0.6, y - 0.4) < 0.2).astype(np.float64)
    channels = [0.5 + 0.35 * np.sin(2 * np.pi * (3 * x + 2 * y)) + 0.1 * disc,
                0.2 + 0.6 * x * y + 0.15 * np.cos(2 * np.pi * 7 * x * (1 - y)),
                0.8 - 0.5 * y + 0.1 * np.sign(np.sin(2 * np.pi * 11 * x)) - 0.3 * disc]
    noise = np.random.default_rng(0).normal(0, 0.05, (SIZE, SIZE, 3))
    return np.clip(np.round(255 * (np.stack(channels, -1) + noise)), 0, 255).astype(np.uint8)


def run_tfjs(package, image, layers, workdir):
    """Run tfjs_reference_nsfwjs.cjs; returns (weights by name, {layer: NHWC activation}, reference.json)."""
    input_file = os.path.join(workdir, "input.u8")
    image.tofile(input_file)
    run_tfjs_script("tfjs_reference_nsfwjs.cjs", package, input_file, workdir, *layers)
    reference, weights, flat = read_tfjs_dump(workdir, "reference.json", "weights.bin")
    assert sum(w.size for w in weights.values()) == flat.size, "weights.bin has values no spec accounts for"
    activations = {layer: np.fromfile(os.path.join(workdir, f"{layer}.bin"), dtype=np.float32).reshape(shape)
                   for layer, shape in reference["activations"].items()}
    return weights, activations, reference


def map_weights(features, weights):
    """features' state dict filled from the TF weights, every value 1:1; returns (state_dict, TF names used)."""
    state = features.state_dict()
    assigned, used = set(), set()

    def put(key, name, value):
        assert key not in assigned, f"{key} assigned twice"
        assert name not in used, f"{name} used twice"
        assert tuple(state[key].shape) == tuple(value.shape), f"{key}: torch {tuple(state[key].shape)}, TF {name} {tuple(value.shape)}"
        state[key] = value.clone()
        assigned.add(key)
        used.add(name)

    for conv_key, bn_key, conv, bn in conv_layers():
        if conv.endswith("depthwise"):  # TF HW(C)1 -> torch (C)1HW
            name = f"{conv}/depthwise_kernel"
            put(f"{conv_key}.weight", name, torch.from_numpy(weights[name]).permute(2, 3, 0, 1))
        else:  # TF HWIO -> torch OIHW
            name = f"{conv}/kernel"
            put(f"{conv_key}.weight", name, torch.from_numpy(weights[name]).permute(3, 2, 0, 1))
        for torch_name, tf_name in (("weight", "gamma"), ("bias", "beta"), ("running_mean", "moving_mean"),
                                    ("running_var", "moving_variance")):
            put(f"{bn_key}.{torch_name}", f"{bn}/{tf_name}", torch.from_numpy(weights[f"{bn}/{tf_name}"]))

    # num_batches_tracked only counts training steps; it has no TF counterpart and no effect in eval mode.
    expected = {k for k in state if not k.endswith("num_batches_tracked")}
    assert assigned == expected, f"unassigned: {sorted(expected - assigned)}"
    unused = sorted(n for n in weights if n not in used and not n.startswith(HEAD))
    assert not unused, f"backbone weights left unmapped: {unused}"
    return state, used


def compare(features, image, reference, layers):
    """Per stage (relative max error, relative mean error, shape) of torch vs TF.js."""
    errors = []
    x = torch.from_numpy(image.astype(np.float32) / np.float32(255)).permute(2, 0, 1)[None].contiguous()
    with torch.no_grad():
        for stage, layer in zip(features, layers):
            x = stage(x)
            tf_out = torch.from_numpy(reference[layer]).permute(0, 3, 1, 2)
            assert x.shape == tf_out.shape, f"{layer}: torch {tuple(x.shape)}, TF.js {tuple(tf_out.shape)}"
            diff = (x - tf_out).abs()
            errors.append(((diff.max() / tf_out.abs().max()).item(), (diff.mean() / tf_out.abs().mean()).item(),
                           tuple(x.shape)))
    return errors


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", required=True, help="where to torch.save the converted backbone")
    args = parser.parse_args()
    out = os.path.expanduser(args.out)
    torch.set_num_threads(1)

    package = npm_pack(f"{PACKAGE}@{VERSION}")
    features = mobilenet_v2_features(BN_EPS).eval()
    layers = stage_layers(features)
    image = test_image()
    with tempfile.TemporaryDirectory(prefix="nsfwjs-") as workdir:
        weights, activations, reference = run_tfjs(package, image, layers, workdir)
    assert reference["bn_epsilons"] == [BN_EPS], f"Keras batch-norm epsilons {reference['bn_epsilons']}, expected [{BN_EPS}]"

    state, used = map_weights(features, weights)
    features.load_state_dict(state)
    converted = sum(weights[n].size for n in used)
    variances = np.concatenate([weights[n] for n in used if n.endswith("/moving_variance")])
    print(f"{converted:,} values from {len(used)} TF weights -> {len(state)} state-dict entries "
          f"(head {', '.join(h.rstrip('/') for h in HEAD)} left out); "
          f"{int((variances == 0).sum())} of {variances.size:,} BN variances are exactly 0")

    agreement, failed = {}, False
    print(f"{'stage':>12} {'Keras layer':<26} {'shape':<18} {'max rel':>9} {'mean rel':>9}")
    for i, (layer, (rel_max, rel_mean, shape)) in enumerate(zip(layers, compare(features, image, activations, layers))):
        agreement[f"features[{i}]"] = rel_max
        failed |= not rel_max <= TOLERANCE
        print(f"{f'features[{i}]':>12} {layer:<26} {str(shape):<18} {rel_max:>9.2e} {rel_mean:>9.2e}")
    if failed:
        sys.exit(f"disagreement above {TOLERANCE} (max |torch - tf| / max |tf|); {out} not written")

    os.makedirs(os.path.dirname(os.path.abspath(out)), exist_ok=True)
    torch.save({
        "features": features.state_dict(),
        "bn_eps": BN_EPS,
        "input_range": "0..1",
        "source": {"package": PACKAGE, "version": VERSION, "license": "MIT",
                   "what": "Keras MobileNetV2 1.0/224, ImageNet, fine-tuned 5-class classifier, 8-bit quantized"},
        "agreement": agreement,
    }, out)
    print(f"wrote {out} (all {len(agreement)} stages within {TOLERANCE}; TF.js {reference['tfjs_version']}, "
          f"{reference['backend']} backend)")


if __name__ == "__main__":
    main()
