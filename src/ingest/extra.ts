/** JSON-safe values: `Sample.extra` (the columns a build does not use, when small) and a non-text answer as JSON. */
import { stringify as losslessStringify } from 'lossless-json';
import { JsonNumber } from './json-numbers.js';

/** Longest value (as JSON text) kept in `Sample.extra`. */
const EXTRA_MAX_CHARS = 16384;

const JSON_NUMBER_TEXT = {
  test: (v: unknown) => v instanceof JsonNumber,
  stringify: (v: unknown) => (v instanceof JsonNumber ? v.source : String(v)),
};

function jsonSafe(v: unknown, depth = 0): { ok: true; value: unknown } | { ok: false } {
  if (v === null || v === undefined) return { ok: true, value: null };
  if (typeof v === 'string' || typeof v === 'boolean' || v instanceof JsonNumber) return { ok: true, value: v };
  if (typeof v === 'number') return { ok: true, value: Number.isFinite(v) ? v : null };
  if (typeof v === 'bigint')
    return {
      ok: true,
      value: v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v.toString(),
    };
  if (v instanceof Date) return { ok: true, value: v.toISOString() };
  if (v instanceof Uint8Array || depth > 8) return { ok: false };
  if (Array.isArray(v)) {
    const out: unknown[] = [];
    for (const x of v) {
      const r = jsonSafe(x, depth + 1);
      if (!r.ok) return r;
      out.push(r.value);
    }
    return { ok: true, value: out };
  }
  if (typeof v === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) {
      const r = jsonSafe(x, depth + 1);
      if (!r.ok) return r;
      out[k] = r.value;
    }
    return { ok: true, value: out };
  }
  return { ok: false };
}

/** A value that is not text (a list, a struct) as JSON text, numbers as written; null when it cannot be JSON. */
export function jsonText(v: unknown): string | null {
  const j = jsonSafe(v);
  // Numbers inside keep their text as written (lossless-json writes a JsonNumber's source).
  return j.ok ? (losslessStringify(j.value, null, undefined, [JSON_NUMBER_TEXT]) ?? null) : null;
}

/** extra: pass-through of the columns not in `used`, when small and JSON-serialisable (else a warning, once). */
export function extraValues(p: {
  row: Record<string, unknown>;
  used: Set<string>;
  /** The data file, as named in warnings. */
  where: string;
  warnOnce: (key: string, m: string) => void;
}): Record<string, unknown> {
  const extra: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(p.row)) {
    if (p.used.has(k)) continue;
    const r = jsonSafe(v);
    if (!r.ok) {
      p.warnOnce(`extra:${k}`, `${p.where}: column '${k}' holds binary data and is not passed through`);
      continue;
    }
    if (
      typeof r.value === 'string' ? r.value.length > EXTRA_MAX_CHARS : JSON.stringify(r.value).length > EXTRA_MAX_CHARS
    ) {
      p.warnOnce(
        `extra:${k}`,
        `${p.where}: column '${k}' has values over ${EXTRA_MAX_CHARS} characters and is not passed through`,
      );
      continue;
    }
    extra[k] = r.value;
  }
  return extra;
}
