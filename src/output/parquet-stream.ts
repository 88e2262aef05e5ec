/**
 * The parquet side of a shard: parquet-wasm's writer properties for a schema (zstd, dictionaries only for the
 * low-cardinality verl columns, the HF features as key-value metadata), Arrow record batches from rows, and one open
 * parquet file fed batch by batch through parquet-wasm's stream writer.
 */
import * as A from 'apache-arrow';
import * as pw from 'parquet-wasm';
import { createWriteStream } from 'node:fs';
import { Writable } from 'node:stream';
import { hfFeatures, type SchemaOptions } from './parquet-schema.js';

export function writerProperties(
  opts: SchemaOptions,
  rowGroupRows: number,
  rowGroupBytes: number,
): pw.WriterProperties {
  let b = new pw.WriterPropertiesBuilder()
    .setCompression(pw.Compression.ZSTD)
    .setDictionaryEnabled(false)
    .setMaxRowGroupSize(rowGroupRows)
    // arrow-rs gathers the batches we flush into row groups of up to rowGroupRows rows, whatever their size,
    // and holds an open row group in wasm memory: without a byte cap, 128 rows of 5 MB images held ~640 MB
    // there (and wasm memory never shrinks). The cap makes memory follow rowGroupBytes, not the image size.
    .setMaxRowGroupBytes(rowGroupBytes)
    // Also as a plain key-value entry, for readers that do not decode ARROW:schema (DuckDB, hyparquet).
    .setKeyValueMetadata(new Map([['huggingface', JSON.stringify(hfFeatures(opts))]]));
  if (opts.target === 'verl')
    b = b.setColumnDictionaryEnabled('data_source', true).setColumnDictionaryEnabled('ability', true);
  return b.build();
}

/** Build one Arrow record batch from rows (columns in schema order). */
export function recordBatch(schema: A.Schema, rows: Array<Record<string, unknown>>): A.RecordBatch {
  const children = schema.fields.map((field) => {
    const b = A.makeBuilder({ type: field.type, nullValues: [null, undefined] });
    for (const r of rows) b.append(r[field.name]);
    return b.finish().flush();
  });
  return new A.RecordBatch(
    schema,
    A.makeData({ type: new A.Struct(schema.fields), length: rows.length, nullCount: 0, children }),
  );
}

/** One open parquet file fed batch by batch (pull-driven: at most one batch waits). */
export class ParquetStreamFile {
  private pending: { batch: pw.RecordBatch | null; taken: () => void } | null = null;
  private wake: (() => void) | null = null;
  private output: Promise<ReadableStream> | null = null;
  private piping: Promise<void> | null = null;
  /** The output file's write error (a full disk): every later write/close rejects with it instead of waiting. */
  private failed: { error: unknown } | null = null;
  private rejectOffer: ((e: unknown) => void) | null = null;
  private readonly source: ReadableStream;

  constructor(
    readonly path: string,
    private readonly props: pw.WriterProperties,
  ) {
    this.source = new ReadableStream(
      {
        pull: async (ctrl) => {
          while (!this.pending) await new Promise<void>((r) => (this.wake = r));
          const { batch, taken } = this.pending;
          this.pending = null;
          if (batch) ctrl.enqueue(batch);
          else ctrl.close();
          taken();
        },
      },
      { highWaterMark: 0 },
    );
  }

  private offer(batch: pw.RecordBatch | null): Promise<void> {
    if (this.failed) return Promise.reject(this.failed.error);
    return new Promise<void>((taken, reject) => {
      this.rejectOffer = reject;
      this.pending = { batch, taken };
      const w = this.wake;
      this.wake = null;
      w?.();
    });
  }

  async write(batch: A.RecordBatch): Promise<void> {
    const t = pw.Table.fromIPCStream(A.tableToIPC(new A.Table([batch]), 'stream'));
    let wb: pw.RecordBatch[];
    try {
      wb = t.recordBatches();
    } finally {
      t.free();
    }
    for (const b of wb) {
      if (!this.output) {
        // parquet-wasm reads the first batch (for the schema) before it hands back the output stream.
        this.output = pw.transformParquetStream(this.source, this.props);
        await this.offer(b);
        const out = await this.output;
        this.piping = out.pipeTo(Writable.toWeb(createWriteStream(this.path)) as WritableStream<Uint8Array>);
        // A write error (ENOSPC within the first shard) is kept and rethrown by the next write or close: left
        // unhandled until close, it crashed the process (exit 1, no message), and an offer waited forever.
        this.piping.catch((e: unknown) => {
          this.failed ??= { error: e };
          this.rejectOffer?.(e);
        });
      } else {
        await this.offer(b); // ownership moves into wasm (the batch is unwrapped), nothing to free here
      }
    }
  }

  async close(): Promise<void> {
    if (!this.output) throw new Error('ParquetStreamFile.close before any batch');
    if (this.failed) throw this.failed.error;
    await this.offer(null);
    await this.piping;
  }
}
