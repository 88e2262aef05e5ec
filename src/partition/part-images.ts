/**
 * The written image bytes of a part's kept rows, read back from the part's shards (hyparquet), strictly
 * forward: one row group of one column in memory at a time. The merge copies these bytes; no image is decoded.
 */
import {
  asyncBufferFromFile,
  parquetMetadataAsync,
  parquetReadObjects,
  type FileMetaData,
  type AsyncBuffer,
} from 'hyparquet';
import { compressors } from 'hyparquet-compressors';
import { join } from 'node:path';
import { GadError } from '../core/errors.js';

export class ShardImageCursor {
  private shard = -1;
  private file: AsyncBuffer | null = null;
  private meta: FileMetaData | null = null;
  /** Row groups of the open shard: [first row (global ordinal), rows]. */
  private groups: Array<[number, number]> = [];
  private group = -1;
  private rows: unknown[] = [];
  private groupStart = 0;
  /** Global ordinal of the open shard's first row. */
  private shardStart = 0;

  constructor(
    private readonly partDir: string,
    /** The part's shards of one split, in order (manifest `file`s, relative to the part folder). */
    private readonly shards: Array<{ file: string; rows: number }>,
    private readonly column: string,
  ) {}

  /** The image bytes of the part's `ordinal`-th kept row of this split (ordinals must not go backwards). */
  async images(ordinal: number): Promise<Uint8Array[]> {
    while (this.shard < 0 || ordinal >= this.shardStart + (this.shards[this.shard]?.rows ?? 0)) {
      if (this.shard >= 0) this.shardStart += this.shards[this.shard]!.rows;
      this.shard++;
      const sh = this.shards[this.shard];
      if (!sh)
        throw new GadError(
          `merge: part ${this.partDir} has fewer kept rows in its shards than its rows.bin says (row ${ordinal})`,
          { exitCode: 2, hint: 'rebuild that part' },
        );
      this.file = await asyncBufferFromFile(join(this.partDir, sh.file));
      this.meta = await parquetMetadataAsync(this.file);
      let at = this.shardStart;
      this.groups = this.meta.row_groups.map((g) => {
        const r: [number, number] = [at, Number(g.num_rows)];
        at += r[1];
        return r;
      });
      this.group = -1;
      this.rows = [];
    }
    if (ordinal < this.groupStart)
      throw new Error(`merge: image rows read out of order (${ordinal} after ${this.groupStart})`);
    while (this.group < 0 || ordinal >= this.groupStart + this.rows.length) {
      this.group++;
      const g = this.groups[this.group];
      if (!g)
        throw new GadError(
          `merge: shard ${this.shards[this.shard]!.file} of part ${this.partDir} is shorter than its manifest says`,
          { exitCode: 2, hint: 'rebuild that part' },
        );
      this.groupStart = g[0];
      const local = g[0] - this.shardStart;
      const objs = await parquetReadObjects({
        file: this.file!,
        metadata: this.meta!,
        columns: [this.column],
        rowStart: local,
        rowEnd: local + g[1],
        compressors,
        utf8: false,
      });
      this.rows = objs.map((o) => (o as Record<string, unknown>)[this.column]);
    }
    const cell = this.rows[ordinal - this.groupStart];
    if (!Array.isArray(cell))
      throw new GadError(`merge: row ${ordinal} of part ${this.partDir} has no ${this.column} list`, { exitCode: 2 });
    return cell.map((im) => {
      const b = (im as { bytes?: unknown } | null)?.bytes;
      if (!(b instanceof Uint8Array))
        throw new GadError(`merge: row ${ordinal} of part ${this.partDir}: an image without bytes`, { exitCode: 2 });
      return b;
    });
  }
}
