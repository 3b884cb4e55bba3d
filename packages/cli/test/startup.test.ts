/**
 * Start-up time is a feature: `bus-tools --help` loads the command definitions only, and masks2csv
 * loads only the core modules it runs, never the full @bus-tools/core index (formats, lint, split,
 * evaluation). These tests read the imports of the sources, so a stray one fails here, not in a
 * benchmark.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const COMMANDS = resolve(fileURLToPath(import.meta.url), '../../src/commands');

/** Modules a source file imports at load time (`import type` is erased, so it does not count). */
function runtimeImports(file: string): string[] {
  const source = readFileSync(resolve(COMMANDS, file), 'utf8');
  return [...source.matchAll(/^import (?!type )[^;]*? from '([^']+)';/gm)].map((m) => m[1]);
}

const definitions = readdirSync(COMMANDS).filter((f) => f.endsWith('.ts') && !f.endsWith('-run.ts'));

/** The light core modules that command definitions may load: names, defaults and option checks. */
const LIGHT = ['@bus-tools/core/constants', '@bus-tools/core/options', '@bus-tools/core/errors'];

test.each(definitions)('%s loads no implementation: option names and checks come from core/constants and core/options', (file) => {
  const heavy = runtimeImports(file).filter((m) => (m.startsWith('@bus-tools/') && !LIGHT.includes(m)) || m.endsWith('-run.js'));
  expect(heavy).toEqual([]);
});

test.each(['../cli.ts', '../exit.ts'])('%s loads only the light core modules', (file) => {
  expect(runtimeImports(file).filter((m) => m.startsWith('@bus-tools/') && !LIGHT.includes(m))).toEqual([]);
});

test.each(['masks2csv-run.ts', 'extract-run.ts'])('%s imports core modules by subpath, not the whole index', (file) => {
  const imports = runtimeImports(file);
  expect(imports.filter((m) => m.startsWith('@bus-tools/core/')).length).toBeGreaterThan(0);
  expect(imports.filter((m) => m === '@bus-tools/core' || m === '@bus-tools/infer')).toEqual([]);
});
