/**
 * The PNG check's verdict computed ahead, off the writing path: the image loader's worker threads (image-load-pool.ts)
 * run checkPng on the bytes they read, and the verdict is remembered here against those very bytes (the same
 * Uint8Array object reaches writeImageBytes), so the main thread does not inflate the image data again. Bytes with no
 * verdict remembered are checked on the spot, as before; either way the verdict is checkPng's on the same bytes.
 */
import { type PngCheck, checkPng } from './png-check.js';

const known = new WeakMap<Uint8Array, PngCheck>();

/** Remember `check` as checkPng's verdict on `bytes` (computed elsewhere on the same bytes). */
export function rememberPngCheck(bytes: Uint8Array, check: PngCheck): void {
  known.set(bytes, check);
}

/** Whether a verdict is remembered for these bytes. */
export function hasPngCheck(bytes: Uint8Array): boolean {
  return known.has(bytes);
}

/** checkPng's verdict on `bytes`: the one remembered, else checked now. */
export function checkPngOnce(bytes: Uint8Array): PngCheck {
  if (known.has(bytes)) return known.get(bytes) ?? null;
  return checkPng(bytes);
}
