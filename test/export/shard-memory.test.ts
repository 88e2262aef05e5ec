/**
 * The shard writer's memory does not grow with the rows of a shard beyond a few bytes a row: the image names it keeps
 * unique within the open shard are held off the JS heap (core/string-set.ts). As a `Set<string>` they took ~60 bytes
 * of heap a row, all kept until the shard closed — on a 100k-row build one shard, so the whole build, and V8 grew
 * the heap in proportion.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { ShardWriter } from '../../src/output/shards.js';
import type { Sample } from '../../src/core/types.js';
import { makeSample, VERL_GRPO } from '../helpers/export-samples.js';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

function liveHeap(): number {
  gc();
  gc();
  return process.memoryUsage().heapUsed;
}

test('ShardWriter: heap per row of an open shard stays small (image names off the heap)', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'gad-shard-mem-'));
  try {
    const base = await makeSample(2, { size: 8 });
    const img = base.formatted!.images[0]!;
    const row = (i: number): Sample => ({
      ...base,
      index: i,
      id: `row-${i}`,
      formatted: { ...base.formatted!, images: [{ ...img, path: `figure-${i}.png` }] },
    });
    // one shard for all rows; row groups of 4096 rows, so the footer entries kept per row group are few
    const w = new ShardWriter({
      ...VERL_GRPO,
      dir: join(dir, 'data'),
      split: 'train',
      shardSize: 2 ** 40,
      rowGroupRows: 4096,
    });
    const write = async (from: number, to: number) => {
      for (let i = from; i < to; i++) await w.write(row(i));
    };
    await write(0, 8192);
    const at8k = liveHeap();
    await write(8192, 8192 + 40_960);
    const at49k = liveHeap();
    const perRow = (at49k - at8k) / 40_960;
    t.diagnostic(
      `heap: ${(at8k / 1e6).toFixed(1)} MB at 8k rows, ${(at49k / 1e6).toFixed(1)} MB at 49k: ${perRow.toFixed(1)} B a row`,
    );
    const shards = await w.close();
    assert.equal(shards[0]?.rows, 8192 + 40_960);
    assert.ok(perRow < 20, `the open shard's heap grew ${perRow.toFixed(1)} bytes a row`);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
