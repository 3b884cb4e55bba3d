#!/usr/bin/env node
/**
 * `npm run check:pack`: the packages work outside this repository, as another project uses them.
 *
 * 1. `npm pack --workspaces` (each package's prepack rebuilds its dist/ from scratch);
 * 2. a new project in a temporary folder installs the three tarballs from there, taking their
 *    dependencies from the npm registry (or npm's cache), with onnxruntime-node's CUDA download
 *    skipped as the README says;
 * 3. in that project: every `exports` entry of each package imports; a script calls `extractBoxes`
 *    on the sample dataset and runs the bundled model (found inside the installed
 *    @bus-tools/infer) on one image; TypeScript type-checks the same script against the installed
 *    declarations; `npx bus-tools --help` runs.
 *
 * Prints one line per step and exits 1 at the first that fails, naming it. Takes a minute or two
 * (the install), so it is a check of its own in .ci/run, not a jest test.
 *
 * Options: --keep (leave the temporary folder and print its path).
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const SAMPLE = join(ROOT, 'fixtures', 'sample-busi');
const keep = process.argv.includes('--keep');
const work = mkdtempSync(join(tmpdir(), 'bus-tools-pack-'));
const project = join(work, 'use');
// Run as `npm run check:pack`, this process inherits npm's variables for this repository (its
// prefix, package and script); the new project must not see them.
const inherited = Object.entries(process.env).filter(([k]) => !/^npm_(package_|lifecycle_|config_local_prefix$)/.test(k));
const env = { ...Object.fromEntries(inherited), ONNXRUNTIME_NODE_INSTALL: 'skip', npm_config_audit: 'false', npm_config_fund: 'false', npm_config_prefer_offline: 'true' };

/** Runs a command; on failure prints its output and the step, and exits 1. */
function step(name, file, args, cwd) {
  try {
    const out = execFileSync(file, args, { cwd, env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    console.log(`check-pack: ${name}: ok`);
    return out;
  } catch (err) {
    console.log(`check-pack: ${name}: FAILED (${file} ${args.join(' ')} in ${cwd})`);
    console.log(String(err.stdout ?? '') + String(err.stderr ?? err.message));
    if (!keep) rmSync(work, { recursive: true, force: true });
    process.exit(1);
  }
}

const packed = JSON.parse(step('npm pack --workspaces', 'npm', ['pack', '--workspaces', '--json', '--pack-destination', work], ROOT));
const tarballs = Object.fromEntries(packed.map((p) => [p.name, join(work, p.filename)]));

mkdirSync(project);
step('npm init', 'npm', ['init', '-y'], project);
step('npm install the tarballs', 'npm', ['install', ...Object.values(tarballs)], project);

// Every subpath each package exports imports, from the installed copy.
const imports = packed
  .filter((p) => p.name !== 'bus-tools')
  .flatMap((p) => {
    const manifest = JSON.parse(readFileSync(join(project, 'node_modules', p.name, 'package.json'), 'utf8'));
    return Object.keys(manifest.exports).map((sub) => (sub === '.' ? p.name : `${p.name}/${sub.slice(2)}`));
  });
writeFileSync(join(project, 'imports.mjs'), imports.map((s) => `await import('${s}');\n`).join('') + `console.log(${JSON.stringify(imports.join(' '))});\n`);
step(`import ${imports.join(', ')}`, process.execPath, ['imports.mjs'], project);

// The README's example, with checks.
const script = `import assert from 'node:assert/strict';
import { join } from 'node:path';
import { BUSI_CATEGORIES, discoverDataset, extractBoxes, scanDataset, streamUploadFolder } from '@bus-tools/core';
import { decodeForModel, openDetector } from '@bus-tools/infer';

const sample = ${JSON.stringify(SAMPLE)};
const { images, stats } = await extractBoxes(await discoverDataset(sample));
assert.deepEqual(stats, { images: 9, masks: 11, boxes: 11, specksDropped: 4, skipped: 0 });
const first = images[0];
assert.equal(first.fileName, 'benign (1).png');
assert.equal(first.boxes[0].label, 'benign');

// The README's upload of any size: scanned, extracted and written one image at a time.
const written = await streamUploadFolder(join(process.cwd(), 'upload'), BUSI_CATEGORIES, { format: 'coco' }, async (add) => {
  await extractBoxes(await scanDataset(sample), { onImage: (image) => add(image) });
});
assert.equal(written.images, 9);
assert.equal(written.boxes, 11);

const detector = await openDetector({});
assert.ok(detector.isDefaultModel);
assert.ok(detector.model.startsWith(join(process.cwd(), 'node_modules', '@bus-tools', 'infer', 'models')), detector.model);
const image = await decodeForModel(join(sample, 'malignant', 'malignant (1).png'), detector.inputWidth, detector.inputHeight);
const detections = await detector.detect(image);
await detector.close();
for (const d of detections) assert.ok(d.xyxy.length === 4 && d.score !== undefined && d.score >= detector.threshold);
console.log(JSON.stringify({ boxes: first.boxes.map((b) => b.xyxy), detections: detections.length }));
`;
writeFileSync(join(project, 'use.mts'), script.replace('const sample =', 'const sample: string ='));
writeFileSync(join(project, 'use.mjs'), script);
step('extractBoxes and the bundled model from the installed packages', process.execPath, ['use.mjs'], project);
step('tsc --noEmit over the same script (types from the installed packages)', process.execPath, [
  join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '--noEmit', '--strict', '--target', 'es2022', '--module', 'nodenext',
  '--moduleResolution', 'nodenext', '--skipLibCheck', '--types', 'node', '--typeRoots', join(ROOT, 'node_modules', '@types'), 'use.mts',
], project);
step('npx bus-tools --help', 'npx', ['--no-install', 'bus-tools', '--help'], project);

if (keep) console.log(`check-pack: kept ${work}`);
else rmSync(work, { recursive: true, force: true });
console.log('check-pack: the packed packages install and work in a new project');
