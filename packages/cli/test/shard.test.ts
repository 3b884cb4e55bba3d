/**
 * Shards as a scheduler runs them: every shard a separate `bus-tools` process with the scheduler's
 * environment (Slurm array, Kubernetes Indexed Job, AWS Batch array job), then `bus-tools merge`,
 * compared with one run over the whole dataset.
 */
import { execFile } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import sharp from 'sharp';
import { shardOf } from '@bus-tools/core';
import { MODELS, SAMPLE_BUSI } from '../../../fixtures/index.js';
import { runCli } from './helpers.js';

const BIN = resolve(dirname(fileURLToPath(import.meta.url)), '../bin/bus-tools.js');
const MODEL = join(MODELS, 'retinanet-tfod.onnx');
const SCHEDULER_VARS = ['JOB_COMPLETION_INDEX', 'BUS_TOOLS_SHARD_COUNT', 'SLURM_ARRAY_TASK_ID', 'SLURM_ARRAY_TASK_MIN', 'SLURM_ARRAY_TASK_COUNT', 'AWS_BATCH_JOB_ARRAY_INDEX', 'AWS_BATCH_JOB_ARRAY_SIZE'];

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** `bus-tools …args` as a child process with exactly the scheduler variables in `env`. */
async function busTools(args: string[], env: Record<string, string> = {}): Promise<Run> {
  const base = { ...process.env };
  for (const k of SCHEDULER_VARS) delete base[k];
  try {
    const r = await promisify(execFile)(process.execPath, [BIN, ...args], { env: { ...base, ...env }, maxBuffer: 64 << 20 });
    return { code: 0, stdout: r.stdout, stderr: r.stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

/** '' for a run that exited 0, else its exit code and stderr (so a failure says why). */
const failure = (r: Run) => (r.code === 0 ? '' : `exit ${r.code}: ${r.stderr}`);

/** How each scheduler tells shard `index` of `count` who it is. */
const SCHEDULERS: Array<{ name: string; count: number; shard: string; env: (index: number, count: number) => Record<string, string> }> = [
  { name: 'Slurm array', count: 1, shard: 'auto', env: (i, n) => ({ SLURM_ARRAY_TASK_ID: String(i + 1), SLURM_ARRAY_TASK_MIN: '1', SLURM_ARRAY_TASK_COUNT: String(n) }) },
  { name: 'Kubernetes Indexed Job', count: 3, shard: 'auto/3', env: (i) => ({ JOB_COMPLETION_INDEX: String(i) }) },
  { name: 'AWS Batch array job', count: 7, shard: 'auto', env: (i, n) => ({ AWS_BATCH_JOB_ARRAY_INDEX: String(i), AWS_BATCH_JOB_ARRAY_SIZE: String(n) }) },
];

let tmp: string;
let dataset: string;
/** The relative paths of the near-duplicate pair built into the dataset. */
let pair: [string, string];

beforeAll(async () => {
  tmp = mkdtempSync(join(tmpdir(), 'bus-cli-shard-'));
  dataset = join(tmp, 'dataset');
  cpSync(SAMPLE_BUSI, dataset, { recursive: true });
  // A near copy of one scan (rescaled to 90 %), named so that it falls in another shard than the
  // original for 3 and for 7 shards: only the merge step can find it.
  const original = 'malignant/malignant (2).png';
  let k = 1;
  while ([3, 7].some((n) => shardOf(`malignant/malignant (${k + 20}).png`, n) === shardOf(original, n))) k++;
  const copy = `malignant/malignant (${k + 20}).png`;
  const meta = await sharp(join(dataset, original)).metadata();
  const [w, h] = [Math.round(meta.width! * 0.9), Math.round(meta.height! * 0.9)];
  await sharp(join(dataset, original)).resize(w, h).png().toFile(join(dataset, copy));
  await sharp(join(dataset, 'malignant/malignant (2)_mask.png')).resize(w, h, { kernel: 'nearest' }).png().toFile(join(dataset, copy.replace('.png', '_mask.png')));
  pair = [original, copy];
}, 30_000);
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const read = (p: string) => readFileSync(p, 'utf8');
const lintView = (json: string) => {
  const r = JSON.parse(json);
  return { images: r.images, masks: r.masks, counts: r.counts, byCode: r.byCode, findings: r.findings, groups: r.groups };
};

test('the near-duplicate pair is split over the shards for 3 and 7 shards', () => {
  for (const n of [3, 7]) expect(shardOf(pair[0], n)).not.toBe(shardOf(pair[1], n));
});

describe('one run', () => {
  let single: { csv: string; coco: string; cocoDir: string; lint: ReturnType<typeof lintView>; json: string; detCsv: string; found: number };
  beforeAll(async () => {
    const out = join(tmp, 'single');
    mkdirSync(out);
    // The one run is in-process (the shards below are the separate processes).
    const runs: Run[] = [];
    runs.push(await runCli('masks2csv', dataset, '-o', join(out, 'boxes.csv')));
    runs.push(await runCli('export', dataset, '--format', 'coco', '-o', join(out, 'coco')));
    runs.push(await runCli('lint', dataset, '--json', '--fail-on', 'none'));
    runs.push(await runCli('predict', '-i', dataset, '-o', join(out, 'pred'), '-m', MODEL, '-t', '0.3', '--device', 'cpu', '--sessions', '1', '--json'));
    for (const r of runs) expect(failure(r)).toBe('');
    single = {
      csv: read(join(out, 'boxes.csv')),
      coco: read(join(out, 'coco', 'annotations.json')),
      cocoDir: join(out, 'coco'),
      lint: lintView(runs[2].stdout),
      json: read(join(out, 'pred', 'detections.json')),
      detCsv: read(join(out, 'pred', 'detections.csv')),
      found: JSON.parse(runs[3].stdout).found,
    };
    // The pair is a near duplicate in one run (the merge must find it too).
    expect(single.lint.groups.map((g: { images: string[] }) => g.images)).toContainEqual(pair);
    expect(JSON.parse(single.json).length).toBeGreaterThan(0);
  }, 60_000);

  describe.each(SCHEDULERS)('$count shard(s) from a $name, then merge', ({ count, shard, env }) => {
    test('same CSV rows, COCO file, lint findings (with the pair across shards) and detections', async () => {
      const out = join(tmp, `shards-${count}`);
      mkdirSync(join(out, 'pred'), { recursive: true });
      const shards = Array.from({ length: count }, (_, i) => i);
      const runs = await Promise.all(
        shards.flatMap((i) => [
          busTools(['masks2csv', dataset, '--shard', shard, '-o', join(out, `boxes-${i}.csv`)], env(i, count)),
          busTools(['export', dataset, '--format', 'coco', '--shard', shard, '-o', join(out, `coco-${i}`)], env(i, count)),
          busTools(['lint', dataset, '--shard', shard, '--fingerprints', join(out, `lint-${i}.jsonl`), '--fail-on', 'none'], env(i, count)),
          busTools(['predict', '-i', dataset, '-o', join(out, 'pred'), '-m', MODEL, '-t', '0.3', '--device', 'cpu', '--sessions', '1', '--shard', shard, '--json'], env(i, count)),
        ]),
      );
      for (const r of runs) expect(failure(r)).toBe('');
      // Each shard's predict counts the images of its shard: together, every image once.
      const found = runs.filter((_, k) => k % 4 === 3).map((r) => JSON.parse(r.stdout).found as number);
      expect(found.reduce((a, b) => a + b, 0)).toBe(single.found);
      if (count > 1) expect(found.filter((n) => n > 0).length).toBeGreaterThan(1);
      if (count > 1) expect(readdirSync(join(out, 'pred')).filter((f) => f.endsWith('.json')).sort()).toEqual(shards.map((i) => `detections-${i}-of-${count}.json`).sort());

      // One merge job after the array: in-process here.
      const merged: Run[] = [];
      merged.push(await runCli('merge', ...shards.map((i) => join(out, `boxes-${i}.csv`)), '--dataset', dataset, '-o', join(out, 'boxes.csv')));
      merged.push(await runCli('merge', ...shards.map((i) => join(out, `coco-${i}`)), '-o', join(out, 'coco')));
      merged.push(await runCli('merge', ...shards.map((i) => join(out, `lint-${i}.jsonl`)), '--json', '--fail-on', 'none'));
      merged.push(await runCli('merge', ...readdirSync(join(out, 'pred')).filter((f) => /^detections.*\.json$/.test(f)).map((f) => join(out, 'pred', f)), '-o', join(out, 'detections.json')));
      for (const r of merged) expect(failure(r)).toBe('');

      expect(read(join(out, 'boxes.csv'))).toBe(single.csv);
      expect(read(join(out, 'coco', 'annotations.json'))).toBe(single.coco);
      expect(readdirSync(join(out, 'coco', 'images')).sort()).toEqual(readdirSync(join(single.cocoDir, 'images')).sort());
      expect(read(join(out, 'coco', 'UPLOAD.md'))).toBe(read(join(single.cocoDir, 'UPLOAD.md')));
      expect(lintView(merged[2].stdout)).toEqual(single.lint);
      expect(read(join(out, 'detections.json'))).toBe(single.json);
      expect(read(join(out, 'detections.csv'))).toBe(single.detCsv);

      if (count === 3) {
        // eval reads the shards' detections as one list: the metrics of the merged file.
        const parts = shards.map((i) => join(out, 'pred', `detections-${i}-of-3.json`));
        const metrics = (r: { stdout: string }) => ({ ...JSON.parse(r.stdout), predictions: 'one list' });
        const [fromParts, fromMerged] = await Promise.all([runCli('eval', '--gt', dataset, '--pred', ...parts, '--json'), runCli('eval', '--gt', dataset, '--pred', join(out, 'detections.json'), '--json')]);
        expect(fromParts.code).toBe(fromMerged.code);
        expect(metrics(fromParts)).toEqual(metrics(fromMerged));
        expect(metrics(fromParts).AP).toBeGreaterThan(0);
      }
    }, 180_000);
  });
});

describe('bad --shard values stop before any work (exit 2; in-process, with the variables set)', () => {
  test.each([
    [['--shard', '3/2'], {}, 'shards are counted from 0, so the last of 2 is 1/2'],
    [['--shard', '0/0'], {}, 'the shard count must be between 1 and 100000'],
    [['--shard', 'auto'], {}, 'none of JOB_COMPLETION_INDEX (Kubernetes Indexed Job), SLURM_ARRAY_TASK_ID (Slurm array) or AWS_BATCH_JOB_ARRAY_INDEX (AWS Batch array job) is set'],
    [['--shard', 'auto'], { JOB_COMPLETION_INDEX: '1' }, 'write --shard auto/N or set BUS_TOOLS_SHARD_COUNT=N'],
    [['--shard', 'auto/4'], { AWS_BATCH_JOB_ARRAY_INDEX: '1', AWS_BATCH_JOB_ARRAY_SIZE: '3' }, 'the scheduler says 3 shards but --shard says 4'],
  ])('%j with %j', async (args, env, message) => {
    const out = join(tmp, 'bad.csv');
    const saved = { ...process.env };
    for (const k of SCHEDULER_VARS) delete process.env[k];
    Object.assign(process.env, env);
    let r: Run;
    try {
      r = await runCli('masks2csv', dataset, '-o', out, ...args);
    } finally {
      process.env = saved;
    }
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(message);
    expect(r.stderr).toContain('[INVALID_PARAMETER]');
    expect(readdirSync(tmp)).not.toContain('bad.csv');
  });
});

describe('merge refuses parts it cannot put together (exit 2, nothing written)', () => {
  const file = (name: string, text: string) => {
    const p = join(tmp, 'refused', name);
    mkdirSync(dirname(p), { recursive: true });
    writeFileSync(p, text);
    return p;
  };
  test.each([
    ['CSVs without --dataset', () => [file('a.csv', 'filename,xmin,ymin,width,height,label\n'), file('b.csv', 'filename,xmin,ymin,width,height,label\n'), '-o', join(tmp, 'refused', 'out.csv')], 'Expected --dataset'],
    ['parts of two kinds', () => [file('c.json', '[]\n'), file('d.csv', 'filename,xmin,ymin,width,height,label\n'), '-o', join(tmp, 'refused', 'out.json')], 'not a detections part like'],
    ["predict's CSVs", () => [file('e.csv', 'filename,xmin,ymin,width,height,label,score\n'), '-o', join(tmp, 'refused', 'out.csv')], "Merge predict's detections-I-of-N.json files instead"],
    ['lint parts with -o', () => [file('f.jsonl', '{}\n'), '-o', join(tmp, 'refused', 'out.json')], 'Expected no -o for merging lint fingerprints'],
  ])('%s', async (_what, args, message) => {
    const r = await runCli('merge', ...args());
    expect([r.code, r.stderr]).toEqual([2, expect.stringContaining(message)]);
    expect(readdirSync(join(tmp, 'refused')).filter((f) => f.startsWith('out') || f.startsWith('.'))).toEqual([]);
  });

  test('the same image in two lint parts', async () => {
    const out = join(tmp, 'twice');
    mkdirSync(out);
    const r = await busTools(['lint', dataset, '--shard', '0/2', '--fingerprints', join(out, 'a.jsonl'), '--fail-on', 'none']);
    expect(failure(r)).toBe('');
    const m = await runCli('merge', join(out, 'a.jsonl'), join(out, 'a.jsonl'));
    expect([m.code, m.stderr]).toEqual([2, expect.stringMatching(/is in two fingerprints files; merge the shards of one run/)]);
  });

  test('the same image in two upload folders: both named, nothing written', async () => {
    const out = join(tmp, 'twice-upload');
    mkdirSync(out);
    for (const part of ['a', 'b']) expect(failure(await runCli('export', dataset, '--format', 'voc', '--shard', '0/2', '-o', join(out, part)))).toBe('');
    const m = await runCli('merge', join(out, 'a'), join(out, 'b'), '-o', join(out, 'merged'));
    expect([m.code, m.stderr]).toEqual([1, expect.stringMatching(new RegExp(`^bus-tools: ".*\\.png" is in ${join(out, 'a')} and ${join(out, 'b')}: two images of one upload name \\[NAME_COLLISION\\]`))]);
    expect(readdirSync(out).sort()).toEqual(['a', 'b']);
  });
});
