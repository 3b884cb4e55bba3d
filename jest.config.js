/**
 * Jest runs the TypeScript sources directly (ts-jest, ESM, transpile-only), so tests never need a
 * build first. Workspace imports resolve to each package's src/; a subpath such as
 * `@bus-tools/core/dataset` to the source file or folder of the same name (package.json's exports
 * list the same paths in dist/).
 * @type {import('jest').Config}
 */
export default {
  testEnvironment: '<rootDir>/tools/jest/node-environment.cjs',
  // Builds dist/ first: the session pool's worker thread runs from it (see the file).
  globalSetup: '<rootDir>/tools/jest/global-setup.cjs',
  extensionsToTreatAsEsm: ['.ts'],
  moduleNameMapper: {
    '^@bus-tools/core$': '<rootDir>/packages/core/src/index.ts',
    '^@bus-tools/core/(.+)$': '<rootDir>/packages/core/src/$1',
    '^@bus-tools/infer$': '<rootDir>/packages/infer/src/index.ts',
    '^(\\.{1,2}/.*)\\.js$': '$1',
  },
  transform: {
    '^.+\\.ts$': ['ts-jest', { useESM: true, tsconfig: '<rootDir>/tsconfig.test.json' }],
  },
  testMatch: ['<rootDir>/packages/*/test/**/*.test.ts', '<rootDir>/tools/**/*.test.ts'],
  testTimeout: 60000,
};
