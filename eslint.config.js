/**
 * `npm run lint`: ESLint's and typescript-eslint's recommended rules over packages/, tools/ and
 * fixtures/, TypeScript and JavaScript. Type errors are `npm run typecheck`'s job, not this one's.
 */
import js from '@eslint/js';
import { defineConfig } from 'eslint/config';
import globals from 'globals';
import tseslint from 'typescript-eslint';

export default defineConfig(
  {
    ignores: ['**/dist/', 'fixtures/sample-busi/', 'test-artifacts/', 'coverage/', '.bench/'],
  },
  {
    // An eslint-disable comment that disables nothing is an error (as --report-unused-disable-directives).
    linterOptions: { reportUnusedDisableDirectives: 'error' },
  },
  js.configs.recommended,
  tseslint.configs.recommended,
  {
    languageOptions: { globals: globals.node },
    rules: {
      // `const { images: _images, ...rest } = report` is how the code leaves a field out of an object.
      '@typescript-eslint/no-unused-vars': ['error', { ignoreRestSiblings: true }],
    },
  },
  {
    files: ['**/*.cjs'],
    languageOptions: { sourceType: 'commonjs' },
    rules: {
      // CommonJS files load their dependencies with require(); that is what the .cjs extension is for.
      '@typescript-eslint/no-require-imports': 'off',
    },
  },
  {
    // The serve page's script runs in the browser.
    files: ['packages/infer/web/**/*.js'],
    languageOptions: { globals: globals.browser },
  },
  {
    // Its page.evaluate() callback runs in the browser, where `document` is defined.
    files: ['tools/train/failure-shots.mjs'],
    languageOptions: { globals: { document: 'readonly' } },
  },
  {
    // The library, the CLI and the tests print nothing of their own: output goes through the CLI's
    // io (one summary line, --json) or an onWarning callback, and a test that prints why it is
    // skipped says so with an eslint-disable comment. Developer tools (benchmarks, training) print freely.
    files: ['packages/*/src/**', 'packages/*/test/**', 'fixtures/*.ts', 'tools/**/*.test.ts'],
    rules: { 'no-console': 'error' },
  },
);
