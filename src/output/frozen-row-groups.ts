/**
 * The footer entries of an open shard's written row groups, held as bytes until the footer is written. hyparquet-writer
 * keeps every row group's entry (`row_groups`: column chunks with their offsets and sizes as bigints, the cut
 * statistics) as JS objects until `finish`, and a page-index entry per column chunk (`pendingIndexes`) that
 * references the same chunk objects: ~50 bytes of heap a row at 128 rows a row group (measured on a 100k-row
 * shard of the verl schema: 4.7 MB), kept for the whole shard — on a 100k-row build the whole build.
 *
 * A row group none of whose column chunks needs anything written at `finish` (no column index and no offset index,
 * as a chunk of one page has none, and no bloom filter) is frozen as soon as it is written: its entry turned into
 * the thrift bytes the footer holds for it (footer-thrift.ts), its page-index entries — no-ops at `finish` —
 * dropped, and a shared empty entry left in its place. `finish` then does what `ParquetWriter.finish` does (the
 * page indexes and bloom filters of the row groups not frozen, then the footer) with the frozen entries' bytes put
 * in the footer as they are: the same file bytes, without turning every entry back into objects at the end (~20 MB
 * of heap on a 100k-row shard). A row group with a multi-page chunk stays as it is: its indexes are written at
 * `finish`, which sets their offsets on its chunk objects, and its entry is turned into bytes after that.
 */
import type { RowGroup } from 'hyparquet';
import type { ParquetWriter } from 'hyparquet-writer';
import { writeIndexes } from 'hyparquet-writer/src/indexes.js';
import { writeBlooms } from 'hyparquet-writer/src/bloom.js';
import { RowGroupThrift } from './footer-thrift.js';

type PageIndexEntry = ParquetWriter['pendingIndexes'][number];

/** The entry left in place of a frozen row group (never written: `finish` writes the frozen bytes instead). */
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
  private readonly frozen = new Map<number, Uint8Array>();
  private thrift: RowGroupThrift | null = null;

  /** The entry bytes maker of the writer's file (its schema and statistics length). */
  private entries(writer: ParquetWriter): RowGroupThrift {
    this.thrift ??= new RowGroupThrift(writer.schema, writer.statisticsTruncateLength);
    return this.thrift;
  }

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
      this.frozen.set(g, this.entries(writer).entry(group));
      if (atEnd) pending.length = start;
      else writer.pendingIndexes = pending.filter((p) => !chunks.has(p.chunk));
      writer.row_groups[g] = FROZEN;
    }
  }

  /**
   * Finish the file as `ParquetWriter.finish` does: the page indexes and bloom filters left (those of the row groups
   * not frozen), the footer with every row group's entry (the frozen ones as their bytes), its length, the magic.
   * The writer must not be written to or finished after this.
   */
  finish(writer: ParquetWriter): void | Promise<void> {
    writeIndexes(writer.writer, writer.pendingIndexes);
    writeBlooms(writer.writer, writer.pendingIndexes);
    const thrift = this.entries(writer);
    const { frozen } = this;
    const groups = writer.row_groups;
    function* entries(): Generator<Uint8Array> {
      for (const [g, group] of groups.entries()) yield frozen.get(g) ?? thrift.entry(group);
    }
    RowGroupThrift.writeFooter({
      writer: writer.writer,
      meta: {
        version: 2,
        created_by: writer.createdBy,
        schema: writer.schema,
        num_rows: writer.num_rows,
        key_value_metadata: writer.kvMetadata,
      },
      count: groups.length,
      entries: entries(),
      truncate: writer.statisticsTruncateLength,
    });
    this.frozen.clear();
    return writer.writer.finish();
  }
}
