import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { workerUrl } from '../src/backend/pool.js';

// Where the session pool finds its worker module (backend/pool-worker.ts, compiled to dist/).
describe('workerUrl', () => {
  test('from the build: the compiled worker beside pool.js', () => {
    expect(workerUrl('file:///opt/app/node_modules/@bus-tools/infer/dist/backend/pool.js').href).toBe('file:///opt/app/node_modules/@bus-tools/infer/dist/backend/pool-worker.js');
  });

  test("from the TypeScript sources (as under jest): the package's build, which exists", () => {
    const from = new URL('../src/backend/pool.ts', import.meta.url).href;
    const url = workerUrl(from);
    expect(fileURLToPath(url)).toMatch(/packages\/infer\/dist\/backend\/pool-worker\.js$/);
    expect(existsSync(url)).toBe(true);
  });

  test('from sources without a build: an error that says to build first', () => {
    expect(() => workerUrl('file:///nowhere/packages/infer/src/backend/pool.ts')).toThrow('/nowhere/packages/infer/dist/backend/pool-worker.js is missing: the session pool\'s worker runs from the build even under tests. Run `npx tsc -b` first.');
  });
});
