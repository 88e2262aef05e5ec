/**
 * What a part records of each row it formatted, and how a row comes back in the merge: the formatted `Sample`
 * exactly as the part's format step left it (before the filters), without image bytes — the original bytes
 * are not needed again, and the written (resized) bytes of a kept row are read back from the part's shards.
 */
import { serialize, deserialize } from 'node:v8';
import type { Sample } from '../core/types.js';
import { JsonNumber } from '../ingest/json-numbers.js';
import { isRecord } from '../core/guards.js';

/** Stands for image bytes left out of the record (non-empty refs stay truthy, as `ImageRef.bytes` tests it). */
const NO_BYTES = new Uint8Array(0);
const TAG = '\u0000gad-data:JsonNumber';

/** One row of a part's `rows.bin`, in input order. */
export interface RowFrame {
  /** Which input split was being read (index into the build's input splits), and the row's position in it. */
  loop: number;
  seq: number;
  id: string;
  split: string;
  /** Position of the row among the part's kept rows of `split` (its row in the part's shards), or -1: dropped there. */
  kept: number;
  /** The serialized sample (see encodeSample). */
  body: Uint8Array;
  /** sha256 of each written image (the bytes in the part's shards, which the merge copies and checks). */
  imageSha256: string[];
}

/** Class instances (JSON numbers kept as written) → tagged plain values, so they survive serialization. */
function tag(v: unknown): unknown {
  if (v instanceof JsonNumber) return { [TAG]: [v.source, v.text, v.isInt] };
  if (Array.isArray(v)) return v.map(tag);
  if (v && typeof v === 'object' && Object.getPrototypeOf(v) === Object.prototype) {
    const o: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) o[k] = tag(x);
    return o;
  }
  return v;
}

/** A tagged JSON number: [source, text, isInt]. */
function isTag(t: unknown): t is [string, string, boolean] {
  return Array.isArray(t) && typeof t[0] === 'string' && typeof t[1] === 'string' && typeof t[2] === 'boolean';
}

function untag(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(untag);
  if (isRecord(v) && Object.getPrototypeOf(v) === Object.prototype) {
    const t = v[TAG];
    if (isTag(t)) return new JsonNumber(t[0], t[1], t[2]);
    const o: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) o[k] = untag(x);
    return o;
  }
  return v;
}

/** The sample, serialized now (later changes to it are not recorded), without image bytes. */
export function encodeSample(sample: Sample): Uint8Array {
  const f = sample.formatted;
  const light: Sample = {
    ...sample,
    images: sample.images.map((r) => ({ ...r, bytes: r.bytes ? NO_BYTES : null })),
    ...(f ? { formatted: { ...f, images: f.images.map((im) => ({ ...im, bytes: NO_BYTES })) } } : {}),
  };
  return serialize(tag(light));
}

export function decodeSample(body: Uint8Array): Sample {
  return untag(deserialize(body)) as Sample;
}
