import { mkdirSync, mkdtempSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { assertOutsideInput, assertReplaceable, realPathOf } from '@bus-tools/core';

let tmp: string;
beforeEach(() => {
  tmp = realpathSync(mkdtempSync(join(tmpdir(), 'bus-atomic-')));
  mkdirSync(join(tmp, 'data', 'benign'), { recursive: true });
  symlinkSync(join(tmp, 'data'), join(tmp, 'data-link'));
  symlinkSync(tmp, join(tmp, 'data', 'benign', 'up'));
});
afterEach(() => rmSync(tmp, { recursive: true, force: true }));

describe('realPathOf', () => {
  test.each([
    ['data', 'data'],
    ['data-link', 'data'],
    ['data-link/benign/new/boxes.csv', 'data/benign/new/boxes.csv'],
    ['data/benign/up/data-link/x', 'data/x'],
    ['not-yet/a/b', 'not-yet/a/b'],
  ])('%s → %s', (path, real) => {
    expect(realPathOf(join(tmp, path))).toBe(join(tmp, real));
  });
});

describe('assertOutsideInput: real paths are compared', () => {
  test.each([
    ['data/out', 'data', 'lies inside'],
    ['data-link/out.csv', 'data', 'lies inside'],
    ['data/out', 'data-link', 'lies inside'],
    ['data/benign/up/data/new', 'data', 'lies inside'],
    ['data-link', 'data', 'lies inside'],
    ['.', 'data-link', 'contains'],
    ['data/benign/up', 'data', 'contains'],
  ])('-o %s with the dataset %s is refused: %s', (out, input, how) => {
    const call = () => assertOutsideInput(join(tmp, out), join(tmp, input));
    expect(call).toThrow(expect.objectContaining({ code: 'OUTPUT_OVERLAPS_INPUT' }));
    expect(call).toThrow(how === 'contains' ? /contains the dataset .*; writing there would replace your inputs/ : /lies inside the dataset .*; bus-tools never writes into its inputs/);
  });

  test('the message names the real path when a link hid it', () => {
    expect(() => assertOutsideInput(join(tmp, 'data-link', 'x'), join(tmp, 'data'), { flag: '--report' })).toThrow(
      `--report ${join(tmp, 'data-link', 'x')} (${join(tmp, 'data', 'x')}) lies inside the dataset ${join(tmp, 'data')}; bus-tools never writes into its inputs. Choose a folder outside it.`,
    );
  });

  test('outside is fine; mayContain allows a parent folder', () => {
    expect(() => assertOutsideInput(join(tmp, 'out'), join(tmp, 'data-link'))).not.toThrow();
    expect(() => assertOutsideInput(join(tmp, 'data-linked'), join(tmp, 'data'))).not.toThrow(); // a prefix of the name is not inside
    expect(() => assertOutsideInput(tmp, join(tmp, 'data'), { mayContain: true })).not.toThrow();
  });
});

describe('assertReplaceable', () => {
  test('nothing there or an empty folder: fine; something there: only with force; the wrong kind: never', () => {
    const out = join(tmp, 'out');
    expect(() => assertReplaceable(out, 'folder', false)).not.toThrow();
    mkdirSync(out);
    expect(() => assertReplaceable(out, 'folder', false)).not.toThrow();
    writeFileSync(join(out, 'a'), '');
    expect(() => assertReplaceable(out, 'folder', false)).toThrow(`-o ${out} already exists; pass --force to replace it, or choose another name.`);
    expect(() => assertReplaceable(out, 'folder', true)).not.toThrow();
    expect(() => assertReplaceable(out, 'file', true)).toThrow(/is a folder; give a file name/);
    expect(() => assertReplaceable(join(out, 'a'), 'folder', true)).toThrow(/is an existing file/);
    expect(() => assertReplaceable(join(out, 'a'), 'file', false)).toThrow(expect.objectContaining({ code: 'OUTPUT_EXISTS' }));
  });
});
