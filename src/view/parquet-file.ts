/**
 * One parquet file read lazily with hyparquet: the footer once, then only the row group a request needs, for
 * the columns it needs (the image column of one row group at most a few at a time). Decoded row groups are kept
 * in two small caches (text columns; image columns) so a page of 50 thumbnails decodes each row group once.
 */
import { open as openFile } from 'node:fs/promises';
import { asyncBufferFromFile, parquetReadObjects, parquetSchema } from 'hyparquet';
import type { AsyncBuffer, FileMetaData } from 'hyparquet';
import { compressors } from 'hyparquet-compressors';
import { GadError, describeError } from '../core/errors.js';
import { groupOfRow, indexFooter, metadataOf, walkTo, type FooterIndex } from './footer.js';

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
    for (const oldest of this.map.keys()) {
      if (this.map.size <= this.max) break;
      this.map.delete(oldest);
    }
  }
}

/** The footer of a parquet file, indexed (footer.ts). */
async function readFooter(path: string): Promise<FooterIndex> {
  const fh = await openFile(path, 'r');
  try {
    const { size } = await fh.stat();
    if (size < 12) throw new Error('too short for parquet');
    const tail = Buffer.alloc(8);
    await fh.read(tail, 0, 8, size - 8);
    if (tail.readUInt32LE(4) !== 0x31524150) throw new Error('no PAR1 magic at the end');
    const len = tail.readUInt32LE(0);
    if (len > size - 12) throw new Error(`footer length ${len} exceeds the file`);
    const footer = new Uint8Array(len);
    await fh.read(footer, 0, len, size - 8 - len);
    return indexFooter(footer);
  } finally {
    await fh.close();
  }
}

export class ParquetFile {
  readonly path: string;
  readonly display: string;
  private opened: Promise<{ file: AsyncBuffer; fi: FooterIndex; metadata: FileMetaData }> | null = null;
  private readonly groupMeta = new Lru<FileMetaData>(64);
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
        const fi = await readFooter(this.path);
        // the row groups are walked as requests reach them (footer.ts), not here
        return { file, fi, metadata: metadataOf(fi, null) };
      } catch (e) {
        throw new GadError(`cannot read ${this.display} as parquet: ${describeError(e)}`, { exitCode: 2, cause: e });
      }
    })();
    return this.opened;
  }

  async rows(): Promise<number> {
    const { fi } = await this.open();
    return fi.numRows;
  }

  /** A walk of the footer's row groups (footer.ts), its errors named after the file. */
  private walk<T>(f: () => T): T {
    try {
      return f();
    } catch (e) {
      throw new GadError(`cannot read ${this.display} as parquet: ${describeError(e)}`, { exitCode: 2, cause: e });
    }
  }

  /** hyparquet's metadata holding row group `rg` only (so its row numbers start at 0). */
  private async group(rg: number): Promise<FileMetaData> {
    const { fi } = await this.open();
    let m = this.groupMeta.get(String(rg));
    if (!m) {
      m = metadataOf(fi, rg);
      this.groupMeta.set(String(rg), m);
    }
    return m;
  }

  /** Top-level column names. */
  async columns(): Promise<string[]> {
    const { metadata } = await this.open();
    return parquetSchema(metadata).children.map((c) => c.element.name);
  }

  /** Row `i` (0-based in the file), only `columns` (all when undefined). */
  async row(i: number, columns: string[] | undefined, big: boolean): Promise<Record<string, unknown>> {
    const { file, fi } = await this.open();
    const rg = this.walk(() => groupOfRow(fi, i));
    if (rg < 0) throw new GadError(`${this.display} has no row ${i}`, { exitCode: 2 });
    const g = fi.groups[rg]!;
    const key = `${rg}|${columns?.join(',') ?? '*'}`;
    const cache = big ? this.bigCache : this.textCache;
    let p = cache.get(key);
    if (!p) {
      p = this.readGroup(file, rg, g.rows, columns).catch((e) => {
        throw new GadError(`cannot decode row group ${rg} of ${this.display}: ${describeError(e)}`, { cause: e });
      });
      cache.set(key, p);
    }
    const rows = await p;
    const r = rows[i - g.first];
    if (!r) throw new GadError(`${this.display} has no row ${i}`, { exitCode: 2 });
    return r;
  }

  private async readGroup(file: AsyncBuffer, rg: number, n: number, columns: string[] | undefined): Promise<Rows> {
    return parquetReadObjects({
      file,
      metadata: await this.group(rg),
      columns,
      rowStart: 0,
      rowEnd: n,
      compressors,
      utf8: false,
    });
  }

  /** Every row group in order, `columns` only (a full scan, e.g. a text search). */
  async *scan(columns: string[]): AsyncGenerator<{ start: number; rows: Rows }> {
    const { file, fi } = await this.open();
    for (let rg = 0; rg < fi.size; rg++) {
      this.walk(() => walkTo(fi, rg));
      const g = fi.groups[rg]!;
      if (!g.rows) continue;
      yield { start: g.first, rows: await this.readGroup(file, rg, g.rows, columns) };
    }
  }
}
