/**
 * An image file read for a path-only image (read-whole-file.ts), every problem a Drop: a missing file, a path that
 * is not a file, one over `maxBytes`, a read error. Kept apart from image-input.ts (which needs sharp) so the image
 * loader's worker threads (image-load-pool.ts) run it without loading sharp.
 */
import type { Drop } from '../core/types.js';
import { describeError } from '../core/errors.js';
import { errnoCode } from '../core/guards.js';
import { readWholeFile } from './read-whole-file.js';

/** Read an image file for a path-only image; a missing or unreadable file becomes a Drop. */
export async function readImageFile(
  path: string,
  opts: { maxBytes?: number } = {},
): Promise<{ ok: true; bytes: Uint8Array; stat: { size: number; mtimeMs: number } } | { ok: false; drop: Drop }> {
  try {
    const r = await readWholeFile(path, opts.maxBytes);
    const st = r.stat;
    if (r.kind === 'not-file') {
      return {
        ok: false,
        drop: { reason: 'image_undecodable', detail: `image path is not a file: ${path}`, value: path, limit: null },
      };
    }
    if (r.kind === 'too-large') {
      return {
        ok: false,
        drop: {
          reason: 'image_too_large',
          detail: `image file ${path} has ${st.size} bytes, more than the limit ${opts.maxBytes}`,
          value: st.size,
          limit: opts.maxBytes,
        },
      };
    }
    return { ok: true, bytes: r.bytes, stat: { size: st.size, mtimeMs: st.mtimeMs } };
  } catch (e) {
    const code = errnoCode(e);
    const detail =
      code === 'ENOENT'
        ? `image file not found: ${path} (check image_dir and the path column)`
        : `cannot read image file ${path}: ${describeError(e)}`;
    return { ok: false, drop: { reason: 'image_undecodable', detail, value: path, limit: null } };
  }
}
