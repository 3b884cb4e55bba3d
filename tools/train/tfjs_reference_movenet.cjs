// Reference side of backbone_movenet.py: runs a TF.js graph model (pure-JS CPU backend) and dumps
// its decoded weights and chosen internal activations as raw little-endian float32.
//
//   NODE_PATH=<tfjs prefix>/node_modules node tfjs_reference_movenet.cjs REQUEST.json
//
// REQUEST.json: {"model": "path/model.json", "dir": "exchange folder",
//                "runs": [{"name": ..., "feed": {"node": ..., "dtype": "int32"|"float32",
//                          "shape": [...], "file": "in.f32"}, "outputs": ["node", ...]}]}
// Input files hold float32 values (cast to the feed dtype). Writes into "dir":
//   weights.f32 + result.json {"weights": [{name, shape, offset}], "runs": {name: [{node, shape, file}]}}
// where offset counts float32 values; float16-quantized weights come out dequantized, exactly as
// the model computes with them.
const fs = require('fs');
const path = require('path');
const tf = require('@tensorflow/tfjs');

async function main() {
  const request = JSON.parse(fs.readFileSync(process.argv[2], 'utf8'));
  await tf.setBackend('cpu');
  const json = JSON.parse(fs.readFileSync(request.model, 'utf8'));
  const specs = json.weightsManifest.flatMap((group) => group.weights);
  const shards = json.weightsManifest.flatMap((group) => group.paths)
    .map((p) => fs.readFileSync(path.join(path.dirname(request.model), p)));
  const buffer = Buffer.concat(shards);
  const weightData = buffer.buffer.slice(buffer.byteOffset, buffer.byteOffset + buffer.byteLength);
  const artifacts = { modelTopology: json.modelTopology, weightSpecs: specs, weightData,
    format: json.format, generatedBy: json.generatedBy, convertedBy: json.convertedBy,
    signature: json.signature };
  const model = await tf.loadGraphModel({ load: async () => artifacts });

  const result = { weights: [], runs: {} };
  const decoded = tf.io.decodeWeights(weightData, specs);
  const chunks = [];
  let offset = 0;
  for (const spec of specs) {
    const t = decoded[spec.name];
    if (t.dtype !== 'float32') continue;
    const values = t.dataSync();
    chunks.push(Buffer.from(values.buffer, values.byteOffset, values.byteLength));
    result.weights.push({ name: spec.name, shape: t.shape, offset });
    offset += values.length;
  }
  fs.writeFileSync(path.join(request.dir, 'weights.f32'), Buffer.concat(chunks));
  tf.dispose(Object.values(decoded));

  for (const run of request.runs) {
    const raw = fs.readFileSync(path.join(request.dir, run.feed.file));
    const values = new Float32Array(raw.buffer, raw.byteOffset, raw.byteLength / 4);
    const feed = tf.tensor(values, run.feed.shape, 'float32').cast(run.feed.dtype);
    const outs = model.execute({ [run.feed.node]: feed }, run.outputs);
    result.runs[run.name] = run.outputs.map((node, i) => {
      const data = outs[i].dataSync();
      const file = `${run.name}_${i}.f32`;
      fs.writeFileSync(path.join(request.dir, file), Buffer.from(data.buffer, data.byteOffset, data.byteLength));
      return { node, shape: outs[i].shape, file };
    });
    tf.dispose([feed, ...outs]);
  }
  fs.writeFileSync(path.join(request.dir, 'result.json'), JSON.stringify(result));
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
