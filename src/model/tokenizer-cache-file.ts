/**
 * The bytes of a tokenizer cache file (tokenizer-cache.ts): `sha256(body) ‖ body`, where body is
 *
 *   "gad-tok\\0" (8 bytes) ‖ u32 header length ‖ header (JSON) ‖ zero padding to 8 ‖ the tables' arrays
 *
 * and each table (packed-map.ts) is its keys' UTF-16 code units (uint16), then `off`, `vals`, `slots` (int32), in
 * this machine's byte order (the byte order is part of the cache key), each padded to 8 bytes. The header gives every
 * table's entry count, key length and slot count; a file whose sizes do not add up is not read.
 */
import { createHash } from 'node:crypto';
import type { PackedTable } from './packed-map.js';
import { isRecord } from '../core/guards.js';

const MAGIC = Buffer.from('gad-tok\0', 'latin1');

/** What a cache file holds besides the tables. */
export interface CacheHeader {
  key: string;
  /** tokenizer.json without model.vocab and model.merges. */
  rest: string;
  unkTokenId: number | null;
  vocabSize: number;
}

interface TableShape {
  n: number;
  chars: number;
  cap: number;
}

const pad8 = (n: number) => (n + 7) & ~7;

function arrayBytes(a: Int32Array | Uint16Array): Buffer {
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength);
}

/** The file's bytes for `header` and `tables`. */
export function encodeCacheFile(header: CacheHeader, tables: PackedTable[]): Buffer {
  const shapes: TableShape[] = tables.map((t) => ({ n: t.vals.length, chars: t.keys.length, cap: t.slots.length }));
  const head = Buffer.from(JSON.stringify({ ...header, tables: shapes }), 'utf8');
  const len = Buffer.alloc(4);
  len.writeUInt32LE(head.length);
  const parts: Buffer[] = [MAGIC, len, head];
  let size = MAGIC.length + 4 + head.length;
  const push = (b: Buffer) => {
    if (size % 8 !== 0) {
      parts.push(Buffer.alloc(pad8(size) - size));
      size = pad8(size);
    }
    parts.push(b);
    size += b.length;
  };
  for (const t of tables) {
    for (const a of [t.keys, t.off, t.vals, t.slots]) push(arrayBytes(a));
  }
  const body = Buffer.concat(parts);
  return Buffer.concat([createHash('sha256').update(body).digest(), body]);
}

function isShape(v: unknown): v is TableShape {
  return (
    isRecord(v) &&
    [v.n, v.chars, v.cap].every((x) => typeof x === 'number' && Number.isSafeInteger(x) && x >= 0) &&
    (v.cap as number) > (v.n as number) &&
    ((v.cap as number) & ((v.cap as number) - 1)) === 0
  );
}

/** The header and tables of a file's bytes, or null when they are not a whole, undamaged cache file. */
export function decodeCacheFile(
  file: Uint8Array,
  tableCount: number,
): { header: CacheHeader; tables: PackedTable[] } | null {
  if (file.length < 32 + MAGIC.length + 4) return null;
  // int32 views need a 4-aligned offset: a copy when the bytes do not start on one (they do from readFileSync)
  const bytes = file.byteOffset % 8 === 0 ? file : new Uint8Array(file);
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length);
  const body = buf.subarray(32);
  if (!createHash('sha256').update(body).digest().equals(buf.subarray(0, 32))) return null;
  if (!body.subarray(0, MAGIC.length).equals(MAGIC)) return null;
  const headLen = body.readUInt32LE(MAGIC.length);
  let pos = MAGIC.length + 4 + headLen;
  if (pos > body.length) return null;
  let h: unknown;
  try {
    h = JSON.parse(body.toString('utf8', MAGIC.length + 4, pos));
  } catch {
    return null;
  }
  if (!isRecord(h) || typeof h.key !== 'string' || typeof h.rest !== 'string' || typeof h.vocabSize !== 'number')
    return null;
  if (h.unkTokenId !== null && typeof h.unkTokenId !== 'number') return null;
  const shapes = h.tables;
  if (!Array.isArray(shapes) || shapes.length !== tableCount || !shapes.every(isShape)) return null;
  const start = 32 + bytes.byteOffset; // body offset within the ArrayBuffer
  const take = (byteLength: number): number | null => {
    pos = pad8(pos);
    const at = pos;
    pos += byteLength;
    return pos <= body.length ? at : null;
  };
  const ints = (count: number): Int32Array | null => {
    const at = take(count * 4);
    return at === null ? null : new Int32Array(bytes.buffer, start + at, count);
  };
  const tables: PackedTable[] = [];
  for (const s of shapes) {
    const k = take(s.chars * 2);
    if (k === null) return null;
    const keys = new Uint16Array(bytes.buffer, start + k, s.chars);
    const off = ints(s.n + 1);
    const vals = ints(s.n);
    const slots = ints(s.cap);
    if (!off || !vals || !slots || off[0] !== 0 || off[s.n] !== s.chars) return null;
    tables.push({ keys, off, vals, slots });
  }
  if (pos !== body.length) return null;
  const header: CacheHeader = { key: h.key, rest: h.rest, unkTokenId: h.unkTokenId, vocabSize: h.vocabSize };
  return { header, tables };
}
