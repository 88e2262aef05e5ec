/**
 * A parquet footer (the FileMetaData struct in thrift's compact protocol) written from row-group entries that are
 * already bytes, so the footer of a shard of many row groups is never assembled as objects. hyparquet-writer's
 * `finish` maps every row group's entry to a thrift object, then the whole footer to bytes: ~20 MB of heap at the end
 * of a 100k-row shard (782 row groups), growing with the rows.
 *
 * A struct in a compact-protocol list is written by itself (its field ids restart at 0), so the bytes of the list
 * `row_groups` (FileMetaData field 4) are its header (count and element type) followed by each entry's bytes. An
 * entry's bytes are cut out of hyparquet-writer's own `writeMetadata` output (the footer of that one row group,
 * minus the footer with none), and the footer is that output with no row groups where the empty list's header is
 * replaced by the real one and the entries — the same bytes `writeMetadata` writes for the whole list.
 */
import { ByteWriter } from 'hyparquet-writer';
import { writeMetadata } from 'hyparquet-writer/src/metadata.js';
import type { FileMetaData, RowGroup, SchemaElement } from 'hyparquet';
import type { Writer } from 'hyparquet-writer';

/** Compact-protocol element type of a struct (a list header's low four bits). */
const STRUCT = 12;
/** The parquet magic, `PAR1`, as a little-endian uint32. */
const MAGIC = 0x31524150;

/** The metadata fields a footer is made of, but its row groups. */
export type FooterMeta = Omit<FileMetaData, 'row_groups' | 'metadata_length'>;

/** The footer's thrift bytes (without the length that follows them) as `writeMetadata` writes them. */
function metadataBytes(meta: FooterMeta, groups: RowGroup[], truncate: number | undefined): Uint8Array {
  const w = new ByteWriter();
  writeMetadata(w, { ...meta, row_groups: groups } as FileMetaData, truncate);
  return w.getBytes().slice(0, w.offset - 4);
}

/** The footer with no row group, cut around its empty `row_groups` list header. */
interface EmptyFooter {
  head: Uint8Array;
  /** The empty list's header byte. */
  none: number;
  tail: Uint8Array;
}

/** An entry with no columns: written to locate the list header (it differs there from the footer with none). */
const PROBE: RowGroup = { columns: [], total_byte_size: 0n, num_rows: 0n };

/**
 * The footer without row groups split at its list header, and the bytes `one` of the footer with one row group
 * cut to that entry's bytes. Throws when the two do not differ only there (a writer that does not write a list
 * element by itself).
 */
function cut(empty: Uint8Array, one: Uint8Array): { footer: EmptyFooter; entry: Uint8Array } {
  let p = 0;
  while (p < empty.length && empty[p] === one[p]) p++;
  const tail = empty.subarray(p + 1);
  const entryEnd = one.length - tail.length;
  const header = one[p];
  const sameTail = entryEnd > p && Buffer.compare(Buffer.from(one.subarray(entryEnd)), Buffer.from(tail)) === 0;
  if (p >= empty.length || header !== ((1 << 4) | STRUCT) || !sameTail)
    throw new Error('parquet footer: a row group entry could not be cut out of the footer bytes');
  return { footer: { head: empty.subarray(0, p), none: empty[p] ?? 0, tail }, entry: one.subarray(p + 1, entryEnd) };
}

/** The bytes of row-group entries of one file's footer (its schema and statistics length), as written in its list. */
export class RowGroupThrift {
  private readonly meta: FooterMeta;
  private readonly empty: Uint8Array;

  constructor(
    schema: SchemaElement[],
    private readonly truncate: number | undefined,
  ) {
    this.meta = { version: 2, schema, num_rows: 0n };
    this.empty = metadataBytes(this.meta, [], truncate);
  }

  /** The entry's bytes (a copy that holds nothing else). */
  entry(group: RowGroup): Uint8Array {
    return cut(this.empty, metadataBytes(this.meta, [group], this.truncate)).entry.slice();
  }

  /**
   * Write the footer of `meta` and the row-group entries `entries` (bytes, in row-group order; `count` of them),
   * then its length and the magic: the bytes `writeMetadata` and `ParquetWriter.finish` write for the same metadata.
   */
  static writeFooter(p: {
    writer: Writer;
    meta: FooterMeta;
    count: number;
    entries: Iterable<Uint8Array>;
    truncate: number | undefined;
  }): void {
    const { writer } = p;
    const start = writer.offset;
    const empty = metadataBytes(p.meta, [], p.truncate);
    const { footer } = cut(empty, metadataBytes(p.meta, [PROBE], p.truncate));
    writer.appendBytes(footer.head);
    if (p.count > 14) {
      writer.appendUint8((15 << 4) | STRUCT);
      writer.appendVarInt(p.count);
    } else writer.appendUint8(p.count ? (p.count << 4) | STRUCT : footer.none);
    let n = 0;
    for (const e of p.entries) {
      writer.appendBytes(e);
      n++;
    }
    if (n !== p.count) throw new Error(`parquet footer: ${n} row group entries written, ${p.count} announced`);
    writer.appendBytes(footer.tail);
    writer.appendUint32(writer.offset - start);
    writer.appendUint32(MAGIC);
  }
}
