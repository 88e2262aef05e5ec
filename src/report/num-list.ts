/**
 * A growing list of numbers held in a typed array (outside the JS heap) for the report's per-row token counts: an
 * `Int32Array` (4 bytes a number) while every number is an integer that fits, else a `Float64Array` (8 bytes) from
 * then on; a `number[]` of 100k rows per column lives on the heap, which V8 grows in proportion to what survives. Any
 * number is kept exactly (-0 too); a value that is not a number (an old lengths.jsonl line without a column) turns
 * the list into a plain array, so it is kept as it was given too.
 */
/** A list of numbers as the report reads them: typed while every value is a number, else the plain array. */
export type Nums = Int32Array | Float64Array | number[];

/** Whether `v` is kept exactly by an Int32Array (-0 is not: it would read back as 0). */
const isInt32 = (v: number) => (v | 0) === v && !Object.is(v, -0);

/**
 * The lists one after the other: one list as it is (no copy), typed lists into one typed array of their total length
 * (an `Int32Array` when they all are, else a `Float64Array`), else a plain array of their values (as `[...a, ...b]`
 * gives them).
 */
export function concatNums(parts: readonly Nums[]): Nums {
  const [only] = parts;
  if (only && parts.length === 1) return only;
  if (parts.every((x) => !Array.isArray(x))) {
    const n = parts.reduce((sum, x) => sum + x.length, 0);
    const out = parts.every((x) => x instanceof Int32Array) ? new Int32Array(n) : new Float64Array(n);
    let at = 0;
    for (const x of parts as Array<Int32Array | Float64Array>) {
      out.set(x, at);
      at += x.length;
    }
    return out;
  }
  const out: number[] = [];
  for (const x of parts) for (const v of x) out.push(v);
  return out;
}

export class NumList {
  private buf: Int32Array | Float64Array = new Int32Array(1024);
  private plain: unknown[] | null = null;
  private n = 0;

  get length(): number {
    return this.plain ? this.plain.length : this.n;
  }

  push(v: number): void {
    if (this.plain) {
      this.plain.push(v);
    } else if (typeof v !== 'number') {
      this.plain = this.toArray();
      this.plain.push(v);
    } else {
      if (this.buf instanceof Int32Array && !isInt32(v)) this.buf = Float64Array.from(this.buf);
      if (this.n === this.buf.length) {
        const next = this.buf instanceof Int32Array ? new Int32Array(this.n * 2) : new Float64Array(this.n * 2);
        next.set(this.buf);
        this.buf = next;
      }
      this.buf[this.n++] = v;
    }
  }

  /**
   * The numbers in the order pushed, without a copy: a view of the typed array (or the plain array, once a value
   * was not a number). For reading only, and only until the next `push`.
   */
  values(): Nums {
    return this.plain ? (this.plain as number[]) : this.buf.subarray(0, this.n);
  }

  /** The numbers as a plain array, in the order pushed. */
  toArray(): number[] {
    if (this.plain) return this.plain.slice() as number[];
    return Array.from(this.buf.subarray(0, this.n));
  }
}
