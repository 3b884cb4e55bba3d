/**
 * `bus-tools serve` through the CLI factory: it listens where asked, says where on stderr (and as
 * JSON with --json), answers, and on SIGTERM finishes and prints one summary line.
 */
import { join } from 'node:path';
import { readFileSync } from 'node:fs';
import { MODELS, SAMPLE_BUSI } from '../../../fixtures/index.js';
import { main } from '../src/cli.js';
import type { Io } from '../src/io.js';
import { runCli } from './helpers.js';

const MODEL = join(MODELS, 'retinanet-tfod.onnx');

/** Starts `bus-tools …args` in-process; `out`/`err` grow as it prints. */
function start(...args: string[]) {
  const seen = { out: '', err: '' };
  const io: Io = { stdout: (t) => void (seen.out += t), stderr: (t) => void (seen.err += t), isTTY: false, exitCode: 0 };
  const done = main(args, io);
  return { seen, done };
}

async function until(cond: () => boolean, what: string, ms = 30000) {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('bus-tools serve', () => {
  test('listens, answers, and on SIGTERM prints one summary line; --json gives both as JSON lines', async () => {
    const { seen, done } = start('serve', '-m', MODEL, '--port', '0', '--device', 'cpu', '--threshold', '0.6', '--json');
    await until(() => seen.out.includes('\n'), 'the listening line');
    const listening = JSON.parse(seen.out.split('\n')[0]);
    expect(listening).toMatchObject({ event: 'listening', url: expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+\/$/), model: 'retinanet-tfod.onnx', threshold: 0.6 });
    expect(seen.err).toMatch(/^serve: retinanet-tfod\.onnx, tfod layout 320x320 on cpu \(requested\)(, \d sessions × \d threads?)?; open http:\/\/127\.0\.0\.1:\d+\/ \(Ctrl\+C stops\)\n$/);

    const png = readFileSync(join(SAMPLE_BUSI, 'benign', 'benign (1).png'));
    const ok = await fetch(`${listening.url}api/detect`, { method: 'POST', body: png });
    expect(ok.status).toBe(200);
    expect(await ok.json()).toMatchObject({ threshold: 0.6 });
    const bad = await fetch(`${listening.url}api/detect`, { method: 'POST', body: 'text' });
    expect(bad.status).toBe(415);

    process.emit('SIGTERM');
    expect(await done).toBe(0);
    const lines = seen.err.trimEnd().split('\n');
    expect(lines).toHaveLength(2);
    expect(lines[1]).toMatch(/^serve: stopped \(SIGTERM\) after \d+ s on http:\/\/127\.0\.0\.1:\d+\/; 1 image analysed \(mean [\d.]+ ms\), 1 refused as bad uploads, 0 turned away while busy, 0 failed$/);
    const stopped = JSON.parse(seen.out.trimEnd().split('\n')[1]);
    expect(stopped).toMatchObject({ event: 'stopped', signal: 'SIGTERM', detected: 1, rejected: 1, refused: 0, failed: 0 });
    expect(process.listenerCount('SIGTERM')).toBe(0);
  });

  test('a host that is not loopback: a warning before it listens', async () => {
    const { seen, done } = start('serve', '-m', MODEL, '--host', '0.0.0.0', '--port', '0', '--device', 'cpu');
    await until(() => seen.err.includes('open http'), 'the listening line');
    expect(seen.err).toMatch(/^warning: listening on 0\.0\.0\.0, not only on this machine: anyone who can reach it can upload images/);
    process.emit('SIGINT');
    expect(await done).toBe(0);
    expect(seen.err).toMatch(/serve: stopped \(SIGINT\) after \d+ s on http:\/\/0\.0\.0\.0:\d+\/; 0 images analysed, /);
  });

  test.each([
    [['--threshold', '2'], 2, 'bus-tools: Expected number between 0 and 1 for --threshold but received 2 [INVALID_PARAMETER]\nRun with --help to see the options.\n'],
    [['--port', '-1'], 2, 'bus-tools: Expected integer between 0 and 65535 for --port but received -1 [INVALID_PARAMETER]\nRun with --help to see the options.\n'],
    [['--max-upload-mb', '0'], 2, 'bus-tools: Expected number between 0.01 and 1024 for --max-upload-mb but received 0 [INVALID_PARAMETER]\nRun with --help to see the options.\n'],
    [['--model', 'nope.onnx'], 2, 'bus-tools: --model nope.onnx: no such file. Pass the .onnx file of an exported detector. [INPUT_NOT_FOUND]\nRun with --help to see the options.\n'],
  ])('bad options %j: exit %d, one clear line, no server', async (args, code, stderr) => {
    const r = await runCli('serve', ...(args.includes('--model') ? [] : ['-m', MODEL]), ...args);
    expect(r).toEqual({ code, stdout: '', stderr });
  });

  test('--help lists the limits with their defaults', async () => {
    const r = await runCli('serve', '--help');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/--max-upload-mb +largest upload, in MiB \(larger: 413\) \[number between 0\.01 and 1024\]\s+\[default: 20\]/);
    expect(r.stdout).toMatch(/--queue .*\n.* \[default: 8\]/);
    expect(r.stdout).toContain('[default: "127.0.0.1"]');
  });
});
