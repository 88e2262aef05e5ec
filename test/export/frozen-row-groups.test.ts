/**
 * The footer entries of written row groups are held as their footer bytes until the footer is written from them
 * (src/output/frozen-row-groups.ts, src/output/footer-thrift.ts): the file is byte-identical to hyparquet-writer's
 * own, also when some row groups have column chunks of several pages (their offset indexes are written at the end,
 * so those stay as they are), with no row group, and with more than 14 (the list's count then follows its header).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ByteWriter, ParquetWriter } from 'hyparquet-writer';
import type { ColumnSource } from 'hyparquet-writer';
import { compactRowGroupStatistics, leafElements } from '../../src/output/parquet-statistics.js';
import { FooterParts } from '../../src/output/footer-parts.js';
import { FrozenRowGroups } from '../../src/output/frozen-row-groups.js';
import { parquetLayout } from '../../src/output/parquet-stream.js';
import { parquetSchema } from '../../src/output/parquet-elements.js';
import { rowFor } from '../../src/output/parquet-schema.js';
import { makeSample, VERL_GAD } from '../helpers/export-samples.js';

/** Rows of the verl GAD schema with images of `imageBytes` bytes (one of 0xFF bytes: a bound kept whole). */
async function rows(from: number, count: number, imageBytes: number): Promise<Array<Record<string, unknown>>> {
  const out: Array<Record<string, unknown>> = [];
  for (let i = from; i < from + count; i++) {
    const s = await makeSample(i, { teacher: true });
    const bytes = new Uint8Array(imageBytes);
    for (let k = 0; k < bytes.length; k++) bytes[k] = (k * 31 + i * 17) & 0xff;
    if (i === 3) bytes.fill(0xff);
    s.formatted!.images[0]!.bytes = bytes;
    out.push(rowFor(s, VERL_GAD));
  }
  return out;
}

type Freeze = false | 'each' | 'end' | 'never';

/**
 * The file of these row groups. `false`: hyparquet-writer alone (`ParquetWriter.finish`); else finished by
 * `FrozenRowGroups.finish`, the row groups frozen after each is written (as ParquetStreamFile does: `each`), all at
 * once before the footer (`end`) or none (`never`: every entry turned into bytes at the end).
 */
function writeFile(
  groups: Array<Array<Record<string, unknown>>>,
  freeze: Freeze,
): { bytes: Uint8Array; frozen: number } {
  const schema = parquetSchema(parquetLayout(VERL_GAD).fields);
  const out = new ByteWriter();
  const w = new ParquetWriter({ writer: out, schema, codec: 'UNCOMPRESSED', kvMetadata: [{ key: 'k', value: 'v' }] });
  const leaves = leafElements(w.schema);
  const parts = new FooterParts();
  const frozen = new FrozenRowGroups();
  let done = 0;
  let most = 0;
  for (const g of groups) {
    const columnData: ColumnSource[] = Object.keys(g[0]!).map((name) => ({
      name,
      data: g.map((r) => r[name] ?? null),
    }));
    void w.write({ columnData, rowGroupSize: g.length });
    if (freeze) {
      for (const c of w.row_groups.at(-1)?.columns ?? []) parts.share(c);
      const from = done;
      done = compactRowGroupStatistics(w, leaves, from);
      if (freeze === 'each') frozen.freeze(w, from);
      most = Math.max(most, frozen.held.groups);
    }
  }
  // all at once: a row group's page-index entries are then not all at the end of the list
  if (freeze === 'end') frozen.freeze(w, 0);
  most = Math.max(most, frozen.held.groups);
  if (freeze) void frozen.finish(w);
  else void w.finish();
  return { bytes: out.getBytes(), frozen: most };
}

function sameBytes(a: Uint8Array, b: Uint8Array, what: string): void {
  assert.equal(a.length, b.length, `${what}: same length`);
  assert.equal(Buffer.compare(Buffer.from(a), Buffer.from(b)), 0, `${what}: same bytes`);
}

test('frozen row groups: the same file bytes as without, single-page groups frozen, multi-page ones kept', async () => {
  // 3 KB images: one page a chunk; 400 KB images × 5 rows: the image chunk takes several pages of 1 MB
  const groups = [
    await rows(0, 5, 3000),
    await rows(5, 5, 400_000),
    await rows(10, 5, 40),
    await rows(15, 5, 400_000),
    await rows(20, 5, 3000),
  ];
  const plain = writeFile(groups, false);
  for (const when of ['each', 'end', 'never'] as const) {
    const held = writeFile(groups, when);
    assert.equal(held.frozen, when === 'never' ? 0 : 3, `${when}: the row groups of one page a chunk frozen`);
    sameBytes(plain.bytes, held.bytes, when);
  }
});

test('frozen row groups: the footer of 0, 1, 14, 15 and 40 row groups is the one hyparquet-writer writes', async () => {
  const small: Array<Array<Record<string, unknown>>> = [];
  for (let g = 0; g < 40; g++) small.push(await rows(g * 2, 2, 100 + g));
  for (const n of [0, 1, 14, 15, 40]) {
    const groups = small.slice(0, n);
    const plain = writeFile(groups, false);
    for (const when of ['each', 'never'] as const) {
      const held = writeFile(groups, when);
      assert.equal(held.frozen, when === 'each' ? n : 0, `${n} groups, ${when}: frozen`);
      sameBytes(plain.bytes, held.bytes, `${n} groups, ${when}`);
    }
  }
});
