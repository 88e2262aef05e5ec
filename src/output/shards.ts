/**
 * ShardWriter: writes one split as parquet shards, streamed row group by row group through
 * hyparquet-writer (src/output/parquet-stream.ts), never holding more than one row group in memory.
 *
 * - Row groups hold at most `rowGroupRows` rows (128) and about `rowGroupBytes` bytes (32 MiB): the rows buffered
 *   here are written as one row group when either is reached.
 * - A shard is cut before a row that would take it past `shardSize` bytes, counting the rows'
 *   in-memory size (like HF `max_shard_size`), so the cut points depend only on the rows: the same
 *   rows give the same shards, also after a resume.
 * - Compression: zstd (level 1) for every column, the image bytes too: zstd stores incompressible blocks
 *   raw (measured: +0.003% on random bytes), so JPEG/PNG bytes are effectively stored as they are.
 *   Dictionary encoding is off except for the low-cardinality `data_source` and `ability` columns.
 * - Shards are written under `<workDir>/.shards/` (`*.partial` while open), checked (footer row count,
 *   sha256), journaled, and given their final `data/<split>-0000i-of-0000n.parquet` names by close().
 */
import { mkdir, rename, rm, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import type { Sample, ShardInfo } from '../core/types.js';
import { GadError } from '../core/errors.js';
import { sha256File } from '../core/hash.js';
import { rowBytes, rowFor, type SchemaOptions } from './parquet-schema.js';
import { ParquetStreamFile, parquetLayout, type ParquetLayout } from './parquet-stream.js';
import type { OpenedOutput } from './out-dir.js';
import { SHARDS_TMP, type JournalShard } from './shard-journal.js';
import { errorMessage } from '../core/guards.js';
import { StringSet } from '../core/string-set.js';
import { footerRowCount } from './footer-rows.js';

export const DEFAULT_ROW_GROUP_ROWS = 128;
export const DEFAULT_ROW_GROUP_BYTES = 32 * 1024 * 1024;

export interface ShardWriterOptions<N = unknown> extends SchemaOptions {
  /** The `data/` folder inside the work dir (OUT tmp /data). */
  dir: string;
  split: string;
  /** Cut shards at this many (in-memory row) bytes. */
  shardSize: number;
  rowGroupRows?: number;
  rowGroupBytes?: number;
  /** The output session: journals finished shards and continues a resumed split. */
  session?: Pick<OpenedOutput<N>, 'resumed' | 'recordShard' | 'workDir'> & Partial<Pick<OpenedOutput<N>, 'recordNote'>>;
}

export interface ClosedShard {
  index: number;
  rows: number;
  bytes: number;
  sha256: string;
  tmpFile: string;
}

/** `<split>-<i>-of-<n>.parquet` with five digits, like HF. */
export function shardFileName(split: string, index: number, count: number): string {
  const p = (n: number) => String(n).padStart(5, '0');
  return `${split}-${p(index)}-of-${p(count)}.parquet`;
}

/** Writes one split as parquet shards; `N` is the type of the notes journaled with the rows (see write/skip). */
export class ShardWriter<N = unknown> {
  /** Called after each shard is finished, checked and journaled. */
  onShardClosed?: (info: ClosedShard) => void;

  private readonly layout: ParquetLayout;
  private readonly rowGroupRows: number;
  private readonly rowGroupBytes: number;
  private readonly tmpDir: string;
  private readonly finished: Array<JournalShard<N>> = [];
  private buffer: Array<Record<string, unknown>> = [];
  private bufferBytes = 0;
  private file: ParquetStreamFile | null = null;
  private shardRows = 0;
  private shardBytes = 0;
  private segInput = 0;
  private segRecords: N[] = [];
  private closed = false;
  private chain: Promise<void> = Promise.resolve();
  /** Image `path` names used in the open shard (kept unique within a shard), off the JS heap (core/string-set.ts). */
  private imageNames = new StringSet();
  /** Per image name taken twice in the open shard: the number its last renaming took (uniqueImageNames). */
  private nextNumber = new Map<string, number>();

  constructor(private readonly opts: ShardWriterOptions<N>) {
    if (!(opts.shardSize > 0))
      throw new GadError(`export: --shard-size must be a positive number of bytes (got ${opts.shardSize})`);
    if (!/^[A-Za-z0-9_.]+$/.test(opts.split) || opts.split.includes('-')) {
      throw new GadError(`export: split name "${opts.split}" cannot be used in shard file names`, {
        hint: 'use letters, digits, _ or . (HF split names)',
      });
    }
    this.layout = parquetLayout(opts);
    this.rowGroupRows = Math.max(1, opts.rowGroupRows ?? DEFAULT_ROW_GROUP_ROWS);
    this.rowGroupBytes = opts.rowGroupBytes ?? DEFAULT_ROW_GROUP_BYTES;
    this.tmpDir = opts.session ? join(opts.session.workDir, SHARDS_TMP) : join(dirname(opts.dir), SHARDS_TMP);
    const prev = opts.session?.resumed?.splits[opts.split];
    if (prev) this.finished.push(...prev.shards);
  }

  /** Write one kept sample; `note` is journaled with the shard that holds the row. */
  write(sample: Sample, note?: N): Promise<void> {
    return this.serial(async () => {
      if (this.closed) throw new Error('ShardWriter.write after close');
      let named = this.uniqueImageNames(sample);
      let row = rowFor(named.sample, this.opts);
      let size = rowBytes(row);
      if (this.shardRows > 0 && this.shardBytes + size > this.opts.shardSize) {
        await this.closeShard();
        named = this.uniqueImageNames(sample);
        row = rowFor(named.sample, this.opts);
        size = rowBytes(row);
      }
      for (const n of named.names) this.imageNames.add(n);
      this.buffer.push(row);
      this.bufferBytes += size;
      this.shardRows++;
      this.shardBytes += size;
      this.segInput++;
      if (note !== undefined) this.note(note);
      if (this.buffer.length >= this.rowGroupRows || this.bufferBytes >= this.rowGroupBytes) await this.flush();
    });
  }

  /** Count an input row that was dropped (not written), so resume knows which input rows are covered. */
  skip(note?: N): Promise<void> {
    return this.serial(async () => {
      if (this.closed) throw new Error('ShardWriter.skip after close');
      this.segInput++;
      if (note !== undefined) this.note(note);
    });
  }

  /** Finish the last shard and give every shard its final name in `dir`. ShardInfo.file is relative to OUT. */
  close(): Promise<ShardInfo[]> {
    return this.serial(async () => {
      if (this.closed) throw new Error('ShardWriter already closed');
      this.closed = true;
      if (this.shardRows > 0 || this.finished.length === 0) await this.closeShard();
      else if (this.segInput > 0 || this.segRecords.length > 0) {
        // Trailing dropped rows belong to the last shard's bookkeeping.
        const last = this.finished[this.finished.length - 1]!;
        last.inputRows += this.segInput;
        last.records.push(...this.segRecords);
        this.opts.session?.recordShard(last);
      }
      await mkdir(this.opts.dir, { recursive: true });
      const n = this.finished.length;
      const out: ShardInfo[] = [];
      for (const s of this.finished) {
        const name = shardFileName(this.opts.split, s.index, n);
        const from = this.opts.session
          ? join(this.opts.session.workDir, s.tmpFile)
          : join(dirname(this.opts.dir), s.tmpFile);
        await rename(from, join(this.opts.dir, name));
        out.push({
          split: this.opts.split,
          file: `${basename(this.opts.dir)}/${name}`,
          rows: s.rows,
          bytes: s.bytes,
          sha256: s.sha256,
        });
      }
      return out;
    }) as Promise<ShardInfo[]>;
  }

  /**
   * The sample with image `path` names unique within the open shard: a name already used (two rows whose
   * images are both `image.png`) gets `-2`, `-3`, ... before its extension, in row order, so the same rows give
   * the same names (also after a resume, which starts a new shard). The sample itself is not changed.
   */
  private uniqueImageNames(sample: Sample): { sample: Sample; names: string[] } {
    const f = sample.formatted;
    if (!f || f.images.every((im) => im.path === null || !this.imageNames.has(im.path))) {
      const names = f ? f.images.map((im) => im.path).filter((n): n is string => n !== null) : [];
      if (new Set(names).size === names.length) return { sample, names };
    }
    // (no copy of the shard's names, and each name's numbering goes on from the last number it took: names are
    // only added while a shard is open, so every smaller number is still taken; O(1) a row, not O(rows))
    const local = new Set<string>();
    const taken = (n: string) => local.has(n) || this.imageNames.has(n);
    const names: string[] = [];
    const images = f!.images.map((im) => {
      if (im.path === null) return im;
      let name = im.path;
      if (taken(name)) {
        const dot = name.lastIndexOf('.');
        const [stem, ext] = dot > 0 ? [name.slice(0, dot), name.slice(dot)] : [name, ''];
        let k = this.nextNumber.get(im.path) ?? 2;
        for (name = `${stem}-${k}${ext}`; taken(name); k++) name = `${stem}-${k + 1}${ext}`;
        this.nextNumber.set(im.path, k);
      }
      local.add(name);
      names.push(name);
      return name === im.path ? im : { ...im, path: name };
    });
    return { sample: { ...sample, formatted: { ...f!, images } }, names };
  }

  /** A row's note goes to the session's journal at once (not held until its shard is finished); none without one. */
  private note(note: N): void {
    if (this.opts.session?.recordNote) this.opts.session.recordNote(this.opts.split, note);
    else if (this.opts.session) this.segRecords.push(note);
  }

  private serial<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.chain.then(fn);
    this.chain = run.then(
      () => undefined,
      () => undefined,
    );
    return run;
  }

  private async flush(): Promise<void> {
    if (this.buffer.length === 0 && this.file) return;
    if (!this.file) {
      await mkdir(this.tmpDir, { recursive: true });
      const path = join(this.tmpDir, `${this.opts.split}-${this.finished.length}.parquet.partial`);
      await rm(path, { force: true });
      this.file = new ParquetStreamFile(path, this.layout);
    }
    const rows = this.buffer;
    this.buffer = [];
    this.bufferBytes = 0;
    await this.file.write(rows);
  }

  private async closeShard(): Promise<void> {
    await this.flush(); // also opens an empty shard for an empty split
    const file = this.file!;
    await file.close();
    this.file = null;
    let rows: number;
    try {
      rows = await footerRowCount(file.path);
    } catch (e) {
      throw new GadError(`export: shard ${file.path} is not a readable parquet file (${errorMessage(e)})`, {
        exitCode: 1,
      });
    }
    if (rows !== this.shardRows) {
      throw new GadError(`export: shard ${file.path} holds ${rows} rows, ${this.shardRows} were written`, {
        exitCode: 1,
      });
    }
    const index = this.finished.length;
    const finalTmp = file.path.replace(/\.partial$/, '');
    await rename(file.path, finalTmp);
    const st = await stat(finalTmp);
    const entry: JournalShard<N> = {
      split: this.opts.split,
      index,
      rows,
      bytes: st.size,
      sha256: await sha256File(finalTmp),
      tmpFile: `${SHARDS_TMP}/${basename(finalTmp)}`,
      inputRows: this.segInput,
      records: this.segRecords,
    };
    // The previous shard is journaled for good: drop its records from memory (only the last shard's records
    // can still grow, in close()), so memory does not grow with the number of rows.
    const prev = this.finished[this.finished.length - 1];
    if (prev) prev.records = [];
    this.finished.push(entry);
    this.opts.session?.recordShard(entry);
    this.shardRows = 0;
    this.shardBytes = 0;
    this.segInput = 0;
    this.segRecords = [];
    this.imageNames = new StringSet();
    this.nextNumber = new Map();
    this.onShardClosed?.({ index, rows, bytes: entry.bytes, sha256: entry.sha256, tmpFile: finalTmp });
  }
}
