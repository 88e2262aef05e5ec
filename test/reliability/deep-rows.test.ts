/**
 * A jsonl row with a field nested deeper than Parquet/Arrow can hold (61+ levels of lists/objects) used to kill the
 * whole build with exit 3 ("Unable to get root as message: DepthLimitReached" from the Arrow schema reader). It is
 * now a `bad_row` drop naming its line; a field of 60 levels is kept and read back by pyarrow.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from '../../src/index.js';
import { readJsonl } from '../helpers/files.js';

const tmp = mkdtempSync(join(tmpdir(), 'gad-deep-rows-'));
process.on('exit', () => rmSync(tmp, { recursive: true, force: true }));

/** `levels` nested containers, alternating objects and lists, around the number 1. */
function nested(levels: number): unknown {
  let v: unknown = 1;
  for (let i = 0; i < levels; i++) v = i % 2 ? [v] : { a: v };
  return v;
}

for (const ext of ['jsonl', 'json']) {
  test(
    `a ${ext} row with a field nested 61 levels deep is a bad_row naming it; 60 levels are kept`,
    { timeout: 180_000 },
    async () => {
      const rows = [
        { id: 'r0', problem: 'Find x.', answer: '1' },
        { id: 'r1', problem: 'Find y.', answer: '2', meta: nested(61) },
        { id: 'r2', problem: 'Find z.', answer: '3', meta: nested(60) },
      ];
      const file = join(tmp, `train-${ext}.${ext}`);
      writeFileSync(file, ext === 'json' ? JSON.stringify(rows) : rows.map((r) => JSON.stringify(r)).join('\n') + '\n');
      const out = join(tmp, `out-${ext}`);
      const r = await build({ data: { train_files: file }, id_key: 'id', max_drop_ratio: 1, out });
      assert.equal(r.exitCode, 0);
      assert.deepEqual(r.splits.train, { rowsIn: 3, rowsOut: 2, dropped: { bad_row: 1 } });
      const [d] = readJsonl(join(out, 'dropped.jsonl'));
      assert.equal(d!.reason, 'bad_row');
      assert.equal(d!.index, 1);
      assert.match(
        d!.detail,
        ext === 'json'
          ? /item 1: field "meta" nests more than 60 levels/
          : /line 2: field "meta" nests more than 60 levels/,
      );
    },
  );
}
