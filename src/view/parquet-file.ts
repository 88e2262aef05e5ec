/**
 * One parquet file read lazily with hyparquet: the footer once, then only the row group a request needs, for
 * the columns it needs (the image column of one row group at most a few at a time). Decoded row groups are kept
 * in two small caches (text columns; image columns) so a page of 50 thumbnails decodes each row group once.
 */
import { asyncBufferFromFile, parquetMetadataAsync, parquetReadObjects, parquetSchema } from 'hyparquet';
import type { AsyncBuffer, FileMetaData } from 'hyparquet';
import { compressors } from 'hyparquet-compressors';
import { GadError, describeError } from '../core/errors.js';

type Rows = Array<Record<string, unknown>>;

class Lru<V> {
  private readonly map = new Map<string, V>();
  constructor(private readonly max: number) {}
  get(k: string): V | undefined {
    const v = this.map.get(k);
    if (v !== undefined) {
      this.map.delete(k);
      this.map.set(k, v);
    }
    return v;
  }
  set(k: string, v: V): void {
    this.map.delete(k);
    this.map.set(k, v);
    while (this.map.size > this.max) this.map.delete(this.map.keys().next().value!);
  }
}

export class ParquetFile {
  readonly path: string;
  readonly display: string;
  private opened: Promise<{ file: AsyncBuffer; metadata: FileMetaData; starts: number[] }> | null = null;
  private readonly textCache = new Lru<Promise<Rows>>(32);
  private readonly bigCache = new Lru<Promise<Rows>>(2);

  constructor(path: string, display: string) {
    this.path = path;
    this.display = display;
  }

  private open() {
    this.opened ??= (async () => {
      try {
        const file = await asyncBufferFromFile(this.path);
        const metadata = await parquetMetadataAsync(file);
        const starts: number[] = [];
        let s = 0;
        for (const rg of metadata.row_groups) {
          starts.push(s);
          s += Number(rg.num_rows);
        }
        starts.push(s);
        return { file, metadata, starts };
      } catch (e) {
        throw new GadError(`cannot read ${this.display} as parquet: ${describeError(e)}`, { exitCode: 2, cause: e });
      }
    })();
    return this.opened;
  }

  async rows(): Promise<number> {
    return Number((await this.open()).metadata.num_rows);
  }

  /** Top-level column names. */
  async columns(): Promise<string[]> {
    const { metadata } = await this.open();
    return parquetSchema(metadata).children.map((c) => c.element.name);
  }

  /** Row `i` (0-based in the file), only `columns` (all when undefined). */
  async row(i: number, columns: string[] | undefined, big: boolean): Promise<Record<string, unknown>> {
    const { file, metadata, starts } = await this.open();
    let lo = 0;
    let hi = starts.length - 2;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (starts[mid]! <= i) lo = mid;
      else hi = mid - 1;
    }
    const rg = lo;
    const key = `${rg}|${columns?.join(',') ?? '*'}`;
    const cache = big ? this.bigCache : this.textCache;
    let p = cache.get(key);
    if (!p) {
      p = parquetReadObjects({
        file,
        metadata,
        columns,
        rowStart: starts[rg]!,
        rowEnd: starts[rg + 1]!,
        compressors,
        utf8: false,
      }).catch((e) => {
        throw new GadError(`cannot decode row group ${rg} of ${this.display}: ${describeError(e)}`, { cause: e });
      });
      cache.set(key, p);
    }
    const rows = await p;
    const r = rows[i - starts[rg]!];
    if (!r) throw new GadError(`${this.display} has no row ${i}`, { exitCode: 2 });
    return r;
  }

  /** Every row group in order, `columns` only (a full scan, e.g. a text search). */
  async *scan(columns: string[]): AsyncGenerator<{ start: number; rows: Rows }> {
    const { file, metadata, starts } = await this.open();
    for (let rg = 0; rg < starts.length - 1; rg++) {
      if (starts[rg] === starts[rg + 1]) continue;
      const rows = await parquetReadObjects({
        file,
        metadata,
        columns,
        rowStart: starts[rg]!,
        rowEnd: starts[rg + 1]!,
        compressors,
        utf8: false,
      });
      yield { start: starts[rg]!, rows };
    }
  }
}
