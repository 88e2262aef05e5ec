/**
 * A set of strings held outside the JS heap: each string's code units appended to one growing pool, found through an
 * open-addressing table of (pool offset, length, 32-bit hash) in typed arrays — a byte a character while every
 * character of the members is in Latin-1 (U+0000–U+00FF: ASCII file names), two bytes once one is not (the pool is
 * then widened once), plus 12 bytes a slot, at most half the slots used. A `Set<string>` keeps every string and its
 * table entry on the heap (about 60 bytes a short name), which V8 then grows in proportion to what survives; here a
 * member costs its characters and 24–48 bytes beside them, outside the heap.
 *
 * Membership is exact: strings are compared code unit by code unit, as `===` compares them.
 */
export class StringSet {
  /** Latin-1 code units while every member's fit in a byte, else UTF-16 code units. */
  private pool: Uint8Array | Uint16Array;
  private poolUsed = 0;
  /** Per slot: pool offset + 1 (0: an empty slot). */
  private starts: Uint32Array;
  private lengths: Uint32Array;
  private hashes: Int32Array;
  private mask: number;
  private count = 0;
  private scratch = new Uint16Array(256);
  /** Whether the string last encoded has a code unit over U+00FF. */
  private wide = false;

  constructor(capacity = 1024) {
    let slots = 16;
    while (slots < capacity * 2) slots *= 2;
    this.starts = new Uint32Array(slots);
    this.lengths = new Uint32Array(slots);
    this.hashes = new Int32Array(slots);
    this.mask = slots - 1;
    this.pool = new Uint8Array(Math.max(256, capacity * 16));
  }

  /** Strings held. */
  get size(): number {
    return this.count;
  }

  /** Bytes of the typed arrays (the set's whole memory, but a few fields). */
  get bytes(): number {
    return this.pool.byteLength + this.starts.byteLength + this.lengths.byteLength + this.hashes.byteLength;
  }

  has(s: string): boolean {
    const n = this.encode(s);
    return this.starts[this.find(n, hashUnits(this.scratch, n))] !== 0;
  }

  /** Add `s` (nothing when it is held already). */
  add(s: string): void {
    const n = this.encode(s);
    const h = hashUnits(this.scratch, n);
    let i = this.find(n, h);
    if (this.starts[i] !== 0) return;
    if ((this.count + 1) * 2 > this.starts.length) {
      this.grow();
      i = this.find(n, h);
    }
    const widen = this.wide && this.pool instanceof Uint8Array;
    if (widen || this.poolUsed + n > this.pool.length) {
      let size = this.pool.length;
      while (this.poolUsed + n > size) size *= 2;
      const next = widen || this.pool instanceof Uint16Array ? new Uint16Array(size) : new Uint8Array(size);
      next.set(this.pool.subarray(0, this.poolUsed));
      this.pool = next;
    }
    this.pool.set(this.scratch.subarray(0, n), this.poolUsed);
    this.starts[i] = this.poolUsed + 1;
    this.lengths[i] = n;
    this.hashes[i] = h;
    this.poolUsed += n;
    this.count++;
  }

  /** The code units of `s` into the scratch buffer; their count (`wide`: whether one is over U+00FF). */
  private encode(s: string): number {
    const n = s.length;
    if (n > this.scratch.length) this.scratch = new Uint16Array(n * 2);
    let all = 0;
    for (let k = 0; k < n; k++) {
      const c = s.charCodeAt(k);
      this.scratch[k] = c;
      all |= c;
    }
    this.wide = all > 0xff;
    return n;
  }

  /** The slot holding the scratch buffer's first `n` code units (hash `h`), or the empty slot where they would go. */
  private find(n: number, h: number): number {
    const { starts, lengths, hashes, pool, scratch } = this;
    for (let i = h & this.mask; ; i = (i + 1) & this.mask) {
      const start = starts[i] ?? 0;
      if (start === 0) return i;
      if (hashes[i] !== h || lengths[i] !== n) continue;
      let k = 0;
      while (k < n && pool[start - 1 + k] === scratch[k]) k++;
      if (k === n) return i;
    }
  }

  private grow(): void {
    const { starts, lengths, hashes } = this;
    const slots = starts.length * 2;
    this.starts = new Uint32Array(slots);
    this.lengths = new Uint32Array(slots);
    this.hashes = new Int32Array(slots);
    this.mask = slots - 1;
    for (let j = 0; j < starts.length; j++) {
      if (starts[j] === 0) continue;
      const h = hashes[j] ?? 0;
      let i = h & this.mask;
      while (this.starts[i] !== 0) i = (i + 1) & this.mask;
      this.starts[i] = starts[j] ?? 0;
      this.lengths[i] = lengths[j] ?? 0;
      this.hashes[i] = h;
    }
  }
}

/** FNV-1a over the first `n` code units, mixed once more so that the low bits (the slot) depend on all of them. */
function hashUnits(b: Uint16Array, n: number): number {
  let h = 0x811c9dc5;
  for (let k = 0; k < n; k++) h = Math.imul(h ^ (b[k] ?? 0), 0x01000193);
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  return h | 0;
}
