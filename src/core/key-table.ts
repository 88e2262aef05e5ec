/**
 * A set of 128-bit keys written as 32 hex digits (a dedupe key, the first half of a sha256), each with a small
 * number (1–65535) beside it, held in typed arrays: 18 bytes a slot, at most half the slots used, so about 36–72
 * bytes a key whatever the key's string was. A `Map` of the key strings takes about 140 bytes a key (the map's
 * entry, the string, and the 64-digit hash a sliced 32-digit key keeps alive), which a build keeps for every row.
 *
 * The key is stored whole (the four 32-bit words of its 128 bits), so two keys are equal here exactly when their
 * hex digits are (case aside).
 */
const WORDS = 4;

export class HexKeyTable {
  private keys: Uint32Array;
  private values: Uint16Array;
  private mask: number;
  private count = 0;

  constructor(capacity = 1024) {
    let slots = 16;
    while (slots < capacity * 2) slots *= 2;
    this.keys = new Uint32Array(slots * WORDS);
    this.values = new Uint16Array(slots);
    this.mask = slots - 1;
  }

  /** Keys held. */
  get size(): number {
    return this.count;
  }

  /** Bytes of the typed arrays (the table's whole memory, but a few fields). */
  get bytes(): number {
    return this.keys.byteLength + this.values.byteLength;
  }

  /** The number stored with `key`, or 0 when the key is not held. */
  get(key: string): number {
    const w = words(key);
    const i = this.find(w);
    return this.values[i] ?? 0;
  }

  has(key: string): boolean {
    return this.get(key) !== 0;
  }

  /** Store `value` (1–65535) with `key`, replacing what it had. */
  set(key: string, value: number): void {
    if (!(Number.isInteger(value) && value >= 1 && value <= 0xffff))
      throw new RangeError(`HexKeyTable: a value must be an integer in 1..65535, got ${value}`);
    const w = words(key);
    let i = this.find(w);
    if (this.values[i] === 0) {
      if ((this.count + 1) * 2 > this.values.length) {
        this.grow();
        i = this.find(w);
      }
      this.keys.set(w, i * WORDS);
      this.count++;
    }
    this.values[i] = value;
  }

  private find(w: Uint32Array): number {
    return findSlot(this.keys, this.values, this.mask, w);
  }

  private grow(): void {
    const { keys, values } = this;
    const slots = values.length * 2;
    this.keys = new Uint32Array(slots * WORDS);
    this.values = new Uint16Array(slots);
    this.mask = slots - 1;
    const w = new Uint32Array(WORDS);
    for (let j = 0; j < values.length; j++) {
      if (values[j] === 0) continue;
      w.set(keys.subarray(j * WORDS, j * WORDS + WORDS));
      const i = this.find(w);
      this.keys.set(w, i * WORDS);
      this.values[i] = values[j] ?? 0;
    }
  }
}

const scratch = new Uint32Array(WORDS);
const HEX = /^[0-9a-fA-F]{32}$/;

/** The four 32-bit words of a 32-hex-digit key (into a shared scratch array). */
function words(key: string): Uint32Array {
  if (!HEX.test(key)) throw new RangeError(`HexKeyTable: a key must be 32 hex digits, got "${key.slice(0, 40)}"`);
  for (let k = 0; k < WORDS; k++) scratch[k] = Number.parseInt(key.slice(k * 8, k * 8 + 8), 16);
  return scratch;
}

/**
 * The slot of a table of 128-bit keys (`WORDS` words a slot in `keys`; a slot is empty where `used` is 0) holding
 * `w`, or the empty slot where it would go: linear probing from its first word. Shared by the key tables.
 */
export function findSlot(keys: Uint32Array, used: ArrayLike<number>, mask: number, w: Uint32Array): number {
  for (let i = (w[0] ?? 0) & mask; ; i = (i + 1) & mask) {
    if (used[i] === 0) return i;
    const o = i * WORDS;
    if (keys[o] === w[0] && keys[o + 1] === w[1] && keys[o + 2] === w[2] && keys[o + 3] === w[3]) return i;
  }
}
