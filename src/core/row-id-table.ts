/**
 * Row ids (id_key values) → the first row that carried each (its split and row index), held in typed arrays
 * (key-slots.ts) instead of a `Map` of the id strings: 4 words of the id's hash, one byte of split number and one
 * 32-bit row index an entry, and 8–16 bytes of slots — about 30–60 bytes an id outside the JS heap, whatever the
 * id's length. A `Map<string, {split, index}>` kept the id string, the entry and an object for every row of the build,
 * all on the heap, which V8 then grew in proportion.
 *
 * An id is stored as the first 128 bits of its sha256, not as text: two different ids share a slot only if their
 * hashes agree in all 128 bits (for a billion distinct ids the chance of any such pair is about 1.5e-21), which
 * would drop a row as `duplicate_id` wrongly. Nothing shorter than 128 bits may be used here.
 */
import { createHash } from 'node:crypto';
import { GadError } from './errors.js';
import { KeySlots, WORDS, grown } from './key-slots.js';

/** Split numbers are stored + 1 in a byte (1–255). */
const MAX_SPLITS = 255;
const MAX_INDEX = 0xffffffff;

/** The first row that carried an id. */
export interface FirstRow {
  split: string;
  index: number;
}

export class RowIdTable {
  private readonly index: KeySlots;
  /** Per entry: the first row's split number + 1, and its index. */
  private splits: Uint8Array;
  private indexes: Uint32Array;
  private readonly splitNames: string[] = [];

  constructor(capacity = 1024) {
    this.index = new KeySlots(capacity);
    this.splits = new Uint8Array(this.index.capacity);
    this.indexes = new Uint32Array(this.index.capacity);
  }

  /** Ids held. */
  get size(): number {
    return this.index.count;
  }

  /** Bytes of the typed arrays (the table's whole memory, but a few fields). */
  get bytes(): number {
    return this.index.bytes + this.splits.byteLength + this.indexes.byteLength;
  }

  /** The first row stored for `id`, or null. */
  get(id: string): FirstRow | null {
    return this.rowAt(this.index.find(hashWords(id)));
  }

  /**
   * Row `index` of `split` carries `id`: store it when the id is new (and return null), else return the first row
   * stored for the id (unchanged).
   */
  claim(id: string, split: string, index: number): FirstRow | null {
    if (!(Number.isInteger(index) && index >= 0 && index <= MAX_INDEX))
      throw new RangeError(`RowIdTable: a row index must be an integer in 0..${MAX_INDEX}, got ${index}`);
    const s = this.splitNumber(split);
    const w = hashWords(id);
    const first = this.rowAt(this.index.find(w));
    if (first) return first;
    const e = this.index.add(w);
    this.splits = grown(this.splits, this.index.capacity);
    this.indexes = grown(this.indexes, this.index.capacity);
    this.splits[e] = s;
    this.indexes[e] = index;
    return null;
  }

  private rowAt(e: number): FirstRow | null {
    if (e < 0) return null;
    const s = this.splits[e] ?? 0;
    return { split: this.splitNames[s - 1] ?? '', index: this.indexes[e] ?? 0 };
  }

  /** The split's stored number (1-based). */
  private splitNumber(split: string): number {
    let n = this.splitNames.indexOf(split);
    if (n < 0) {
      if (this.splitNames.length >= MAX_SPLITS)
        throw new GadError(`more than ${MAX_SPLITS} splits in one build (another: '${split}')`, {
          hint: 'build the splits in groups of at most 255 (one --out each)',
        });
      n = this.splitNames.push(split) - 1;
    }
    return n + 1;
  }
}

const scratch = new Uint32Array(WORDS);

/** The first 128 bits of the id's sha256 (UTF-8), as four 32-bit words (into a shared scratch array). */
function hashWords(id: string): Uint32Array {
  const d = createHash('sha256').update(id, 'utf8').digest();
  for (let k = 0; k < WORDS; k++) scratch[k] = d.readUInt32LE(k * 4);
  return scratch;
}
