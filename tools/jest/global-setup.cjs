// Before any test: bring dist/ up to date with `tsc -b` (about a second when nothing changed).
// Jest runs the TypeScript sources, but a few things run as plain Node and so from the build: the
// session pool's worker thread (packages/infer/src/backend/pool.ts) and tests that start the CLI as
// a separate process. Type errors do not stop the tests here (tsc -b still writes the JavaScript;
// `npm run typecheck` reports them); a build that cannot run at all is reported and the tests go on.
const { spawnSync } = require('node:child_process');
const { join } = require('node:path');

module.exports = async function buildBeforeTests(globalConfig) {
  const root = globalConfig.rootDir;
  const r = spawnSync(process.execPath, [join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-b'], { cwd: root, encoding: 'utf8' });
  if (r.status !== 0) {
    process.stderr.write(`jest global setup: \`tsc -b\` exited with ${r.status ?? r.signal}; tests run on the build as it is.\n${(r.stdout + r.stderr).slice(-4000)}\n`);
  }
};
