/**
 * The parquet side of a shard: one open parquet file written row group by row group with hyparquet-writer (zstd
 * level 1 for every column through @bokuweb/zstd-wasm, dictionaries only for the low-cardinality verl columns,
 * the HF features as key-value metadata). Each `write` is one row group, written to the file before it returns, so
 * at most one row group is held in memory; of the row groups written, only their footer entries are kept, with
 * their min / max statistics cut to the footer's 16 bytes (parquet-statistics.ts), not the whole values, the
 * parts that repeat in every entry shared (footer-parts.ts), and the entries turned into their footer bytes off the
 * JS heap, which the footer is written from (frozen-row-groups.ts, footer-thrift.ts).
 */
import { type FileHandle, open } from 'node:fs/promises';
import { ByteWriter, ParquetWriter } from 'hyparquet-writer';
import { compress } from '@bokuweb/zstd-wasm';
import type { ColumnSource } from 'hyparquet-writer';
import { hfFeatures, writtenFields, type SchemaOptions } from './parquet-schema.js';
import { parquetSchema } from './parquet-elements.js';
import type { Field } from './arrow-types.js';
import { compactRowGroupStatistics, heldFooter, leafElements } from './parquet-statistics.js';
import { FooterParts } from './footer-parts.js';
import { FrozenRowGroups } from './frozen-row-groups.js';
import { zstdWasmReady } from '../ingest/zstd-wasm.js';

/** zstd level 1: what arrow-rs and pyarrow write by default; images (already compressed) are stored as they are. */
const ZSTD_LEVEL = 1;

/** The settings of a shard's parquet files (the same for every shard of a split). */
export interface ParquetLayout {
  fields: Field[];
  kv: Array<{ key: string; value: string }>;
  /** Columns written with a dictionary (the low-cardinality `data_source` and `ability` of a verl build). */
  dictionary: ReadonlySet<string>;
}

export function parquetLayout(opts: SchemaOptions): ParquetLayout {
  return {
    fields: writtenFields(opts),
    // Also read by pyarrow as the schema metadata (there is no ARROW:schema), and so by HF `datasets`.
    kv: [{ key: 'huggingface', value: JSON.stringify(hfFeatures(opts)) }],
    dictionary: new Set(opts.target === 'verl' ? ['data_source', 'ability'] : []),
  };
}

/** A ByteWriter whose bytes go to the file after each row group (and at the end): the buffer is then reused. */
class FileByteWriter extends ByteWriter {
  constructor(private readonly fh: FileHandle) {
    super(1 << 20);
  }

  flush(): Promise<void> {
    const bytes = new Uint8Array(this.buffer, 0, this.index);
    this.index = 0;
    return bytes.length ? this.fh.write(bytes).then(() => undefined) : Promise.resolve();
  }

  override finish(): Promise<void> {
    return this.flush();
  }
}

/** One open parquet file fed row group by row group. */
export class ParquetStreamFile {
  private fh: FileHandle | null = null;
  private writer: ParquetWriter | null = null;
  /** The schema's leaf elements (the writer's schema), for the statistics of its column chunks. */
  private leaves: ReturnType<typeof leafElements> = new Map();
  /** Row groups whose statistics are cut (and repeating footer parts shared) already. */
  private compacted = 0;
  private readonly parts = new FooterParts();
  /** Written row groups' footer entries held as bytes until the footer is written (frozen-row-groups.ts). */
  private readonly frozen = new FrozenRowGroups();

  constructor(
    readonly path: string,
    private readonly layout: ParquetLayout,
  ) {}

  private async opened(): Promise<ParquetWriter> {
    if (this.writer) return this.writer;
    await zstdWasmReady();
    this.fh = await open(this.path, 'w');
    this.writer = new ParquetWriter({
      writer: new FileByteWriter(this.fh),
      schema: parquetSchema(this.layout.fields),
      codec: 'ZSTD',
      compressors: { ZSTD: (b: Uint8Array) => compress(b, ZSTD_LEVEL) },
      kvMetadata: this.layout.kv,
      createdBy: 'gad-data',
    });
    this.leaves = leafElements(this.writer.schema);
    return this.writer;
  }

  /** Write the rows as one row group (none: only opens the file, for an empty shard). */
  async write(rows: ReadonlyArray<Record<string, unknown>>): Promise<void> {
    const w = await this.opened();
    if (rows.length === 0) return;
    const columnData: ColumnSource[] = this.layout.fields.map((x) => ({
      name: x.name,
      data: rows.map((r) => r[x.name] ?? null),
      encoding: this.layout.dictionary.has(x.name) ? 'RLE_DICTIONARY' : 'PLAIN',
    }));
    await w.write({ columnData, rowGroupSize: rows.length });
    for (const g of w.row_groups.slice(this.compacted)) for (const c of g.columns) this.parts.share(c);
    const from = this.compacted;
    this.compacted = compactRowGroupStatistics(w, this.leaves, from);
    this.frozen.freeze(w, from);
  }

  /** What is held for the footer (for tests of its memory): see `heldFooter`; `frozen`: the row groups held as bytes. */
  heldFooter(): ReturnType<typeof heldFooter> & { frozen: FrozenRowGroups['held'] } {
    const held = this.writer ? heldFooter(this.writer) : { statisticsBytes: 0, lists: 0 };
    return { ...held, frozen: this.frozen.held };
  }

  async close(): Promise<void> {
    const w = await this.opened();
    try {
      await this.frozen.finish(w);
    } finally {
      await this.fh?.close();
      this.fh = null;
    }
  }
}
