/**
 * Synchronous, on-first-use loading of dependencies that only some calls need, so importing
 * @bus-tools/core (and starting the CLI) stays fast. Each is a CommonJS build, loaded with `require`.
 */
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

let csvParse: typeof import('csv-parse/sync') | undefined;
let csvStringify: typeof import('csv-stringify/sync') | undefined;
let xmlParser: typeof import('fast-xml-parser') | undefined;

export const lazy = {
  csvParse: (): typeof import('csv-parse/sync') => (csvParse ??= require('csv-parse/sync')),
  csvStringify: (): typeof import('csv-stringify/sync') => (csvStringify ??= require('csv-stringify/sync')),
  xmlParser: (): typeof import('fast-xml-parser') => (xmlParser ??= require('fast-xml-parser')),
};
