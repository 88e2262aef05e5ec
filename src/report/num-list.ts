/**
 * A growing list of numbers held in a `Float64Array` (outside the JS heap, 8 bytes a number) for the report's
 * per-row token counts: a `number[]` of 100k rows per column lives on the heap, which V8 grows in proportion to
 * what survives. Any number is kept exactly; a value that is not a number (an old lengths.jsonl line without a
 * column) turns the list into a plain array, so it is kept as it was given too.
 */
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

  /** The numbers as a plain array, in the order pushed. */
  toArray(): number[] {
    if (this.plain) return this.plain.slice() as number[];
    return Array.from(this.buf.subarray(0, this.n));
  }
}
