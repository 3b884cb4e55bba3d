import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { iouXyxy, xywhToXyxy, type Xywh } from '@bus-tools/core';
import { MODELS, SAMPLE_BUSI, SAMPLE_EXPECTED } from '../../../fixtures/index.js';
import { main } from '../src/cli.js';
import type { Io } from '../src/io.js';
import { runCli } from './helpers.js';

const MODEL = join(MODELS, 'retinanet-datature.onnx');
let tmp: string;
beforeEach(() => {
  tmp = mkdtempSync(join(tmpdir(), 'bus-cli-predict-'));
});
afterEach(() => rmSync(tmp, { recursive: true, force: true }));

describe('bus-tools predict', () => {
  test('predict.py flags; one summary line on stderr, nothing on stdout', async () => {
    const out = join(tmp, 'out');
    const r = await runCli('predict', '--input', SAMPLE_BUSI, '--output', out, '--model', MODEL, '--label', join(MODELS, 'label_map.pbtxt'),
      '--threshold', '0.5', '--width', '320', '--height', '320', '--device', 'cpu', '--json', join(tmp, 'd.json'), '--csv', join(tmp, 'd.csv'));
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('');
    // The note: predict.py's `--json <file>` is the old spelling of --detections-json.
    expect(r.stderr.split('\n')).toHaveLength(3);
    expect(r.stderr.split('\n')[0]).toMatch(/^note: --json .*d\.json names the detections file in the old spelling; write --detections-json/);
    expect(r.stderr.split('\n')[1]).toMatch(new RegExp(`^predict: 11 images → \\d+ detections? on \\d+ \\(threshold 0\\.5\\); \\d+ annotated images? in .*out; wrote .*d\\.json, .*d\\.csv; 13 mask files ignored; .*retinanet-datature\\.onnx, datature layout 320x320 on cpu \\(requested\\)(, [2-4] sessions × \\d+ threads?)?; [\\d.]+ images/s$`));
    // fixtures/models/README.md: at 0.5 the model finds each of the 10 visible lesions once, with its class, and nothing else (the nested benign (4)_mask_1 is not visible).
    const found = JSON.parse(readFileSync(join(tmp, 'd.json'), 'utf8')) as Array<{ file_name: string; label: string; bbox: Xywh; score: number }>;
    const made = SAMPLE_EXPECTED;
    const visible = Object.entries(made).flatMap(([file, v]) => v.boxes.filter((b) => b.mask !== 'benign (4)_mask_1.png').map((b) => ({ file, label: v.label, bbox: b.bbox })));
    expect(found).toHaveLength(visible.length);
    for (const l of visible) expect([l.file, found.filter((d) => d.file_name === l.file && d.label === l.label && d.score >= 0.5 && iouXyxy(xywhToXyxy(d.bbox), xywhToXyxy(l.bbox)) >= 0.5).length]).toEqual([l.file, 1]);
    expect(readFileSync(join(tmp, 'd.csv'), 'utf8').split('\n')[0]).toBe('filename,xmin,ymin,width,height,label,score');
  });

  test('--sessions 1 runs one session on the main thread; more give the same detections', async () => {
    const one = await runCli('predict', '-i', SAMPLE_BUSI, '-o', join(tmp, 'one'), '-m', MODEL, '-t', '0.3', '--device', 'cpu', '--sessions', '1');
    const three = await runCli('predict', '-i', SAMPLE_BUSI, '-o', join(tmp, 'three'), '-m', MODEL, '-t', '0.3', '--device', 'cpu', '--sessions', '3', '--threads', '1');
    expect([one.code, three.code]).toEqual([0, 0]);
    expect(one.stderr).toMatch(/ on cpu \(requested\); /);
    expect(three.stderr).toMatch(/ on cpu \(requested\), 3 sessions × 1 thread; /);
    const csv = (d: string) => readFileSync(join(tmp, d, 'detections.csv'), 'utf8');
    expect(csv('three')).toBe(csv('one'));
    expect(csv('one').split('\n').length).toBeGreaterThan(3);
  });

  test('--summary-json gives the summary to scripts', async () => {
    const r = await runCli('predict', '-i', SAMPLE_BUSI, '-o', join(tmp, 'out'), '-m', MODEL, '--summary-json', '--device', 'auto');
    expect(r.code).toBe(0);
    const s = JSON.parse(r.stdout);
    expect(s).toMatchObject({ command: 'predict', found: 11, predicted: 11, layout: 'datature', threshold: 0.7, problems: [], json: join(tmp, 'out', 'detections.json') });
    expect(s).not.toHaveProperty('considered'); // the library's count, reported as found
    expect(s.deviceNote).toMatch(/^(cpu|cuda) \(/);
    expect(s.images).toBeUndefined();
  });

  test('an undecodable image: named on stderr, the rest predicted, exit code 3', async () => {
    const input = join(tmp, 'in');
    cpSync(join(SAMPLE_BUSI, 'malignant'), input, { recursive: true });
    writeFileSync(join(input, 'scan.png'), 'garbage');
    const r = await runCli('predict', '-i', input, '-o', join(tmp, 'out'), '-m', MODEL, '--device', 'cpu');
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/^error: .*scan\.png: not an image format bus-tools reads \(judged from its first bytes\); save it as PNG \[UNSUPPORTED_FORMAT\]\n/);
    expect(r.stderr).toMatch(/predict: 3 images → .*; 1 skipped;/);
  });

  test('a label list without malignant: "class 2" in the outputs, one warning', async () => {
    writeFileSync(join(tmp, 'classes.txt'), 'benign\n');
    const out = join(tmp, 'out');
    const r = await runCli('predict', '-i', join(SAMPLE_BUSI, 'malignant'), '-o', out, '-m', MODEL, '--label', join(tmp, 'classes.txt'), '-t', '0.5', '--device', 'cpu');
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/^warning: class id 2 is not in the label map; naming it "class 2"\npredict: 3 images/);
    const rows = readFileSync(join(out, 'detections.csv'), 'utf8').trim().split('\n').slice(1);
    expect(rows.length).toBeGreaterThan(0);
    expect(rows.every((row) => row.split(',')[5] === 'class 2')).toBe(true);
  });

  test('a progress bar on a terminal, erased before the summary', async () => {
    let stderr = '';
    const io: Io = { stdout: () => {}, stderr: (t) => void (stderr += t), isTTY: true, exitCode: 0 };
    const code = await main(['predict', '-i', SAMPLE_BUSI, '-o', join(tmp, 'out'), '-m', MODEL, '--device', 'cpu'], io);
    expect(code).toBe(0);
    expect(stderr).toContain('\rpredict [');
    expect(stderr).toContain('] 11/11');
    // eslint-disable-next-line no-control-regex -- the bar erases its line with the terminal's ESC [2K
    expect(stderr).toMatch(/\r\x1b\[2Kpredict: 11 images/);
  });

  test.each([
    [['--threads', '0'], 2, 'bus-tools: Expected integer between 1 and 1024 for --threads but received 0 [INVALID_PARAMETER]\nRun with --help to see the options.\n'],
    [['--sessions', '0'], 2, 'bus-tools: Expected integer between 1 and 64 for --sessions but received 0 [INVALID_PARAMETER]\nRun with --help to see the options.\n'],
    [['--threshold', '2'], 2, 'bus-tools: Expected number between 0 and 1 for --threshold but received 2 [INVALID_PARAMETER]\nRun with --help to see the options.\n'],
    [['--device', 'gpu'], 2, /Invalid values:\n {2}Argument: device, Given: "gpu", Choices: "auto", "cuda", "cpu"/],
    [['--model-layout', 'yolo'], 2, /Argument: model-layout, Given: "yolo", Choices: "tfod", "datature", "torchvision"/],
  ])('bad flag %j', async (extra, code, message) => {
    const r = await runCli('predict', '-i', SAMPLE_BUSI, '-o', join(tmp, 'out'), '-m', MODEL, ...extra);
    expect(r.code).toBe(code);
    expect(r.stderr).toMatch(message);
  });

  test('empty input folder, output inside input, missing flags', async () => {
    mkdirSync(join(tmp, 'empty'));
    let r = await runCli('predict', '-i', join(tmp, 'empty'), '-o', join(tmp, 'out'), '-m', MODEL);
    expect([r.code, r.stderr]).toEqual([1, expect.stringMatching(/^bus-tools: --input .*empty: no images found/)]);
    r = await runCli('predict', '-i', SAMPLE_BUSI, '-o', join(SAMPLE_BUSI, 'pred'), '-m', MODEL);
    expect([r.code, r.stderr]).toEqual([2, expect.stringMatching(/lies inside the input folder .*; bus-tools never writes into its inputs/)]);
    r = await runCli('predict', '-i', SAMPLE_BUSI);
    expect([r.code, r.stderr]).toEqual([2, expect.stringMatching(/Missing required argument: output/)]);
  });
});

describe('bus-tools predict into a folder that holds an earlier run', () => {
  test('refused without --force; --force leaves no annotated image of the earlier run', async () => {
    const out = join(tmp, 'out');
    const first = await runCli('predict', '-i', SAMPLE_BUSI, '-o', out, '-m', MODEL, '--device', 'cpu', '--all-images');
    expect(first.code).toBe(0);
    const before = readdirSync(out, { recursive: true }) as string[];
    expect(before).toContain(join('normal', 'normal (1).png'));

    const again = await runCli('predict', '-i', join(SAMPLE_BUSI, 'benign'), '-o', out, '-m', MODEL, '--device', 'cpu');
    expect([again.code, again.stderr]).toEqual([2, expect.stringMatching(/detections\.json already exists \(from an earlier run\); pass --force .*\[OUTPUT_EXISTS\]/)]);
    expect((readdirSync(out, { recursive: true }) as string[]).sort()).toEqual(before.sort());

    const forced = await runCli('predict', '-i', join(SAMPLE_BUSI, 'benign'), '-o', out, '-m', MODEL, '--device', 'cpu', '--force');
    expect(forced.code).toBe(0);
    const after = readdirSync(out, { recursive: true }) as string[];
    expect(after.filter((f) => f.includes('normal') || f.includes('malignant'))).toEqual([]);
    const detections = JSON.parse(readFileSync(join(out, 'detections.json'), 'utf8')) as Array<{ file_name: string }>;
    expect(detections.every((d) => d.file_name.startsWith('benign'))).toBe(true);
  });
});
