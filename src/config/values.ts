/**
 * The value types config keys share (a count, a byte size, a list of source specs), with the messages they
 * give. One rule each, for gad-data.yaml and for the flags (see `flagParser`).
 */
import { z } from 'zod';

/** A list or a single string (EasyR1 writes `train_files: hiyouga/geometry3k@train`). */
export const files = z.union([z.string().min(1), z.array(z.string().min(1)).min(1)]);
const shown = (v: unknown) => (typeof v === 'string' ? JSON.stringify(v) : v === undefined ? 'nothing' : String(v));
const countRule = (i: { input?: unknown }) => `takes a whole number of 1 or more, got ${shown(i.input)}`;
/** A count (a token length, pixels, ...): one rule, one message, for gad-data.yaml and the flags (see `flagParser`). */
export const posInt = z.number({ error: countRule }).int({ error: countRule }).positive({ error: countRule });
export const pixels = posInt.nullable();

/** Byte sizes as numbers or strings such as `500MB`, `1.5GB`, `200 MiB`. */
export const byteSize = z.union([
  z.number().int().positive(),
  z.string().transform((s, ctx) => {
    const n = parseByteSize(s);
    if (n === null) {
      ctx.addIssue({ code: 'custom', message: `not a size: "${s}" (write e.g. 500MB, 2GB or a number of bytes)` });
      return z.NEVER;
    }
    return n;
  }),
]);

export function parseByteSize(s: string): number | null {
  const m = /^\s*(\d+(?:\.\d+)?)\s*([kmgt]?i?b?)?\s*$/i.exec(s);
  if (!m) return null;
  const unit = (m[2] ?? '').toLowerCase().replace(/b$/, '');
  const pow = { '': 0, k: 1, m: 2, g: 3, t: 4, ki: 1, mi: 2, gi: 3, ti: 4 }[unit];
  if (pow === undefined) return null;
  const base = unit.endsWith('i') ? 1024 : 1000;
  return Math.round(Number(m[1]) * base ** pow);
}

export { numberFlag } from './number-flag.js';
