/**
 * The original of an image the build shrank or converted, read back from its source (originals.jsonl names the
 * source folder and the file inside it; see src/pipeline/originals.ts). The file is read only when its real path,
 * after `..` and symlinks, is still inside that folder, and shown only when its sha256 is the one the build read;
 * otherwise the page says why it is not available.
 */
import { createHash } from 'node:crypto';
import { existsSync, realpathSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { packagePath } from '../core/paths.js';
import { esc, href, size, type PageCtx } from './page-shell.js';
import { JsonlIndex } from './jsonl-index.js';
import type { OriginalImage } from '../pipeline/originals.js';
import { insideRoot } from './safe-path.js';
import type { ViewSource, ViewSplit } from './source.js';

const indexes = new WeakMap<ViewSource, JsonlIndex>();

function indexOf(src: ViewSource): JsonlIndex | null {
  if (!src.root) return null;
  let idx = indexes.get(src);
  if (!idx) {
    idx = new JsonlIndex(join(src.root, 'originals.jsonl'), { numbers: ['index'], categories: ['split'] });
    indexes.set(src, idx);
  }
  return idx;
}

/** The originals of the row with this lengths.jsonl record (split and index), or [] when none was changed. */
export async function originalsOf(src: ViewSource, rec: Record<string, unknown>): Promise<OriginalImage[]> {
  const idx = indexOf(src);
  if (!idx || typeof rec.index !== 'number') return [];
  await idx.finished;
  const split = idx.values.split!.indexOf(String(rec.split));
  if (split < 0) return [];
  const index = idx.numbers.index!;
  const codes = idx.codes.split!;
  for (let i = 0; i < idx.count; i++) {
    if (index[i] !== rec.index || codes[i] !== split) continue;
    const line = await idx.read(i);
    if (line.id === rec.id) return (line.images as OriginalImage[]) ?? [];
  }
  return [];
}

/** The source folder as the viewer finds it: `<gad-data>/…` in this package, else relative to the build folder. */
function rootOf(src: ViewSource, root: string): string {
  return root.startsWith('<gad-data>/') ? packagePath(root.slice('<gad-data>/'.length)) : resolve(src.root!, root);
}

/** The original's bytes, or why they cannot be shown. */
export async function readOriginal(src: ViewSource, im: OriginalImage): Promise<{ bytes: Buffer } | { why: string }> {
  if (im.unavailable || !im.root || !im.path) return { why: im.unavailable ?? 'originals.jsonl names no file' };
  const dir = rootOf(src, im.root);
  const shown = `${im.root}/${im.path}`;
  let real: string;
  try {
    real = realpathSync(dir);
  } catch {
    return { why: `the source folder ${im.root} is not there any more (relative to the build folder)` };
  }
  const file = insideRoot(real, im.path);
  if (!file)
    return {
      why: existsSync(resolve(real, im.path))
        ? `${shown} now leads outside ${im.root} (a symlink): not read`
        : `${shown} is not there any more`,
    };
  const bytes = await readFile(file);
  if (createHash('sha256').update(bytes).digest('hex') !== im.sha256)
    return { why: `${shown} changed since the build (its sha256 is not the one the build read)` };
  return { bytes };
}

/** The figures of a row page for its changed images: the original beside the stored one, or why it is not shown. */
export async function originalFigures(
  ctx: PageCtx,
  src: ViewSource,
  split: ViewSplit,
  n: number,
  rec: Record<string, unknown> | null,
): Promise<string[]> {
  if (!rec) return [];
  const out: string[] = [];
  for (const im of await originalsOf(src, rec)) {
    const what = `original ${im.image} (before the build: ${size(im.size)}, stored ${size(im.stored)})`;
    const got = await readOriginal(src, im);
    if ('why' in got) {
      out.push(
        `<figure class="original-missing" id="original-${im.image}"><figcaption>${esc(what)}<br><span class="reason">original not available: ${esc(got.why)}</span></figcaption></figure>`,
      );
      continue;
    }
    const url = href(ctx, '/original', { split: split.name, n, i: im.image });
    out.push(
      `<figure><img id="original-${im.image}" src="${esc(url)}" width="${im.size[0]}" height="${im.size[1]}" alt="original image ${im.image}"><figcaption>${esc(what)} · ${esc(`${im.root}/${im.path}`)}</figcaption></figure>`,
    );
  }
  return out;
}
