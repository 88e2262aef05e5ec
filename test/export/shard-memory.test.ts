/**
 * The shard writer's memory does not grow with the rows of a shard beyond a few bytes a row: the image names it keeps
 * unique within the open shard are held off the JS heap (core/string-set.ts), and so are the footer entries of the
 * row groups written (output/frozen-row-groups.ts). As a `Set<string>` the names took ~60 bytes of heap a row, and
 * the footer entries ~6 KB a row group, all kept until the shard closed — on a 100k-row build one shard, so the
 * whole build, and V8 grew the heap in proportion.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { getHeapSpaceStatistics, setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { ShardWriter } from '../../src/output/shards.js';
import type { Sample } from '../../src/core/types.js';
import { makeSample, VERL_GRPO } from '../helpers/export-samples.js';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

/** Live heap bytes after a full collection, compiled code aside (the JIT adds code as the rows go by). */
function liveHeap(): number {
  gc();
  gc();
  return getHeapSpaceStatistics()
    .filter((s) => !s.space_name.startsWith('code'))
    .reduce((a, s) => a + s.space_used_size, 0);
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
    // Two stretches of 40,960 rows each, after 8,192 rows of warm-up. What a row keeps grows the heap in both; a
    // one-off (a buffer of the file stream alive at one measurement, code tiering up under load) in one only, and
    // ~1 MB of it is 25 bytes a row over one stretch. The smaller of the two is the heap a row keeps.
    const STRETCH = 40_960;
    await write(0, 8192);
    const at8k = liveHeap();
    await write(8192, 8192 + STRETCH);
    const at49k = liveHeap();
    await write(8192 + STRETCH, 8192 + 2 * STRETCH);
    const at90k = liveHeap();
    const slopes = [(at49k - at8k) / STRETCH, (at90k - at49k) / STRETCH];
    const perRow = Math.min(...slopes);
    const mb = (n: number) => (n / 1e6).toFixed(1);
    t.diagnostic(
      `heap: ${mb(at8k)} MB at 8k rows, ${mb(at49k)} MB at 49k, ${mb(at90k)} MB at 90k: ` +
        `${slopes.map((s) => s.toFixed(1)).join(' and ')} B a row`,
    );
    const shards = await w.close();
    assert.equal(shards[0]?.rows, 8192 + 2 * STRETCH);
    assert.ok(perRow < 20, `the open shard's heap grew ${perRow.toFixed(1)} bytes a row`);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('ShardWriter: heap per row group of an open shard stays small (footer entries held as bytes)', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'gad-shard-mem-'));
  try {
    const base = await makeSample(4, { size: 8 });
    const row = (i: number): Sample => ({ ...base, index: i, id: `row-${i}` });
    // row groups of 4 rows: the footer entries, not the rows, are what the open shard accumulates
    const w = new ShardWriter({
      ...VERL_GRPO,
      dir: join(dir, 'data'),
      split: 'train',
      shardSize: 2 ** 40,
      rowGroupRows: 4,
    });
    const write = async (from: number, to: number) => {
      for (let i = from; i < to; i++) await w.write(row(i));
    };
    await write(0, 2000);
    const at500 = liveHeap();
    await write(2000, 14_000);
    const at3500 = liveHeap();
    const perGroup = (at3500 - at500) / 3000;
    t.diagnostic(
      `heap: ${(at500 / 1e6).toFixed(1)} MB at 500 row groups, ${(at3500 / 1e6).toFixed(1)} MB at 3,500: ${perGroup.toFixed(0)} B a row group`,
    );
    const shards = await w.close();
    assert.equal(shards[0]?.rows, 14_000); // the footer the shard writer reads back after close counts them all
    assert.ok(perGroup < 1000, `the open shard's heap grew ${perGroup.toFixed(0)} bytes a row group`);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
