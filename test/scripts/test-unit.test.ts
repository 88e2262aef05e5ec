/**
 * The fast test tier's selection (scripts/test-unit.ts): a compiled test file is left out when it lives in one of
 * the slow folders or imports node:child_process, itself or through a helper it imports (at any depth).
 */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { after, test } from 'node:test';
import { packagePath } from '../../src/core/paths.js';
import { SLOW_FOLDERS, transpile, unitTests } from '../../scripts/test-unit.js';

const tmp = mkdtempSync(join(tmpdir(), 'gad-test-unit-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

function write(rel: string, text: string) {
  mkdirSync(dirname(join(tmp, rel)), { recursive: true });
  writeFileSync(join(tmp, rel), text);
}

test('fast: no child process; slow: a slow folder, or node:child_process directly or through helpers', () => {
  write('test/helpers/spawner.js', "import { spawn } from 'node:child_process';\nexport const s = spawn;\n");
  write('test/helpers/via.js', "export * from './spawner.js';\n");
  write('test/helpers/pure.js', "import { readFileSync } from 'node:fs';\nexport const r = readFileSync;\n");
  write('test/format/pure.test.js', "import { r } from '../helpers/pure.js';\nimport { test } from 'node:test';\n");
  write('test/format/direct.test.js', "import { execFile } from 'node:child_process';\n");
  write('test/format/indirect.test.js', "import { s } from '../helpers/via.js';\n");
  write('test/format/dynamic.test.js', "const m = await import('../helpers/spawner.js');\n");
  write('test/format/not-a-test.js', "import 'node:child_process';\n");
  for (const folder of SLOW_FOLDERS) write(`test/${folder}/x.test.js`, "import { test } from 'node:test';\n");

  const { fast, slow } = unitTests(join(tmp, 'test'));
  const rel = (f: string) => relative(join(tmp, 'test'), f);
  assert.deepEqual(fast.map(rel), ['format/pure.test.js']);
  assert.deepEqual(Object.fromEntries(slow.map((s) => [rel(s.file), s.why])), {
    'e2e/x.test.js': 'in test/e2e/',
    'format/direct.test.js': 'starts child processes (node:child_process)',
    'format/dynamic.test.js': 'starts child processes (node:child_process)',
    'format/indirect.test.js': 'starts child processes (node:child_process)',
    'interop/x.test.js': 'in test/interop/',
    'reliability/x.test.js': 'in test/reliability/',
    'scale-out/x.test.js': 'in test/scale-out/',
  });
});

test('npm run test:unit transpiles, then runs the selection', () => {
  const pkg = JSON.parse(readFileSync(packagePath('package.json'), 'utf8')) as { scripts: Record<string, string> };
  assert.equal(pkg.scripts['test:unit'], 'node --import tsx scripts/test-unit.ts');
});

test('transpile writes each source file where tsc puts it, runnable; an old dist/ goes first', async () => {
  write('dist/test/core/gone.test.js', "throw new Error('the compiled test of a deleted source');\n");
  write('src/core/x.ts', 'export type T = { a: number };\nexport const x: number = 1;\n');
  write('test/core/x.test.ts', "import { x, type T } from '../../src/core/x.js';\nexport const y: T = { a: x + 1 };\n");
  write('scripts/s.ts', 'export const s = 1 as const;\n');
  write('tsconfig.json', '{}');
  await transpile(tmp);
  const mod = (await import(join(tmp, 'dist/test/core/x.test.js'))) as { y: { a: number } };
  assert.deepEqual(mod.y, { a: 2 });
  assert.ok(readFileSync(join(tmp, 'dist/scripts/s.js'), 'utf8').includes('s = 1'));
  assert.ok(!existsSync(join(tmp, 'dist/test/core/gone.test.js')), 'the stale compiled test is gone');
});

test('npm run build (and so npm test, bench, prepare) empties dist/ before tsc writes it', () => {
  const pkg = JSON.parse(readFileSync(packagePath('package.json'), 'utf8')) as { scripts: Record<string, string> };
  const build = pkg.scripts.build ?? '';
  assert.match(build, /^node -e "require\('node:fs'\)\.rmSync\('dist', \{ recursive: true, force: true \}\)" && tsc /);
  assert.match(pkg.scripts.test ?? '', /^npm run build && /);
});
