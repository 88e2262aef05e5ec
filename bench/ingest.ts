/**
 * Ingest benchmark: rows/s streaming a generated verl-style parquet (list<struct<bytes, path>> images)
 * through `openIngest`, with the parquet read one row group at a time.
 */
import { mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import * as A from 'apache-arrow';
import * as pw from 'parquet-wasm';
import { openIngest } from '../src/ingest/ingest.js';

async function writeParquet(path: string, rows: number, imageBytes: number, rowGroupRows: number): Promise<void> {
  const imgType = new A.List(
    new A.Field(
      'element',
      new A.Struct([new A.Field('bytes', new A.Binary(), true), new A.Field('path', new A.Utf8(), true)]),
      true,
    ),
  );
  const fields = [
    new A.Field('id', new A.Utf8(), true),
    new A.Field('problem', new A.Utf8(), true),
    new A.Field('answer', new A.Utf8(), true),
    new A.Field('images', imgType, true),
  ];
  const build = (type: A.DataType, values: unknown[]) => {
    const b = A.makeBuilder({ type, nullValues: [null, undefined] });
    for (const v of values) b.append(v as never);
    return b.finish().flush();
  };
  const idx = Array.from({ length: rows }, (_, i) => i);
  const children = [
    build(
      fields[0]!.type,
      idx.map((i) => `row-${i}`),
    ),
    build(
      fields[1]!.type,
      idx.map((i) => `<image>In triangle ABC number ${i}, find the length of side AB. Round to the nearest tenth.`),
    ),
    build(
      fields[2]!.type,
      idx.map((i) => String(i % 97)),
    ),
    build(
      imgType,
      idx.map(() => [{ bytes: new Uint8Array(randomBytes(imageBytes)), path: null }]),
    ),
  ];
  const batch = new A.RecordBatch(
    new A.Schema(fields),
    A.makeData({ type: new A.Struct(fields), length: rows, nullCount: 0, children }),
  );
  const table = pw.Table.fromIPCStream(A.tableToIPC(new A.Table([batch]), 'stream'));
  await writeFile(
    path,
    pw.writeParquet(table, new pw.WriterPropertiesBuilder().setMaxRowGroupSize(rowGroupRows).build()),
  );
}

export async function benchIngest(opts: { rows?: number }): Promise<Array<Record<string, string | number>>> {
  const rows = opts.rows ?? 10000;
  const dir = await mkdtemp(join(tmpdir(), 'gad-bench-ingest-'));
  const out: Array<Record<string, string | number>> = [];
  try {
    for (const [imageBytes, rg] of [
      [4096, 128],
      [4096, 1024],
    ] as const) {
      const file = join(dir, `gen-${imageBytes}-${rg}.parquet`);
      await writeParquet(file, rows, imageBytes, rg);
      const size = (await stat(file)).size;
      const t0 = performance.now();
      const ing = await openIngest({
        splits: [{ split: 'train', specs: [file] }],
        columns: { prompt: 'problem', answer: 'answer', images: 'images', id: 'id' },
      });
      const tOpen = performance.now() - t0;
      let n = 0;
      let peak = 0;
      for await (const s of ing.rows('train')) {
        if (s.drop) throw new Error(`unexpected drop: ${s.drop.detail}`);
        if (++n % 1000 === 0) peak = Math.max(peak, process.memoryUsage().rss);
      }
      const ms = performance.now() - t0;
      out.push({
        source: `parquet, ${imageBytes} B image/row, row groups of ${rg}`,
        rows: n,
        'file MB': +(size / 1048576).toFixed(1),
        'open ms (footer + sha256)': Math.round(tOpen),
        'rows/s': Math.round((n / ms) * 1000),
        'MB/s': +(size / 1048576 / (ms / 1000)).toFixed(1),
        'peak RSS MB': Math.round(peak / 1048576),
      });
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
  return out;
}
