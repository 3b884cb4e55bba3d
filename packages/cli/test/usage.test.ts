import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MODELS, SAMPLE_BUSI } from '../../../fixtures/index.js';
import { commands } from '../src/commands/index.js';
import { MAX_EXAMPLE_LENGTH } from '../src/commands/options.js';
import { runCli } from './helpers.js';

const NAMES = ['masks2csv', 'export', 'lint', 'split', 'predict', 'merge', 'eval', 'serve'];
let tmp: string;
beforeAll(() => {
  tmp = mkdtempSync(join(tmpdir(), 'bus-cli-usage-'));
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('a command that does not exist', () => {
  test.each([
    ['foo', 'Unknown command "foo". The commands are: masks2csv, export, lint, split, predict, merge, eval, serve.'],
    ['masks2cv', 'Unknown command "masks2cv"; did you mean masks2csv? The commands are: masks2csv, export, lint, split, predict, merge, eval, serve.'],
  ])('bus-tools %s', async (name, message) => {
    const r = await runCli(name, 'x');
    expect(r).toEqual({ code: 2, stdout: '', stderr: `bus-tools: ${message} [INVALID_PARAMETER]\nRun with --help to see the options.\n` });
  });
});

describe('--help of every command', () => {
  test('lists the commands in order', () => {
    expect(commands.map((c) => (Array.isArray(c.command) ? c.command[0] : c.command).split(' ')[0])).toEqual(NAMES);
  });

  test.each(NAMES)('%s: own options first, no --version, examples that copy whole', async (name) => {
    const r = await runCli(name, '--help');
    expect(r.code).toBe(0);
    expect(r.stdout).not.toMatch(/--version/);
    const options = r.stdout.split('\nOptions:\n')[1].split('\n');
    expect(options[0]).not.toMatch(/--help/);
    const examples = (r.stdout.split('\nExamples:\n')[1]?.split('\n\n')[0].split('\n') ?? []).map((l) => l.trimEnd()).filter(Boolean);
    expect(examples.length).toBeGreaterThanOrEqual(2);
    // Pairs: a "# what it does" line, then the command on one line of its own.
    for (let i = 0; i < examples.length; i += 2) {
      expect(examples[i]).toMatch(/^ {2}# \S/);
      expect(examples[i + 1]).toMatch(new RegExp(`^ {2}bus-tools ${name}( |$)`));
      expect(examples[i + 1].length - 2).toBeLessThanOrEqual(MAX_EXAMPLE_LENGTH);
    }
  });
});

describe('a bad option value is bad usage in every command: exit 2, the option and the value named, nothing run', () => {
  const data = SAMPLE_BUSI;
  const model = join(MODELS, 'retinanet-datature.onnx');
  test.each([
    [['predict', '-i', data, '-o', 'OUT', '-m', model, '--threshold', '2'], 'Expected number between 0 and 1 for --threshold but received 2'],
    [['predict', '-i', data, '-o', 'OUT', '-m', model, '--sessions', '0'], 'Expected integer between 1 and 64 for --sessions but received 0'],
    [['predict', '-i', data, '-o', 'OUT', '-m', model, '--width', 'abc'], 'Expected integer between 16 and 8192 for --width but received "abc"'],
    [['predict', '-i', data, '-o', 'OUT', '-m', model, '--threads', '1.5'], 'Expected integer between 1 and 1024 for --threads but received 1.5'],
    [['eval', '--gt', data, '--pred', 'p.json', '--threshold', '2'], 'Expected number above 0 and at most 1 for --threshold but received 2'],
    [['eval', '--gt', data, '--pred', 'p.json', '--iou', '0'], 'Expected number above 0 and at most 1 for --iou but received 0'],
    [['eval', '--gt', data, '--pred', 'p.json', '--min-area', 'x'], 'Expected integer between 0 and 1000000000 for --min-area but received "x"'],
    [['serve', '--threshold', 'high'], 'Expected number between 0 and 1 for --threshold but received "high"'],
    [['serve', '--port', '70000'], 'Expected integer between 0 and 65535 for --port but received 70000'],
    [['serve', '--max-upload-mb', '0'], 'Expected number between 0.01 and 1024 for --max-upload-mb but received 0'],
    [['masks2csv', data, '--min-area', '-1'], 'Expected integer between 0 and 1000000000 for --min-area but received -1'],
    [['export', data, '-o', 'OUT', '--min-area', 'abc'], 'Expected integer between 0 and 1000000000 for --min-area but received "abc"'],
    [['lint', data, '--max-distance', '40'], 'Expected integer between 0 and 32 for --max-distance but received 40'],
    [['lint', data, '--concurrency', '0'], 'Expected integer between 1 and 64 for --concurrency but received 0'],
    [['split', data, '-o', 'OUT', '--val', 'abc'], 'Expected number from 0 to below 1 for --val but received "abc"'],
    [['split', data, '-o', 'OUT', '--test', '1'], 'Expected number from 0 to below 1 for --test but received 1'],
    [['split', data, '-o', 'OUT', '--seed', '1.5'], 'Expected integer between -2147483648 and 2147483647 for --seed but received 1.5'],
  ])('%j', async (args, message) => {
    const out = join(tmp, `out-${args[0]}`);
    const r = await runCli(...args.map((a) => (a === 'OUT' ? out : a)));
    expect(r).toEqual({ code: 2, stdout: '', stderr: `bus-tools: ${message} [INVALID_PARAMETER]\nRun with --help to see the options.\n` });
    expect(existsSync(out)).toBe(false);
  });

  test('an option that takes a value, given none, stops before any work', async () => {
    const out = join(tmp, 'no-value');
    const r = await runCli('predict', '-i', data, '-o', out, '-m', model, '--detections-json');
    expect(r).toEqual({ code: 2, stdout: '', stderr: 'bus-tools: --detections-json needs a value [INVALID_PARAMETER]\nRun with --help to see the options.\n' });
    expect(existsSync(out)).toBe(false);
  });
});

describe("predict's old spellings still work, with a note", () => {
  test('--json <file>, --summary-json and --layout', async () => {
    const out = join(tmp, 'old');
    const file = join(tmp, 'old-detections.json');
    const r = await runCli('predict', '-i', data(), '-o', out, '-m', join(MODELS, 'retinanet-datature.onnx'), '--device', 'cpu', '--json', file, '--summary-json', '--layout', 'datature');
    expect(r.code).toBe(0);
    expect(r.stderr).toBe(
      `note: --json ${file} names the detections file in the old spelling; write --detections-json ${file} (--json alone prints the summary as JSON)\n` +
        'note: --summary-json is now --json\nnote: --layout datature is now --model-layout datature\n',
    );
    const summary = JSON.parse(r.stdout);
    expect(summary).toMatchObject({ command: 'predict', json: file, layout: 'datature' });
    expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual(expect.any(Array));
  });

  test('--json alone is the summary switch, as in every command', async () => {
    const out = join(tmp, 'new');
    const r = await runCli('predict', '-i', data(), '-o', out, '-m', join(MODELS, 'retinanet-datature.onnx'), '--device', 'cpu', '--json');
    expect([r.code, r.stderr]).toEqual([0, '']);
    expect(JSON.parse(r.stdout)).toMatchObject({ command: 'predict', json: join(out, 'detections.json') });
  });
});

function data(): string {
  return SAMPLE_BUSI;
}
