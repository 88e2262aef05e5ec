/**
 * The layout check `npm run lint` runs (scripts/check-layout.ts): the repository passes it, and each rule fails on a
 * planted problem — a file outside the stage order, two files of one name, an import cycle of types.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { layoutProblems, readStageOrder } from '../../scripts/check-layout.js';
import { packageRoot } from '../../src/core/paths.js';

test('the source tree: every file placed, one name each, no import cycle', async () => {
  assert.deepEqual(layoutProblems(packageRoot(), await readStageOrder(packageRoot())), []);
});

function tree(files: Record<string, string>): string {
  const root = mkdtempSync(join(tmpdir(), 'gad-layout-'));
  for (const [p, text] of Object.entries(files)) {
    mkdirSync(join(root, p, '..'), { recursive: true });
    writeFileSync(join(root, p), text);
  }
  return root;
}

test('planted problems are each named', () => {
  const root = tree({
    'src/index.ts': "export * from './core/a.js';\n",
    'src/core/a.ts': "import type { B } from './b.js';\nexport type A = B | 1;\n",
    'src/core/b.ts': "import type { A } from './a.js';\nexport type B = A | 2;\n",
    'src/ingest/rows.ts': 'export const x = 1;\n',
    'src/output/rows.ts': 'export const y = 1;\n',
    'src/commands/build.ts': 'export const z = 1;\n',
    'src/pipeline/build.ts': 'export const w = 1;\n',
    'src/stray/thing.ts': 'export const v = 1;\n',
    'src/loose.ts': 'export const u = 1;\n',
  });
  try {
    const problems = layoutProblems(root, {
      STAGE_ORDER: ['core', 'ingest', 'output', 'pipeline', 'commands'],
      TOP_FILES: ['index.ts'],
    });
    assert.ok(
      problems.some((p) => p.startsWith('src/stray/thing.ts: not in the stage order')),
      problems.join('\n'),
    );
    assert.ok(
      problems.some((p) => p.startsWith('src/loose.ts: not in the stage order')),
      problems.join('\n'),
    );
    assert.ok(problems.some((p) => p.startsWith('rows.ts: the same name in src/ingest/rows.ts, src/output/rows.ts')));
    assert.ok(!problems.some((p) => p.startsWith('build.ts:')), 'commands/ may share a name with a stage file');
    assert.ok(problems.includes('import cycle: src/core/a.ts → src/core/b.ts → src/core/a.ts'), problems.join('\n'));
    assert.equal(problems.length, 4, problems.join('\n'));
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
