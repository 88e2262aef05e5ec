/**
 * The footer entries of an open shard's written row groups, held as bytes until the footer is written. hyparquet-writer
 * keeps every row group's entry (`row_groups`: column chunks with their offsets and sizes as bigints, the cut
 * statistics) as JS objects until `finish`, and a page-index entry per column chunk (`pendingIndexes`) that
 * references the same chunk objects: ~50 bytes of heap a row at 128 rows a row group (measured on a 100k-row
 * shard of the verl schema: 4.7 MB), kept for the whole shard — on a 100k-row build the whole build.
 *
 * A row group none of whose column chunks needs anything written at `finish` (no column index and no offset index,
 * as a chunk of one page has none, and no bloom filter) is frozen as soon as it is written: its entry serialized
 * (`v8.serialize`: the same objects, bigints and byte arrays back), its page-index entries — no-ops at `finish` —
 * dropped, and a shared empty entry left in its place. `thaw` puts the entries back just before `finish`, which then
 * writes the same footer bytes. A row group with a multi-page chunk stays as it is: `finish` writes its indexes and
 * sets their offsets on its chunk objects.
 */
import { deserialize, serialize } from 'node:v8';
import type { RowGroup } from 'hyparquet';
import type { ParquetWriter } from 'hyparquet-writer';

type PageIndexEntry = ParquetWriter['pendingIndexes'][number];

/** The entry left in place of a frozen row group (never written: thawed first). */
const FROZEN: RowGroup = Object.freeze({ columns: [], total_byte_size: 0n, num_rows: 0n }) as RowGroup;

/** Whether `finish` writes nothing for this page-index entry (writeIndexes and writeBlooms skip it). */
function writesNothing(p: PageIndexEntry): boolean {
  return (
    (!p.columnIndex || p.columnIndex.min_values.length <= 1) &&
    (!p.offsetIndex || p.offsetIndex.page_locations.length <= 1) &&
    !p.bloomFilter
  );
}

export class FrozenRowGroups {
  private readonly frozen = new Map<number, Buffer>();

  /** Row groups frozen now, and the bytes that hold them (for tests of its memory). */
  get held(): { groups: number; bytes: number } {
    let bytes = 0;
    for (const b of this.frozen.values()) bytes += b.byteLength;
    return { groups: this.frozen.size, bytes };
  }

  /**
   * Freeze the writer's row groups from index `from` on where nothing of theirs is written at `finish` (the last
   * first: a row group's page-index entries are appended as it is written, so the newest are at the end).
   */
  freeze(writer: ParquetWriter, from: number): void {
    for (let g = writer.row_groups.length - 1; g >= from; g--) {
      const group = writer.row_groups[g];
      if (!group || group === FROZEN) continue;
      const chunks = new Set<unknown>(group.columns);
      const pending = writer.pendingIndexes;
      // its entries: at the end (the row group just written), else looked for in the whole list
      let start = pending.length;
      while (start > 0 && chunks.has(pending[start - 1]?.chunk)) start--;
      const atEnd = pending.length - start === chunks.size;
      const own = atEnd ? pending.slice(start) : pending.filter((p) => chunks.has(p.chunk));
      if (!own.every(writesNothing)) continue;
      this.frozen.set(g, serialize(group));
      if (atEnd) pending.length = start;
      else writer.pendingIndexes = pending.filter((p) => !chunks.has(p.chunk));
      writer.row_groups[g] = FROZEN;
    }
  }

  /** Put every frozen row group's entry back (before `finish`). */
  thaw(writer: ParquetWriter): void {
    for (const [g, bytes] of this.frozen) writer.row_groups[g] = deserialize(bytes) as RowGroup;
    this.frozen.clear();
  }
}
