/**
 * Jest runs the TypeScript sources directly (ts-jest, ESM, transpile-only), so tests never need a
 * build first. Workspace imports resolve to each package's src/.
 * @type {import('jest').Config}
 */
export default {
  testEnvironment: '<rootDir>/tools/jest/node-environment.cjs',
  extensionsToTreatAsEsm: ['.ts'],
  moduleNameMapper: {
    '^@bus-tools/core$': '<rootDir>/packages/core/src/index.ts',
    '^@bus-tools/infer$': '<rootDir>/packages/infer/src/index.ts',
    '^(\\.{1,2}/.*)\\.js$': '$1',
  },
  transform: {
    '^.+\\.ts$': ['ts-jest', { useESM: true, tsconfig: '<rootDir>/tsconfig.test.json' }],
  },
  testMatch: ['<rootDir>/packages/*/test/**/*.test.ts', '<rootDir>/tools/**/*.test.ts'],
  testTimeout: 60000,
};
