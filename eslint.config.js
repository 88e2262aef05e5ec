// ESLint (flat config): the recommended JavaScript and typescript-eslint rules over the sources, tests, benches and
// scripts, with Prettier owning the layout (eslint-config-prettier turns the layout rules off). `npm run lint` runs
// both; `.ci/run` runs it with the type check and the tests.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import prettier from 'eslint-config-prettier';

// The stage order (docs/architecture.md): a folder may import only the ones its row lists, so a later stage is never
// imported by an earlier one. `src/build.ts`, `src/build/`, `src/commands/`, `src/partition/` and `src/index.ts`
// sit on top and may import any stage.
const MAY_IMPORT = {
  core: [],
  config: ['core', 'easyr1-data-keys'],
  ingest: ['core'],
  format: ['core', 'ingest'],
  validate: ['core', 'ingest', 'format'],
  export: ['core', 'config', 'ingest', 'format', 'validate', 'version'],
  report: ['core', 'validate'],
  train: ['core', 'easyr1-data-keys', 'export', 'version'],
  view: ['core', 'ingest', 'format', 'validate', 'report'],
  generate: ['core', 'ingest', 'format', 'validate', 'export', 'version'],
};
// Tables a stage may read though their folder is later in the order: the model-family table (src/format/families/,
// which imports only core, by the rule below) is read by train's model checks; the input-format table
// (src/ingest/formats/) by the config key that lists its names.
const MAY_READ_TABLES = { train: ['format/families'], config: ['ingest/formats'] };
const FOLDERS = [
  'core',
  'config',
  'ingest',
  'format',
  'validate',
  'export',
  'report',
  'train',
  'view',
  'generate',
  'build',
  'commands',
  'partition',
  'cli',
  'index',
  'easyr1-data-keys',
  'version',
];
const layerRules = Object.entries(MAY_IMPORT).map(([stage, allowed]) => ({
  files: [`src/${stage}/**/*.ts`],
  rules: {
    'no-restricted-imports': [
      'error',
      {
        patterns: FOLDERS.filter((f) => f !== stage && !allowed.includes(f)).map((f) => ({
          regex: `^(\\.\\./)+${f}(\\.js$|/${(MAY_READ_TABLES[stage] ?? [])
            .filter((t) => t.startsWith(`${f}/`))
            .map((t) => `(?!${t.slice(f.length + 1)}/)`)
            .join('')})`,
          message: `src/${stage} may import only ${allowed.join(', ') || 'nothing else in src'}: ${f} is not before it in the stage order (docs/architecture.md).`,
        })),
      },
    ],
  },
}));

export default tseslint.config(
  { ignores: ['dist/', 'node_modules/', '.venv/', 'gad-data-out/', 'fixtures/', 'test/fixtures/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  prettier,
  ...layerRules,
  {
    // The model-family table is a leaf: its files import one another and core only.
    files: ['src/format/families/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              regex: '^\\.\\./(?!\\.\\./core/)',
              message: 'src/format/families/ may import only core (train reads it: eslint.config.js MAY_READ_TABLES).',
            },
          ],
        },
      ],
    },
  },
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
