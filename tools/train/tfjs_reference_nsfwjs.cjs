// TF.js reference for backbone_nsfwjs.py: loads nsfwjs's MobileNetV2 the way the package does and
// writes, into OUT_DIR, the decoded weights and the activations at the given Keras layers.
//
//   NODE_PATH=<tfjs prefix>/node_modules node tfjs_reference_nsfwjs.cjs NSFWJS_DIR INPUT OUT_DIR LAYER...
//
// INPUT is a raw 224x224x3 uint8 RGB image. It goes through the package's own NSFWJS.infer(), so the
// preprocessing (and the intermediate-layer models) are nsfwjs's, not a re-implementation.
// OUT_DIR receives:
//   weights.bin      every decoded (dequantized) weight, float32, concatenated
//   <layer>.bin      the activation of each LAYER for INPUT, float32, NHWC
//   reference.json   {weights: [{name, shape, offset}], activations: {layer: shape}, bn_epsilons, ...}
"use strict";
const fs = require("fs");
const path = require("path");
const tf = require("@tensorflow/tfjs");

const SIZE = 224;

function writeFloats(file, values) {
  fs.writeFileSync(file, Buffer.from(values.buffer, values.byteOffset, values.byteLength));
}

async function main() {
  const [nsfwjsDir, inputFile, outDir, ...layers] = process.argv.slice(2);
  if (!outDir || layers.length === 0) {
    throw new Error("usage: tfjs_reference_nsfwjs.cjs NSFWJS_DIR INPUT OUT_DIR LAYER...");
  }
  await tf.setBackend("cpu");

  // The package's own loader: its bundled model (base64 UMD files) through its JSONHandler.
  const nsfwjs = require(path.join(nsfwjsDir, "dist", "cjs", "core.js"));
  const { MobileNetV2Model } = require(path.join(nsfwjsDir, "dist", "cjs", "models", "mobilenet_v2.js"));
  const net = await nsfwjs.load("MobileNetV2", { modelDefinitions: [MobileNetV2Model], size: SIZE });

  // The weights exactly as tf.loadLayersModel decoded them (uint8 -> float32 via min/scale).
  const artifacts = await net.urlOrIOHandler.load();
  const decoded = tf.io.decodeWeights(artifacts.weightData, artifacts.weightSpecs);
  const index = [];
  const chunks = [];
  let offset = 0;
  for (const spec of artifacts.weightSpecs) {
    const values = decoded[spec.name].dataSync();
    index.push({ name: spec.name, shape: spec.shape, offset });
    chunks.push(Buffer.from(values.buffer, values.byteOffset, values.byteLength));
    offset += values.length;
  }
  fs.writeFileSync(path.join(outDir, "weights.bin"), Buffer.concat(chunks));
  tf.dispose(Object.values(decoded));

  const pixels = new Int32Array(fs.readFileSync(inputFile));
  const image = tf.tensor3d(pixels, [SIZE, SIZE, 3], "int32");
  const activations = {};
  for (const layer of layers) {
    const out = net.infer(image, layer);
    activations[layer] = out.shape;
    writeFloats(path.join(outDir, `${layer}.bin`), out.dataSync());
    out.dispose();
  }

  const topology = artifacts.modelTopology;
  const config = topology.model_config.config;
  const epsilons = config.layers.filter((l) => l.class_name === "BatchNormalization").map((l) => l.config.epsilon);
  const reference = {
    weights: index,
    activations,
    bn_epsilons: [...new Set(epsilons)],
    keras_version: topology.keras_version,
    tfjs_version: tf.version.tfjs,
    backend: tf.getBackend(),
  };
  fs.writeFileSync(path.join(outDir, "reference.json"), JSON.stringify(reference));
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
