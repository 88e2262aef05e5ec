/**
 * A parquet footer indexed without decoding it: a build of a million rows holds thousands of 128-row row groups,
 * and decoding the whole footer (what hyparquet's parquetMetadata does) takes seconds and hundreds of MB. Here
 * the footer's Thrift (compact protocol) is walked once, only noting where each row group's struct lies and its
 * row count; a request then decodes, with hyparquet, a copy of the footer that holds only the row group it reads.
 */
import { parquetMetadata, type FileMetaData } from 'hyparquet';

export interface FooterIndex {
  footer: Uint8Array;
  /** The row_groups list: where its header starts, where its elements start and where it ends. */
  list: { head: number; body: number; end: number };
  /** Per row group: its struct's byte range in the footer and its row count. */
  groups: Array<{ start: number; end: number; rows: number }>;
}

class Walker {
  pos = 0;
  constructor(readonly b: Uint8Array) {}
  byte(): number {
    if (this.pos >= this.b.length) throw new Error('parquet footer ends early');
    return this.b[this.pos++]!;
  }
  varint(): number {
    let shift = 0;
    let out = 0;
    for (;;) {
      const x = this.byte();
      out += (x & 0x7f) * 2 ** shift;
      if (!(x & 0x80)) return out;
      shift += 7;
    }
  }
  zigzag(): number {
    const n = this.varint();
    return n % 2 ? -(n + 1) / 2 : n / 2;
  }
  /** Skips one value of compact type `t`. */
  skip(t: number): void {
    switch (t) {
      case 1:
      case 2:
        return; // bool in a field header
      case 3:
        this.pos++;
        return;
      case 4:
      case 5:
      case 6:
        this.varint();
        return;
      case 7:
        this.pos += 8;
        return;
      case 8: {
        const n = this.varint(); // before reading pos: `pos += varint()` would add to the old pos
        this.pos += n;
        return;
      }
      case 9:
      case 10: {
        const { size, type } = this.listHead();
        for (let i = 0; i < size; i++) {
          if (type === 1 || type === 2) this.pos++;
          else this.skip(type);
        }
        return;
      }
      case 11: {
        const size = this.varint();
        if (!size) return;
        const kv = this.byte();
        for (let i = 0; i < size; i++) {
          this.skip(kv >> 4);
          this.skip(kv & 15);
        }
        return;
      }
      case 12:
        this.struct(() => false);
        return;
      default:
        throw new Error(`parquet footer: unknown thrift type ${t}`);
    }
  }
  listHead(): { size: number; type: number } {
    const h = this.byte();
    const size = h >> 4 === 15 ? this.varint() : h >> 4;
    return { size, type: h & 15 };
  }
  /** Walks a struct; `field(id, type)` returns true when it consumed the value itself. */
  struct(field: (id: number, type: number) => boolean): void {
    let id = 0;
    for (;;) {
      const h = this.byte();
      if (h === 0) return;
      const type = h & 15;
      id = h >> 4 ? id + (h >> 4) : this.zigzag();
      if (!field(id, type)) this.skip(type);
    }
  }
}

/** Indexes a footer (the Thrift FileMetaData bytes). */
export function indexFooter(footer: Uint8Array): FooterIndex {
  const w = new Walker(footer);
  let list: FooterIndex['list'] | null = null;
  const groups: FooterIndex['groups'] = [];
  w.struct((id, type) => {
    if (id !== 4 || type !== 9) return false;
    const head = w.pos;
    const { size } = w.listHead();
    const body = w.pos;
    for (let i = 0; i < size; i++) {
      const start = w.pos;
      let rows = 0;
      w.struct((fid, ft) => {
        if (fid === 3 && ft === 6) {
          rows = w.zigzag();
          return true;
        }
        return false;
      });
      groups.push({ start, end: w.pos, rows });
    }
    list = { head, body, end: w.pos };
    return true;
  });
  if (!list) throw new Error('parquet footer has no row groups list');
  return { footer, list, groups };
}

/** hyparquet's metadata of the file as if it held only row group `i` (all of them when `i` is null: none). */
export function metadataOf(fi: FooterIndex, i: number | null): FileMetaData {
  const f = fi.footer;
  const g = i === null ? null : fi.groups[i]!;
  const head = g ? Uint8Array.of(0x1c) : Uint8Array.of(0x0c); // list of 1 struct (or 0)
  const parts = [
    f.subarray(0, fi.list.head),
    head,
    ...(g ? [f.subarray(g.start, g.end)] : []),
    f.subarray(fi.list.end),
  ];
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
