/**
 * A walk over bytes in Thrift's compact protocol (a parquet footer): fields read where wanted and skipped otherwise,
 * without building objects. Every read is bounds-checked (a cut footer is an error saying so, never a read past its
 * end), nesting is limited, and an unknown type is an error. Used to take a shard's row count (footer-rows.ts) and
 * by the viewer to index a footer's row groups lazily (view/footer.ts).
 */

/** Compact-protocol types. */
export const T = {
  TRUE: 1,
  FALSE: 2,
  BYTE: 3,
  I16: 4,
  I32: 5,
  I64: 6,
  DOUBLE: 7,
  BINARY: 8,
  LIST: 9,
  SET: 10,
  MAP: 11,
  STRUCT: 12,
} as const;

/** Nesting deeper than this is not a parquet footer (its deepest structs are a few levels down). */
const MAX_DEPTH = 64;

export class ThriftWalk {
  /** The next byte to read. */
  pos = 0;
  constructor(readonly b: Uint8Array) {}

  /** Every byte read. */
  get done(): boolean {
    return this.pos === this.b.length;
  }

  byte(): number {
    const v = this.b[this.pos];
    if (v === undefined) throw new Error('the footer ends inside a value');
    this.pos++;
    return v;
  }

  /** An unsigned varint (exact up to 2^53; a longer one is read through, as a skipped value is). */
  varint(): number {
    let out = 0;
    for (let shift = 0; shift < 70; shift += 7) {
      const x = this.byte();
      out += (x & 0x7f) * 2 ** shift;
      if (!(x & 0x80)) return out;
    }
    throw new Error('a varint of the footer is too long');
  }

  /** A signed (zigzag) varint: i16, i32, i64 and field-id deltas. */
  zigzag(): number {
    const n = this.varint();
    return n % 2 ? -(n + 1) / 2 : n / 2;
  }

  /** A list's or set's header: its size and element type. */
  listHead(): { size: number; type: number } {
    const h = this.byte();
    return { size: h >> 4 === 15 ? this.varint() : h >> 4, type: h & 0x0f };
  }

  private skipBytes(n: number): void {
    if (n > this.b.length - this.pos) throw new Error('the footer ends inside a value');
    this.pos += n;
  }

  /** Skip one value of type `t`; `inList`: a boolean is then a byte of its own (in a field header, its type). */
  skip(t: number, depth = 0, inList = false): void {
    if (depth > MAX_DEPTH) throw new Error('the footer nests too deep');
    switch (t) {
      case T.TRUE:
      case T.FALSE:
        if (inList) this.byte();
        return;
      case T.BYTE:
        this.byte();
        return;
      case T.I16:
      case T.I32:
      case T.I64:
        this.varint();
        return;
      case T.DOUBLE:
        this.skipBytes(8);
        return;
      case T.BINARY:
        this.skipBytes(this.varint());
        return;
      case T.LIST:
      case T.SET: {
        const { size, type } = this.listHead();
        for (let k = 0; k < size; k++) this.skip(type, depth + 1, true);
        return;
      }
      case T.MAP: {
        const n = this.varint();
        if (n === 0) return;
        const kv = this.byte();
        for (let k = 0; k < n; k++) {
          this.skip(kv >> 4, depth + 1, true);
          this.skip(kv & 0x0f, depth + 1, true);
        }
        return;
      }
      case T.STRUCT:
        this.struct(() => false, depth + 1);
        return;
      default:
        throw new Error(`the footer holds an unknown thrift type ${t}`);
    }
  }

  /** Walk a struct's fields to its stop byte; `take(id, type)` reads a field itself (true) or leaves it skipped. */
  struct(take: (id: number, type: number) => boolean, depth = 0): void {
    let id = 0;
    for (;;) {
      const h = this.byte();
      if (h === 0) return;
      const type = h & 0x0f;
      id = h >> 4 ? id + (h >> 4) : this.zigzag();
      if (!take(id, type)) this.skip(type, depth);
    }
  }
}
