/**
 * A `Map<string, number>` read straight from typed arrays (the tokenizer cache's tables), so a cached load does not
 * insert 151k entries one by one (about 0.1 s per table) nor copy the keys into strings. The entries are kept as
 * the source Map iterated them: all keys' UTF-16 code units in one array, their offsets, their values, and an
 * open-addressing hash table over them (FNV-1a of the code units, linear probing, at most two thirds full).
 *
 * `get` and `has` look up the packed table. Every other use (`set`, `delete`, `clear`, iteration) first copies the
 * entries, in their order, into the Map itself and from then on it is a plain Map: a library that reads or changes
 * the table some other way sees exactly the Map it built.
 */

/** The packed form of a Map<string, number>. */
export interface PackedTable {
  /** All keys' UTF-16 code units, concatenated in the Map's order. */
  keys: Uint16Array;
  /** Entry i's key is keys[off[i] .. off[i + 1]). */
  off: Int32Array;
  vals: Int32Array;
  /** A power-of-two table of entry index + 1 (0: empty). */
  slots: Int32Array;
}

/** FNV-1a over the UTF-16 code units (the same on every platform; part of the cache FORMAT). */
export function hashString(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  return h | 0;
}

/** The packed form of `map` (its keys in its order). */
export function packTable(map: Map<string, number>): PackedTable {
  const n = map.size;
  const off = new Int32Array(n + 1);
  const vals = new Int32Array(n);
  let cap = 8;
  while (cap < n + (n >> 1) + 1) cap *= 2; // at most two thirds full
  const slots = new Int32Array(cap);
  let i = 0;
  let o = 0;
  for (const [k, v] of map) {
    if (typeof k !== 'string' || typeof v !== 'number' || !Object.is(v, v | 0))
      throw new Error('not a string → int32 table');
    off[i] = o;
    vals[i] = v;
    let s = hashString(k) & (cap - 1);
    while (slots[s] !== 0) s = (s + 1) & (cap - 1);
    slots[s] = i + 1;
    o += k.length;
    i++;
  }
  off[n] = o;
  const keys = new Uint16Array(o);
  i = 0;
  for (const k of map.keys()) {
    const at = off[i++] ?? 0;
    for (let j = 0; j < k.length; j++) keys[at + j] = k.charCodeAt(j);
  }
  return { keys, off, vals, slots };
}

/** The entry index of `key` in `t`, or -1. Ends on any table (at most one pass over the slots). */
function find(t: PackedTable, key: unknown): number {
  if (typeof key !== 'string') return -1;
  const { slots, off, keys } = t;
  const mask = slots.length - 1;
  const len = key.length;
  const n = t.vals.length;
  for (let s = hashString(key) & mask, probes = 0; probes <= mask; s = (s + 1) & mask, probes++) {
    const e = (slots[s] ?? 0) - 1;
    if (e < 0 || e >= n) return -1;
    const a = off[e] ?? 0;
    if ((off[e + 1] ?? 0) - a !== len) continue;
    let j = 0;
    while (j < len && keys[a + j] === key.charCodeAt(j)) j++;
    if (j === len) return e;
  }
  return -1;
}

/** All keys as one string (a copy; sliced per entry). */
function keyText(t: PackedTable): string {
  return Buffer.from(t.keys.buffer, t.keys.byteOffset, t.keys.byteLength).toString('utf16le');
}

export class PackedMap extends Map<string, number> {
  #t: PackedTable | null;

  constructor(table: PackedTable) {
    super();
    this.#t = table;
  }

  /** The packed entries moved into the Map itself (once); every use but get/has goes through it. */
  #plain(): this {
    const t = this.#t;
    if (t) {
      this.#t = null;
      const text = keyText(t);
      const { off } = t;
      t.vals.forEach((v, i) => super.set(text.slice(off[i], off[i + 1]), v));
    }
    return this;
  }

  override get(key: string): number | undefined {
    const t = this.#t;
    if (!t) return super.get(key);
    const e = find(t, key);
    return e < 0 ? undefined : t.vals[e];
  }

  override has(key: string): boolean {
    const t = this.#t;
    return t ? find(t, key) >= 0 : super.has(key);
  }

  override set(key: string, value: number): this {
    this.#plain();
    return super.set(key, value);
  }

  override delete(key: string): boolean {
    this.#plain();
    return super.delete(key);
  }

  override clear(): void {
    this.#t = null;
    super.clear();
  }

  override get size(): number {
    const t = this.#t;
    return t ? t.vals.length : super.size;
  }

  override forEach(fn: (value: number, key: string, map: Map<string, number>) => void, thisArg?: unknown): void {
    this.#plain();
    super.forEach(fn, thisArg);
  }

  override keys(): MapIterator<string> {
    return this.#plain() && super.keys();
  }

  override values(): MapIterator<number> {
    return this.#plain() && super.values();
  }

  override entries(): MapIterator<[string, number]> {
    return this.#plain() && super.entries();
  }

  override [Symbol.iterator](): MapIterator<[string, number]> {
    return this.#plain() && super[Symbol.iterator]();
  }

  /** The longest key's length in UTF-16 units (0 when empty), without copying the entries. */
  maxKeyLength(): number {
    const t = this.#t;
    let max = 0;
    if (!t) {
      for (const k of super.keys()) if (k.length > max) max = k.length;
      return max;
    }
    const { off } = t;
    for (let i = 1, prev = 0; i < off.length; i++) {
      const o = off[i] ?? 0;
      if (o - prev > max) max = o - prev;
      prev = o;
    }
    return max;
  }

  /** `id → key` for every entry, later entries winning (as filling an array from the Map's iteration does). */
  keysById(length: number): string[] {
    const out = new Array<string>(length);
    const t = this.#t;
    if (!t) {
      for (const [k, v] of super.entries()) out[v] = k;
      return out;
    }
    const text = keyText(t);
    const { off } = t;
    t.vals.forEach((v, i) => (out[v] = text.slice(off[i], off[i + 1])));
    return out;
  }
}
