// Runs the exported model with onnxruntime-node (through @bus-tools/infer, as predict does) on the
// inputs export.py wrote, and compares its raw outputs with torch's detections:
//
//   node tools/train/check-onnx.mjs packages/infer/models/busi-retinanet.onnx RUN/check
//
// Passes when every image has the same number of detections, the same classes, and boxes and
// scores within 1e-3 (detections whose scores differ by less than that may come in either order).
// Prints the largest differences; exits 1 otherwise.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { openDetector } from '@bus-tools/infer';

const [model, dir] = process.argv.slice(2);
if (!model || !dir) {
  console.error('usage: node tools/train/check-onnx.mjs MODEL.onnx CHECK_DIR');
  process.exit(2);
}
const rows = JSON.parse(readFileSync(join(dir, 'torch.json'), 'utf8'));
const det = await openDetector({ model, threshold: 0, sessions: 1, device: 'cpu' });
let worstBox = 0;
let worstScore = 0;
const bad = [];
for (const row of rows) {
  const rgb = new Uint8Array(readFileSync(join(dir, row.input)));
  const image = { path: row.image, width: row.size, height: row.size, pixels: rgb, rgb, inputWidth: row.size, inputHeight: row.size };
  const out = await det.run(det.preprocess(image));
  const n = Number(out.num_detections.data[0]);
  if (n !== row.scores.length) {
    bad.push(`${row.image}: ${n} detections from onnxruntime, ${row.scores.length} from torch`);
    continue;
  }
  // Same order, except that detections whose scores differ by less than 1e-3 may swap places.
  const taken = new Set();
  for (let i = 0; i < n; i++) {
    const boxDiff = (j) => Math.max(...[0, 1, 2, 3].map((k) => Math.abs(out.detection_boxes.data[j * 4 + k] - row.boxes[i][k])));
    let j = i;
    if (taken.has(j) || boxDiff(j) > 1e-3 || out.detection_classes.data[j] !== row.classes[i]) {
      const near = [...Array(n).keys()].filter((m) => !taken.has(m) && Math.abs(out.detection_scores.data[m] - row.scores[i]) <= 1e-3 && out.detection_classes.data[m] === row.classes[i]);
      j = near.length ? near.reduce((a, b) => (boxDiff(b) < boxDiff(a) ? b : a)) : i;
    }
    taken.add(j);
    worstBox = Math.max(worstBox, boxDiff(j));
    worstScore = Math.max(worstScore, Math.abs(out.detection_scores.data[j] - row.scores[i]));
    if (out.detection_classes.data[j] !== row.classes[i]) bad.push(`${row.image}: detection ${i} class ${out.detection_classes.data[j]} vs ${row.classes[i]}`);
  }
}
await det.close();
console.log(`${rows.length} images: largest box difference ${worstBox.toExponential(2)} (normalized), largest score difference ${worstScore.toExponential(2)}`);
if (worstBox > 1e-3 || worstScore > 1e-3) bad.push('differences above 1e-3');
for (const b of bad.slice(0, 20)) console.error(b);
process.exit(bad.length ? 1 : 0);
