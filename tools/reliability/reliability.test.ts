/**
 * Runs every case in cases.ts — each bad input through the CLI (in-process, as `bus-tools` would) or
 * the library — and checks the answer: the exit code, the error code and what the message says.
 * docs/reliability.md is generated from these runs: with BUS_TOOLS_UPDATE_DOCS=1
 * (`npm run docs:reliability`) this test writes it; otherwise it fails when the page no longer
 * matches what bus-tools prints.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BusToolsError, ERROR_CODES } from '@bus-tools/core';
import { MODELS, SAMPLE_BUSI } from '../../fixtures/index.js';
import { runCli } from '../../packages/cli/test/helpers.js';
import { CASES, type Case, type Work } from './cases.js';

const ROOT = resolve(fileURLToPath(import.meta.url), '../../..');
const DOC = join(ROOT, 'docs/reliability.md');

interface Row {
  input: string;
  group: Case['group'];
  command: string;
  exit: string;
  code: string;
  message: string;
}

function shorten(text: string, dir: string): string {
  return text
    .split(dir).join('.')
    .split(SAMPLE_BUSI).join('fixtures/sample-busi')
    .split(MODELS).join('fixtures/models')
    .replace(/127\.0\.0\.1:\d+|port \d+/g, (m) => m.replace(/\d+$/, 'PORT'))
    .replace(/\.tmp-\d+-[a-z0-9]+/g, '.tmp-…');
}

async function runCase(c: Case): Promise<Row> {
  const w: Work = { dir: mkdtempSync(join(tmpdir(), 'bus-rel-')), cleanup: [] };
  try {
    const vars: Record<string, string> = { w: w.dir, ...((await c.setup?.(w)) ?? {}) };
    const fill = (a: string) => a.replace(/\{(\w+)\}/g, (_m, k: string) => vars[k] ?? `{${k}}`);
    if (c.args) {
      const args = c.args.map(fill);
      const r = await runCli(...args);
      const lines = `${r.stderr}\n${r.stdout}`.split('\n').filter(Boolean);
      const line = lines.find((l) => c.expect.says.test(l)) ?? lines[0] ?? '';
      // The code of the message that line belongs to: the `[CODE]` ending it (a message may run over
      // several lines, its code on the last), or for a lint table or summary line, the code it names.
      let code = c.expect.code && line.includes(c.expect.code) ? c.expect.code : '';
      for (let i = lines.indexOf(line); i >= 0 && i < lines.length; i++) {
        if (i > lines.indexOf(line) && /^(bus-tools|error|warning|note):/.test(lines[i])) break;
        const tagged = /\[([A-Z_]+)\]$/.exec(lines[i]);
        if (tagged) {
          code = tagged[1];
          break;
        }
      }
      // `{port}` and the like vary from run to run: shown by name.
      const shownArgs = c.args.map((a) => (/^\{(?!w\})\w+\}$/.test(a) ? a.slice(1, -1).toUpperCase() : shorten(fill(a), w.dir))).map((a) => (/[\s()*]/.test(a) ? `'${a}'` : a));
      return { input: c.input, group: c.group, command: `bus-tools ${shownArgs.join(' ')}`, exit: String(r.code), code, message: shorten(line.replace(/ \[[A-Z_]+\]$/, ''), w.dir) };
    }
    try {
      await c.call!.run(w);
      return { input: c.input, group: c.group, command: c.call!.shown, exit: '', code: '', message: 'resolved' };
    } catch (err) {
      const code = err instanceof BusToolsError ? err.code : `not a BusToolsError: ${String(err)}`;
      return { input: c.input, group: c.group, command: c.call!.shown, exit: '', code, message: shorten(err instanceof Error ? err.message : String(err), w.dir) };
    }
  } finally {
    for (const f of w.cleanup) await f();
    rmSync(w.dir, { recursive: true, force: true });
  }
}

const cell = (s: string) => s.replace(/\|/g, '\\|').replace(/\n/g, ' ');

function page(rows: Row[]): string {
  const codeRows = Object.entries(ERROR_CODES).map(([code, v]) => `| \`${code}\` | ${v.outcome === 'usage' ? 2 : 1} (${v.outcome}) | ${v.meaning} |`);
  const groups: Array<[Case['group'], string]> = [['file', 'Files and folders'], ['option', 'Options and arguments'], ['environment', 'The environment'], ['library', 'Library calls']];
  const tables = groups.map(([g, title]) => {
    const mine = rows.filter((r) => r.group === g);
    const head = g === 'library' ? '| input | call | raises | message |\n|---|---|---|---|' : '| input | command | exit | code | message (the line that matters) |\n|---|---|---|---|---|';
    const body = mine.map((r) => (g === 'library' ? `| ${cell(r.input)} | \`${cell(r.command)}\` | \`${r.code}\` | ${cell(r.message)} |` : `| ${cell(r.input)} | \`${cell(r.command)}\` | ${r.exit} | ${r.code ? `\`${r.code}\`` : ''} | ${cell(r.message)} |`));
    return `### ${title}\n\n${head}\n${body.join('\n')}\n`;
  });
  return `# Reliability: what bus-tools does with bad input

bus-tools checks its inputs in one place and answers the same mistake the same way in every command
and in library calls:

- **The library validates and raises typed errors.** Every error is a \`BusToolsError\` with a \`code\`
  from one closed list (below, \`ERROR_CODES\` in \`packages/core/src/errors.ts\`), the \`file\` it is
  about, and a message that names the file and says what to do.
- **The CLI maps them to exit codes in one function** (\`exitCodeFor\`, \`packages/cli/src/exit.ts\`)
  and prints \`bus-tools: <message> [CODE]\`. Option values are parsed from what was typed, before any
  work starts (\`packages/core/src/options.ts\`).
- **Per-file problems do not stop a run**: the file is named and skipped (\`error: … [CODE]\` on stderr,
  listed under \`problems\` in \`--json\`), the rest is done, and the exit code is 3.
- **Nothing is lost**: inputs are only read; outputs are written to a temporary name and renamed, so
  a failed run leaves no partial file; an existing output is replaced only with \`--force\`
  (\`force: true\` in the library); an output inside an input folder (real paths compared, symlinks
  resolved) is refused.

## Exit codes

| exit | meaning |
|---|---|
| 0 | done |
| 1 | failed: an input or the machine let the job down, nothing written (\`lint\`: findings at or above \`--fail-on\`) |
| 2 | bad usage: an option value, a missing input, an output that exists or overlaps an input |
| 3 | done, but some inputs were skipped; each is named on stderr |

## Error codes

| code | exit | meaning |
|---|---|---|
${codeRows.join('\n')}

Per-file problems and lint findings have codes of their own (\`SIZE_MISMATCH\`, \`MASK_WITHOUT_IMAGE\`,
\`EXTENSION_MISMATCH\`, …): [lint-and-split.md](lint-and-split.md) lists them.

## Every bad input we know of

Produced by \`npm run docs:reliability\` (tools/reliability: each row below is a case in \`cases.ts\`,
run by \`reliability.test.ts\`, which also checks the answer). Paths are shown relative to the case's
working folder.

${tables.join('\n')}`;
}

const rows: Row[] = [];

describe('every bad input gets the answer it should', () => {
  CASES.forEach((c, i) => {
    const name = `#${i + 1} ${c.group}: ${c.input} (${c.args?.[0] ?? 'library'})`;
    const skip = c.skipWhen?.();
    if (skip) test.skip(`${name} (skipped: ${skip})`, () => {});
    else test(name, () => check(c));
  });

  async function check(c: Case): Promise<void> {
    const row = await runCase(c);
    rows.push(row);
    expect({ exit: row.exit, code: row.code, message: row.message }).toEqual({
      exit: c.expect.exit === undefined ? row.exit : String(c.expect.exit),
      code: c.expect.code ?? row.code,
      message: expect.stringMatching(c.expect.says),
    });
    expect(row.message).not.toMatch(/internal error/);
  }

  const notRun = CASES.filter((c) => c.skipWhen?.()).map((c) => c.input);
  const docTest = notRun.length ? test.skip : test;
  docTest(`docs/reliability.md shows what these cases print${notRun.length ? ` (skipped: ${notRun.join(', ')} cannot run on this machine)` : ''}`, () => {
  // Jest runs a file's tests in order, so the rows are in case order; a case that failed before
  // giving its row fails this test too.
  expect(rows.map((r) => r.input)).toEqual(CASES.map((c) => c.input));
  const text = page(rows);
  if (process.env.BUS_TOOLS_UPDATE_DOCS === '1') writeFileSync(DOC, text);
  expect(readFileSync(DOC, 'utf8')).toBe(text);
  });
});
