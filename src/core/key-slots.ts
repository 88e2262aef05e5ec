/**
 * The index under the typed key tables (key-table.ts, row-id-table.ts): 128-bit keys (four 32-bit words) stored
 * one after the other in the order they came, and an open-addressing table of 4-byte slots (an entry's number + 1;
 * 0: empty) kept at most half full, found by linear probing from the key's first word. A table keeps what it stores
 * beside each key in arrays indexed by entry number, grown to `capacity`.
 *
 * Slots of 16-byte keys themselves (at most half used) took 2–4 × 16 bytes a key and a copy of the values beside
 * each slot; here a key takes 16–32 bytes and 8–16 bytes of slots. Two keys are the same entry only if all four
 * words agree: the keys are compared whole.
 */
export const WORDS = 4;

export class KeySlots {
  /** The entries' keys, `WORDS` words each, in the order added. */
  private keys: Uint32Array;
  /** Per slot: entry number + 1 (0: an empty slot). */
  private slots: Uint32Array;
  private mask: number;
  private n = 0;

  constructor(capacity = 1024) {
    let slots = 16;
    while (slots < capacity * 2) slots *= 2;
    this.slots = new Uint32Array(slots);
    this.mask = slots - 1;
    this.keys = new Uint32Array(Math.max(8, capacity) * WORDS);
  }

  /** Entries held. */
  get count(): number {
    return this.n;
  }

  /** Entries the key array has room for (a table's arrays beside the keys are kept this long). */
  get capacity(): number {
    return this.keys.length / WORDS;
  }

  /** Bytes of the key and slot arrays. */
  get bytes(): number {
    return this.keys.byteLength + this.slots.byteLength;
  }

  /** The entry number of key `w`, or -1. */
  find(w: Uint32Array): number {
    const { slots, keys } = this;
    for (let i = (w[0] ?? 0) & this.mask; ; i = (i + 1) & this.mask) {
      const e = (slots[i] ?? 0) - 1;
      if (e < 0) return -1;
      const o = e * WORDS;
      if (keys[o] === w[0] && keys[o + 1] === w[1] && keys[o + 2] === w[2] && keys[o + 3] === w[3]) return e;
    }
  }

  /** Add key `w`, which `find` did not find; its entry number. */
  add(w: Uint32Array): number {
    const e = this.n;
    if (e === this.capacity) {
      const next = new Uint32Array(this.keys.length * 2);
      next.set(this.keys);
      this.keys = next;
    }
    this.keys.set(w.subarray(0, WORDS), e * WORDS);
    this.n++;
    if (this.n * 2 > this.slots.length) this.rehash(this.slots.length * 2);
    else this.place(e);
    return e;
  }

  /** Put entry `e` in the first empty slot from its key's first word. */
  private place(e: number): void {
    let i = (this.keys[e * WORDS] ?? 0) & this.mask;
    while (this.slots[i] !== 0) i = (i + 1) & this.mask;
    this.slots[i] = e + 1;
  }

  private rehash(size: number): void {
    this.slots = new Uint32Array(size);
    this.mask = size - 1;
    for (let e = 0; e < this.n; e++) this.place(e);
  }
}

/** `a` (a table's array beside the keys) grown to `length` entries, its values kept. */
export function grown<T extends Uint8Array | Uint16Array | Uint32Array>(a: T, length: number): T {
  if (a.length >= length) return a;
  const next = new (a.constructor as new (n: number) => T)(length);
  next.set(a);
  return next;
}
