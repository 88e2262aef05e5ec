/**
 * Image cells in the forms met in practice, turned into `ImageRef`s:
 * `list<struct<bytes, path>>` (HF Image feature, verl), a single struct, raw bytes, a path string,
 * a struct with `bytes = null` and a path, a data: URI, and a separate `list<binary>` column beside
 * a path column (data-juicer's `image_bytes`, mapped explicitly).
 *
 * Path policy (containment): a relative path is resolved against `image_dir` (or, for jsonl/json sources
 * without one, the file's folder) and must not leave it with `..`. The file a path finally names (symlinks
 * followed: its realpath) must lie inside an allowed root: `image_dir` when set, else the data file's folder;
 * and the Hub cache folder of the repo the data came from. Otherwise the row is an `image_outside_root` drop (the rest
 * of the data still builds), unless the user opted in with `allow_outside_paths`. Whether the file exists is
 * not checked here: format reads `resolvedPath` (the realpath when the file exists) and reports a missing file.
 */
import { realpathSync } from 'node:fs';
import { isAbsolute, relative, resolve, sep } from 'node:path';
import type { Drop, ImageRef } from '../core/types.js';
import { GadError } from '../core/errors.js';
import { JsonNumber } from './json-numbers.js';
import type { RealPath } from './real-path.js';
import { isObject, isRecord } from '../core/guards.js';

export interface ImageContext {
  /** Absolute image_dir, when configured. */
  imageDir: string | null;
  /** Fallback root for relative paths when imageDir is not set (the jsonl's folder); null = none (parquet). */
  baseDir: string | null;
  /** Name of the source, for messages. */
  where: string;
  /** Config key names for messages. */
  imageKey: string;
  /** Further folders image files may resolve into (absolute): the parquet file's folder when there is no image_dir, the Hub cache folder of its repo. */
  roots?: string[];
  /** Follow paths that lead outside the allowed roots (`allow_outside_paths`). Default false. */
  allowOutside?: boolean;
  /** The realpath of a file, one `realpath` per folder (real-path.ts); default: `realpathSync` per file. */
  realPath?: RealPath;
  /** An absolute path outside the roots is read when this says yes of its file (symlinks followed): the input format's rule. */
  acceptOutside?: (realPath: string) => boolean;
}

export type ImagesResult = { images: ImageRef[] } | { drop: Drop };

function toBytes(v: unknown): Uint8Array | null {
  if (v instanceof Uint8Array) return v;
  if (v instanceof ArrayBuffer) return new Uint8Array(v);
  if (typeof v === 'string') {
    const m = /^data:[^;,]*(;base64)?,/.exec(v);
    if (m)
      return m[1]
        ? new Uint8Array(Buffer.from(v.slice(m[0].length), 'base64'))
        : new Uint8Array(Buffer.from(decodeURIComponent(v.slice(m[0].length)), 'latin1'));
    // JSON sources may hold bytes as base64 text
    if (v.length >= 16 && /^[A-Za-z0-9+/]+={0,2}$/.test(v.slice(0, 4096)))
      return new Uint8Array(Buffer.from(v, 'base64'));
    return null;
  }
  if (Array.isArray(v) && v.every((x) => typeof x === 'number')) return Uint8Array.from(v);
  if (isObject(v) && v.type === 'Buffer' && Array.isArray(v.data)) return Uint8Array.from(v.data);
  return null;
}

function isDataUri(s: string): boolean {
  return s.startsWith('data:');
}

function within(root: string, p: string): boolean {
  if (isPlainPath(root) && isPlainPath(p)) return p === root || p.startsWith(root + '/');
  const r = relative(root, p);
  return r === '' || (!r.startsWith('..' + sep) && r !== '..' && !isAbsolute(r));
}

/** `.`, `..` or an empty name as a path segment, or a trailing slash. */
const UNNORMAL = /\/\.{0,2}(?:\/|$)/;

/**
 * A POSIX path that is absolute and normalised (as `resolve` and `realpath` give them): below another such path
 * exactly when it starts with that path and a slash, which is what `relative` finds with more work.
 */
function isPlainPath(p: string): boolean {
  return sep === '/' && p.startsWith('/') && !UNNORMAL.test(p);
}

/** realpath of an existing path; null when it (or a link on the way) does not exist. */
function realOrNull(p: string): string | null {
  try {
    return realpathSync(p);
  } catch {
    return null;
  }
}

/** Roots as given and as realpaths (a root reached through a symlinked folder still contains its files). */
const realRoots = new Map<string, string>();
function rootForms(root: string): string[] {
  let real = realRoots.get(root);
  if (real === undefined) {
    real = realOrNull(root) ?? root;
    realRoots.set(root, real);
  }
  return real === root ? [root] : [root, real];
}

/** The drop for a path leading outside the roots; `how(root)` says how, e.g. `is absolute and outside ${root}`. */
function outside(written: string, ctx: ImageContext, how: (root: string) => string): { drop: Drop } {
  const root = ctx.imageDir
    ? `image_dir ${ctx.imageDir}`
    : ctx.baseDir
      ? `the data file's folder ${ctx.baseDir}`
      : "the data file's folder";
  return {
    drop: {
      reason: 'image_outside_root',
      detail: `image path '${written}' ${how(root)}; it was not read (pass --allow-outside-paths, allow_outside_paths: true, to read such paths)`,
      value: written,
    },
  };
}

/**
 * Resolve a path-only image; a Drop when it leads outside the allowed roots (lexically or through a symlink).
 * Throws when there is no root for a relative path.
 */
function resolvePath(path: string, ctx: ImageContext): { resolvedPath: string } | { drop: Drop } {
  const p = path.startsWith('file://') ? path.slice('file://'.length) : path;
  let lexical: string;
  if (isAbsolute(p)) {
    lexical = resolve(p);
  } else {
    const root = ctx.imageDir ?? ctx.baseDir;
    if (!root) {
      throw new GadError(
        `images in ${ctx.where} are paths without bytes (e.g. '${p}'), relative to a folder that is not known`,
        {
          hint: 'set image_dir to the folder these paths are relative to (trainers need the bytes; ingest reads them from there)',
        },
      );
    }
    lexical = resolve(root, p);
    if (!ctx.allowOutside && !within(root, lexical)) return outside(path, ctx, (root) => `escapes ${root} with '..'`);
  }
  if (ctx.allowOutside) return { resolvedPath: lexical };
  const real = (ctx.realPath ?? realOrNull)(lexical);
  const target = real ?? lexical;
  const roots = [ctx.imageDir ?? ctx.baseDir, ...(ctx.roots ?? [])].filter((r): r is string => !!r);
  const inRoots = roots.some((r) => rootForms(r).some((f) => within(f, target)));
  if (!inRoots && !(isAbsolute(p) && ctx.acceptOutside?.(target))) {
    const how =
      real !== null && real !== lexical
        ? 'is a symlink leading outside'
        : isAbsolute(p)
          ? 'is absolute and outside'
          : 'leads outside';
    return outside(path, ctx, (root) => `${how} ${root}`);
  }
  return { resolvedPath: target };
}

/** An image named by a string: a `data:` URI's bytes, else a path resolved against the allowed roots (or its drop). */
function pathImage(path: string, ctx: ImageContext): { image: ImageRef } | { drop: Drop } {
  if (isDataUri(path)) {
    const d = toBytes(path);
    if (d) return { image: { bytes: d, path: null, resolvedPath: null } };
  }
  const r = resolvePath(path, ctx);
  if ('drop' in r) return r;
  return { image: { bytes: null, path, resolvedPath: r.resolvedPath } };
}

function oneImage(v: unknown, ctx: ImageContext): { image: ImageRef } | { drop: Drop } | null {
  if (v === null || v === undefined) return null;
  const b = v instanceof Uint8Array || v instanceof ArrayBuffer ? toBytes(v) : null;
  if (b) return { image: { bytes: b, path: null, resolvedPath: null } };
  if (typeof v === 'string') {
    if (!v) return null;
    return pathImage(v, ctx);
  }
  if (v instanceof JsonNumber)
    return { drop: { reason: 'bad_row', detail: `column ${ctx.imageKey} holds a number (${v.text}), not an image` } };
  if (isRecord(v)) {
    const o = v;
    const rawBytes = o.bytes ?? o.image_bytes ?? null;
    const rawPath = o.path ?? o.image_path ?? o.image ?? o.url ?? null;
    const path = typeof rawPath === 'string' && rawPath ? rawPath : null;
    if (rawBytes !== null && rawBytes !== undefined) {
      const bytes = toBytes(rawBytes);
      if (!bytes)
        return { drop: { reason: 'bad_row', detail: `image bytes in column ${ctx.imageKey} are not binary` } };
      return { image: { bytes, path, resolvedPath: null } };
    }
    if (path) return pathImage(path, ctx);
    return { drop: { reason: 'bad_row', detail: `an image in column ${ctx.imageKey} has neither bytes nor path` } };
  }
  return { drop: { reason: 'bad_row', detail: `column ${ctx.imageKey} holds a ${typeof v}, not an image` } };
}

/** Images of one row from its image cell (and the mapped bytes column, if any). */
export function readImageCell(cell: unknown, ctx: ImageContext, bytesCell?: unknown): ImagesResult {
  if (bytesCell !== undefined) {
    const blist = bytesCell === null ? [] : Array.isArray(bytesCell) ? bytesCell : [bytesCell];
    const plist = cell === null || cell === undefined ? [] : Array.isArray(cell) ? cell : [cell];
    if (plist.length && plist.length !== blist.length) {
      return {
        drop: {
          reason: 'bad_row',
          detail: `${plist.length} image paths but ${blist.length} image bytes`,
          value: blist.length,
          limit: plist.length,
        },
      };
    }
    const images: ImageRef[] = [];
    for (let i = 0; i < blist.length; i++) {
      const bytes = toBytes(blist[i]);
      const p = plist[i];
      const path = typeof p === 'string' && p ? p : null;
      if (!bytes) {
        if (path) {
          const r = resolvePath(path, ctx);
          if ('drop' in r) return r;
          images.push({ bytes: null, path, resolvedPath: r.resolvedPath });
          continue;
        }
        return { drop: { reason: 'bad_row', detail: `image ${i} has no bytes and no path`, image: i } };
      }
      images.push({ bytes, path, resolvedPath: null });
    }
    return { images };
  }
  if (cell === null || cell === undefined) return { images: [] };
  // An empty list is a row without images (not a 0-byte image given as a list of numbers: `[].every` is true).
  if (Array.isArray(cell) && cell.length === 0) return { images: [] };
  const list = Array.isArray(cell) && !cell.every((x) => typeof x === 'number') ? cell : [cell];
  const images: ImageRef[] = [];
  for (let i = 0; i < list.length; i++) {
    const r = oneImage(list[i], ctx);
    if (r === null) {
      // A single empty cell is a row without an image; an empty entry in a list is not (the trainers fail on it).
      if (list !== cell) continue;
      const what = list[i] === '' ? "''" : 'null';
      return {
        drop: {
          reason: 'bad_row',
          detail: `image ${i} of ${list.length} in column ${ctx.imageKey} is empty (${what})`,
          image: i,
        },
      };
    }
    if ('drop' in r) return { drop: { ...r.drop, image: i } };
    images.push(r.image);
  }
  return { images };
}
