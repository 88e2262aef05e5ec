/**
 * The min / max statistics of written row groups are cut to the footer's 16 bytes as soon as each row group is
 * written (src/output/parquet-statistics.ts): a shard no longer holds two whole images per row group until its
 * footer, and the file's bytes are the same as hyparquet-writer's without the cut.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ByteWriter, ParquetWriter } from 'hyparquet-writer';
import type { ColumnSource } from 'hyparquet-writer';
import { asyncBufferFromFile, parquetReadObjects } from 'hyparquet';
import { compressors } from 'hyparquet-compressors';
import { compactRowGroupStatistics, heldFooter, leafElements } from '../../src/output/parquet-statistics.js';
import { FooterParts } from '../../src/output/footer-parts.js';
import { ParquetStreamFile, parquetLayout } from '../../src/output/parquet-stream.js';
import { parquetSchema } from '../../src/output/parquet-elements.js';
import { rowFor } from '../../src/output/parquet-schema.js';
import { makeImage, makeSample, VERL_GAD } from '../helpers/export-samples.js';

/** Rows of the verl GAD schema whose images are `imageBytes` big (random PNG bytes) and whose texts are long. */
async function rows(from: number, count: number, imageBytes: number): Promise<Array<Record<string, unknown>>> {
  const out: Array<Record<string, unknown>> = [];
  for (let i = from; i < from + count; i++) {
    const s = await makeSample(i, { teacher: true });
    const bytes = new Uint8Array(imageBytes);
    const png = await makeImage(i, 8, 8, 'png');
    bytes.set(png.subarray(0, Math.min(png.length, imageBytes)));
    for (let k = 200; k < bytes.length; k++) bytes[k] = (k * 31 + i * 17) & 0xff;
    // one image of 0xFF bytes after its signature: its max has no shorter upper bound (kept whole by the footer)
    if (i === 1) bytes.fill(0xff, 0);
    s.formatted!.images[0]!.bytes = bytes;
    // a long multi-byte text: its bounds are cut on a code point
    s.problem = `<image>${'三角形の角度 θ を求めよ。'.repeat(4)} ${i}`;
    out.push(rowFor(s, VERL_GAD));
  }
  return out;
}

test('parquet statistics: a written row group keeps bounds of at most 16 bytes, not its whole smallest and largest image', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'gad-parquet-stats-'));
  try {
    const file = new ParquetStreamFile(join(dir, 'a.parquet'), parquetLayout(VERL_GAD));
    for (let g = 0; g < 3; g++) await file.write(await rows(g * 8, 8, 200_000));
    // 3 row groups × the columns × two bounds of at most 16 bytes (the 0xFF image's max kept whole: one 200 KB)
    const held = file.heldFooter();
    assert.ok(held.statisticsBytes < 200_000 + 3 * 40 * 2 * 16, `bounds held: ${held.statisticsBytes} bytes`);
    // the lists that repeat in every row group's entry (path_in_schema, encodings, encoding_stats) held once
    const columns = parquetSchema(parquetLayout(VERL_GAD).fields).filter((e) => !e.num_children).length;
    assert.ok(held.lists <= 3 * columns, `${held.lists} lists held for ${columns} columns in 3 row groups`);
    await file.close();
    const back = await parquetReadObjects({
      file: await asyncBufferFromFile(join(dir, 'a.parquet')),
      compressors,
      utf8: false,
    });
    assert.equal(back.length, 24);
    const images = back.map((r) => (r.images as Array<{ bytes: Uint8Array }>)[0]!.bytes);
    assert.deepEqual(
      images.map((b) => b.length),
      images.map(() => 200_000),
    );
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('parquet statistics: the file with bounds cut and footer parts shared after each row group is byte-identical to the one without', async () => {
  const schema = parquetSchema(parquetLayout(VERL_GAD).fields);
  const groups = [await rows(0, 5, 3000), await rows(5, 5, 40), await rows(10, 5, 70_000)];
  const write = (compact: boolean): Uint8Array => {
    const out = new ByteWriter();
    const w = new ParquetWriter({ writer: out, schema, codec: 'UNCOMPRESSED', kvMetadata: [{ key: 'k', value: 'v' }] });
    const leaves = leafElements(w.schema);
    const parts = new FooterParts();
    let done = 0;
    for (const g of groups) {
      const columnData: ColumnSource[] = Object.keys(g[0]!).map((name) => ({
        name,
        data: g.map((r) => r[name] ?? null),
      }));
      void w.write({ columnData, rowGroupSize: g.length });
      if (compact) {
        for (const c of w.row_groups.at(-1)?.columns ?? []) parts.share(c);
        done = compactRowGroupStatistics(w, leaves, done);
      }
    }
    if (compact) assert.ok(heldFooter(w).statisticsBytes < 70_000, 'bounds cut (the 0xFF images aside)');
    w.finish();
    return out.getBytes();
  };
  const plain = write(false);
  const cut = write(true);
  assert.equal(Buffer.compare(Buffer.from(plain), Buffer.from(cut)), 0, 'same bytes');
});

test('parquet statistics: every leaf of the schema is found by its path', () => {
  const schema = parquetSchema(parquetLayout(VERL_GAD).fields);
  const leaves = leafElements(schema);
  assert.equal(leaves.size, schema.filter((e) => !e.num_children).length);
  assert.equal(leaves.get(['images', 'list', 'element', 'bytes'].join('\u0000'))?.type, 'BYTE_ARRAY');
});
