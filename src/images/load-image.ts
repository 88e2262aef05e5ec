/**
 * One path-only image loaded for the build: its file read (readImageFile: the same drops for a missing, unreadable
 * or non-file path), its sha256 (the processed-image cache key and the image's recorded hash) and, when it is read
 * in a worker thread, the PNG check's verdict on its bytes (png-check.ts; the full inflate of the image data, the
 * largest per-image cost of a passed-through PNG). The worker (image-load-worker.ts) runs `loadImageWork` itself;
 * the main thread runs it without the check, which then happens when the image is written, as before.
 */
import type { Drop } from '../core/types.js';
import { sha256 } from '../core/hash.js';
import { readImageFile } from './read-image-file.js';
import { type PngCheck, checkPng } from './png-check.js';

export type LoadedImage =
  | {
      ok: true;
      bytes: Uint8Array;
      stat: { size: number; mtimeMs: number };
      sha256: string;
      /** checkPng's verdict on `bytes`, when it was computed with the read (undefined: not computed). */
      png?: PngCheck;
    }
  | { ok: false; drop: Drop };

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

/** The bytes start with the PNG signature. */
export function looksLikePng(bytes: Uint8Array): boolean {
  return bytes.byteLength >= 8 && PNG_SIGNATURE.every((v, i) => bytes[i] === v);
}

/** Read and hash one image file; with `checkPngData`, also run the PNG check on a PNG's bytes. */
export async function loadImageWork(path: string, checkPngData: boolean): Promise<LoadedImage> {
  const r = await readImageFile(path);
  if (!r.ok) return r;
  const loaded: LoadedImage = { ok: true, bytes: r.bytes, stat: r.stat, sha256: sha256(r.bytes) };
  if (checkPngData && looksLikePng(r.bytes)) loaded.png = checkPng(r.bytes);
  return loaded;
}
