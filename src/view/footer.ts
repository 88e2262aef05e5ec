/**
 * A parquet footer indexed without decoding it: a build of a million rows holds thousands of 128-row row groups,
 * and decoding the whole footer (what hyparquet's parquetMetadata does) takes seconds and hundreds of MB. Here
 * the footer's Thrift (compact protocol) is walked lazily, only noting where each row group's struct lies and its
 * row count; a request then decodes, with hyparquet, a copy of the footer that holds only the row group it reads.
 */
import { parquetMetadata, type FileMetaData } from 'hyparquet';
import { ThriftWalk } from '../output/thrift-walk.js';

export interface FooterIndex {
  footer: Uint8Array;
  /** Where the row_groups list's header starts (after its field header). */
  head: number;
  /** Row groups in the list, and the file's num_rows. */
  size: number;
  numRows: number;
  /** The row groups walked so far: their struct's byte range in the footer, row count and first row. */
  groups: Array<{ start: number; end: number; rows: number; first: number }>;
  walker: ThriftWalk;
}

/**
 * Indexes a footer (the Thrift FileMetaData bytes): walks its fields up to the row_groups list, then the row
 * groups only as far as a request needs (`walkTo`, `groupOfRow`), so the first page of a file of thousands of
 * row groups reads the first struct, not the whole footer. The fields after the list (key_value_metadata,
 * created_by, column_orders) are not read: only hyparquet's geo columns would use them.
 */
export function indexFooter(footer: Uint8Array): FooterIndex {
  const w = new ThriftWalk(footer);
  let id = 0;
  let numRows = 0;
  for (;;) {
    const h = w.byte();
    if (h === 0) throw new Error('parquet footer has no row groups list');
    const type = h & 15;
    id = h >> 4 ? id + (h >> 4) : w.zigzag();
    if (id === 3 && type === 6) numRows = w.zigzag();
    else if (id === 4 && type === 9) break;
    else w.skip(type);
  }
  const head = w.pos;
  const { size } = w.listHead();
  return { footer, head, size, numRows, groups: [], walker: w };
}

/** Walks the row groups list until group `i` is indexed (or the list ends). */
export function walkTo(fi: FooterIndex, i: number): void {
  const w = fi.walker;
  while (fi.groups.length <= i && fi.groups.length < fi.size) {
    const start = w.pos;
    let rows = 0;
    w.struct((fid, ft) => {
      if (fid === 3 && ft === 6) {
        rows = w.zigzag();
        return true;
      }
      return false;
    });
    const prev = fi.groups[fi.groups.length - 1];
    fi.groups.push({ start, end: w.pos, rows, first: prev ? prev.first + prev.rows : 0 });
  }
}

/** The row group holding row `row` of the file (walking as far as it), or -1 past the last. */
export function groupOfRow(fi: FooterIndex, row: number): number {
  const last = fi.groups[fi.groups.length - 1];
  if (!last || last.first + last.rows <= row) {
    for (;;) {
      const g = fi.groups[fi.groups.length - 1];
      if (g && g.first + g.rows > row) return fi.groups.length - 1;
      if (fi.groups.length >= fi.size) return -1;
      walkTo(fi, fi.groups.length);
    }
  }
  let lo = 0;
  let hi = fi.groups.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (fi.groups[mid]!.first <= row) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

/** hyparquet's metadata of the file as if it held only row group `i` (all of them when `i` is null: none). */
export function metadataOf(fi: FooterIndex, i: number | null): FileMetaData {
  const f = fi.footer;
  if (i !== null) walkTo(fi, i);
  const g = i === null ? null : fi.groups[i]!;
  const head = g ? Uint8Array.of(0x1c) : Uint8Array.of(0x0c); // list of 1 struct (or 0)
  // the fields before the list, the list, then the end of FileMetaData (the fields after the list are left out)
  const parts = [f.subarray(0, fi.head), head, ...(g ? [f.subarray(g.start, g.end)] : []), Uint8Array.of(0)];
  const len = parts.reduce((a, p) => a + p.length, 0);
  const out = new Uint8Array(len + 8);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  const view = new DataView(out.buffer);
  view.setUint32(len, len, true);
  view.setUint32(len + 4, 0x31524150, true);
  return parquetMetadata(out.buffer);
}
