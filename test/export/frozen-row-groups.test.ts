/**
 * The footer entries of written row groups are held as bytes until the footer is written
 * (src/output/frozen-row-groups.ts): the file is byte-identical to hyparquet-writer's own, also when some row groups
 * have column chunks of several pages (their offset indexes are written at the end, so those stay as they are).
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

test('frozen row groups: the same file bytes as without, single-page groups frozen, multi-page ones kept', async () => {
  const schema = parquetSchema(parquetLayout(VERL_GAD).fields);
  // 3 KB images: one page a chunk; 400 KB images × 5 rows: the image chunk takes several pages of 1 MB
  const groups = [
    await rows(0, 5, 3000),
    await rows(5, 5, 400_000),
    await rows(10, 5, 40),
    await rows(15, 5, 400_000),
    await rows(20, 5, 3000),
  ];
  /** `each`: freeze after each row group (as ParquetStreamFile does); `end`: all at once before the footer. */
  const write = (freeze: false | 'each' | 'end'): { bytes: Uint8Array; frozen: number } => {
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
    frozen.thaw(w);
    w.finish();
    return { bytes: out.getBytes(), frozen: most };
  };
  const plain = write(false);
  for (const when of ['each', 'end'] as const) {
    const held = write(when);
    assert.equal(held.frozen, 3, `${when}: the three row groups of one page a chunk frozen, not the two of several`);
    assert.equal(Buffer.compare(Buffer.from(plain.bytes), Buffer.from(held.bytes)), 0, `${when}: same bytes`);
  }
});
