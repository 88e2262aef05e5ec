/** A row as JSON: cells as they decode (int64 as numbers when exact, else strings; bytes as base64). */
import { lengthRecord, readRow, type ViewSource, type ViewSplit } from './source.js';

export function cellJson(v: unknown): unknown {
  if (typeof v === 'bigint') return Number.isSafeInteger(Number(v)) ? Number(v) : v.toString();
  if (v instanceof Uint8Array) return { base64: Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('base64') };
  if (Array.isArray(v)) return v.map(cellJson);
  if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, cellJson(x)]));
  return v;
}

export async function rowJson(src: ViewSource, split: ViewSplit, n: number): Promise<unknown> {
  const row = await readRow(split, n, undefined, true);
  return {
    split: split.name,
    row: n,
    ...(src.kind === 'build' ? { lengths: await lengthRecord(src, split, n) } : {}),
    cells: cellJson(row),
  };
}
