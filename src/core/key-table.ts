/**
 * A set of 128-bit keys written as 32 hex digits (a dedupe key, the first half of a sha256), each with a small
 * number (1–65535) beside it, held in typed arrays (key-slots.ts): 18–36 bytes a key and 8–16 bytes of slots,
 * whatever the key's string was. A `Map` of the key strings takes about 140 bytes a key (the map's
 * entry, the string, and the 64-digit hash a sliced 32-digit key keeps alive), which a build keeps for every row.
 *
 * The key is stored whole (the four 32-bit words of its 128 bits), so two keys are equal here exactly when their
 * hex digits are (case aside).
 */
import { KeySlots, WORDS, grown } from './key-slots.js';

export class HexKeyTable {
  private readonly index: KeySlots;
  /** Per entry: its number. */
  private values: Uint16Array;

  constructor(capacity = 1024) {
    this.index = new KeySlots(capacity);
    this.values = new Uint16Array(this.index.capacity);
  }

  /** Keys held. */
  get size(): number {
    return this.index.count;
  }

  /** Bytes of the typed arrays (the table's whole memory, but a few fields). */
  get bytes(): number {
    return this.index.bytes + this.values.byteLength;
  }

  /** The number stored with `key`, or 0 when the key is not held. */
  get(key: string): number {
    const e = this.index.find(words(key));
    return e < 0 ? 0 : (this.values[e] ?? 0);
  }

  has(key: string): boolean {
    return this.get(key) !== 0;
  }

  /** Store `value` (1–65535) with `key`, replacing what it had. */
  set(key: string, value: number): void {
    if (!(Number.isInteger(value) && value >= 1 && value <= 0xffff))
      throw new RangeError(`HexKeyTable: a value must be an integer in 1..65535, got ${value}`);
    const w = words(key);
    let e = this.index.find(w);
    if (e < 0) {
      e = this.index.add(w);
      this.values = grown(this.values, this.index.capacity);
    }
    this.values[e] = value;
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
