// ESLint (flat config): the recommended JavaScript and typescript-eslint rules over the sources, tests, benches and
// scripts, with Prettier owning the layout (eslint-config-prettier turns the layout rules off). `npm run lint` runs
// both; `.ci/run` runs it with the type check and the tests.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import prettier from 'eslint-config-prettier';

export default tseslint.config(
  { ignores: ['dist/', 'node_modules/', '.venv/', 'gad-data-out/', 'fixtures/', 'test/fixtures/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  prettier,
  {
    files: ['bin/**/*.js', '*.js'],
    languageOptions: { globals: { process: 'readonly', URL: 'readonly', console: 'readonly' } },
  },
  {
    // One concern a file: a source file past 350 lines is a sign it holds two (docs/architecture.md).
    files: ['src/**/*.ts'],
    rules: { 'max-lines': ['error', { max: 350 }] },
  },
  {
    // Tests read rows back from DuckDB / pyarrow as plain objects, and match terminal colours (ANSI escapes).
    files: ['test/**/*.ts'],
    rules: { '@typescript-eslint/no-explicit-any': 'off', 'no-control-regex': 'off' },
  },
  {
    rules: {
      // `_name` marks a deliberately unused binding (destructuring a key away, a callback's position).
      '@typescript-eslint/no-unused-vars': [
        'error',
        {
          argsIgnorePattern: '^_',
          varsIgnorePattern: '^_',
          destructuredArrayIgnorePattern: '^_',
          caughtErrors: 'none',
        },
      ],
    },
  },
);
