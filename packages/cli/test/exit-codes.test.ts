import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BusToolsError, ERROR_CODES, type ErrorCode } from '@bus-tools/core';
import { describeFailure, exitCodeFor } from '../src/exit.js';
import { runCli } from './helpers.js';

// Written out here, not read from ERROR_CODES: the codes where the call itself is wrong.
const USAGE: readonly string[] = ['INVALID_PARAMETER', 'UNKNOWN_CLASS', 'INPUT_NOT_FOUND', 'NOT_A_FOLDER', 'OUTPUT_EXISTS', 'OUTPUT_OVERLAPS_INPUT', 'NOT_A_DATASET'];

describe('exitCodeFor: one function maps every error to an exit code', () => {
  test.each(Object.keys(ERROR_CODES) as ErrorCode[])('%s', (code) => {
    const err = new BusToolsError(code, `something about x.png (${code})`, { file: 'x.png' });
    const expected = USAGE.includes(code) ? 2 : 1;
    expect(exitCodeFor(err)).toBe(expected);
    const text = describeFailure(err);
    expect(text).toBe(`bus-tools: something about x.png (${code}) [${code}]${expected === 2 ? '\nRun with --help to see the options.' : ''}\n`);
  });

  test('every usage code in the list above is a real code', () => {
    for (const code of USAGE) expect(Object.keys(ERROR_CODES)).toContain(code);
  });

  test('anything else thrown is a bug: exit 1 and a request to report it', () => {
    expect(exitCodeFor(new TypeError('x is undefined'))).toBe(1);
    expect(describeFailure(new TypeError('x is undefined'))).toMatch(/^bus-tools: internal error \(a bug in bus-tools; please report it with the command you ran\):\nTypeError: x is undefined/);
    expect(exitCodeFor('a string')).toBe(1);
  });
});

describe('the CLI exits through exitCodeFor', () => {
  const tmp = mkdtempSync(join(tmpdir(), 'bus-exit-'));
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));

  test('a usage error raised inside a command exits 2 and names the code', async () => {
    const r = await runCli('masks2csv', join(tmp, 'no-such-folder'));
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/no-such-folder: no such folder.*\[INPUT_NOT_FOUND\]/);
  });

  test('a failed input exits 1 and names the code', async () => {
    const empty = join(tmp, 'empty');
    mkdirSync(empty);
    writeFileSync(join(empty, 'notes.txt'), 'no images here');
    const r = await runCli('predict', '--input', empty, '-o', join(tmp, 'out'));
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/no images found.*\[NO_IMAGES\]\n$/);
  });
});
