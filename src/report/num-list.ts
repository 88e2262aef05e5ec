/**
 * A growing list of numbers held in a `Float64Array` (outside the JS heap, 8 bytes a number) for the report's
 * per-row token counts: a `number[]` of 100k rows per column lives on the heap, which V8 grows in proportion to
 * what survives. Any number is kept exactly; a value that is not a number (an old lengths.jsonl line without a
 * column) turns the list into a plain array, so it is kept as it was given too.
 */
/** A list of numbers as the report reads them: typed while every value is a number, else the plain array. */
export type Nums = Float64Array | number[];

/**
 * The lists one after the other: one list as it is (no copy), typed lists into one `Float64Array` of their total
 * length, else a plain array of their values (as `[...a, ...b]` gives them).
 */
export function concatNums(parts: readonly Nums[]): Nums {
  const [only] = parts;
  if (only && parts.length === 1) return only;
  if (parts.every((x) => x instanceof Float64Array)) {
    const out = new Float64Array(parts.reduce((n, x) => n + x.length, 0));
    let at = 0;
    for (const x of parts) {
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
  private buf = new Float64Array(1024);
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
      if (this.n === this.buf.length) {
        const next = new Float64Array(this.buf.length * 2);
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
