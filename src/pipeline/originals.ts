/**
 * originals.jsonl: where each image the build changed (shrank or converted: its bytes are not the source's) came
 * from, so `gad-data view` can show the original beside the stored image. The build keeps no copy of the original
 * bytes; a line names, per changed image of a kept row, the source folder the build allowed it in (image_dir, or
 * the data file's folder: the containment root) and its path inside that folder, with the original's size, byte
 * count and sha256. An image whose bytes were embedded in the source rows (parquet, Hub) has no file to name:
 * its line says so (`unavailable`).
 *
 * The folder is written as `<gad-data>/…` when it is inside this package (the bundled sample), else relative to
 * the build folder (`../data/images`, `/`-separated) when both are inside the working directory; a folder
 * elsewhere is not named (no machine path is written: the line says so). A rebuild into the same folder writes
 * the same bytes; the line is part of the row's journal note, so a resumed build writes what a fresh one does.
 */
import { realpathSync } from 'node:fs';
import { dirname, isAbsolute, relative, resolve, sep } from 'node:path';
import { packageRoot } from '../core/paths.js';
import type { Manifest, Sample } from '../core/types.js';
import type { ResolvedConfig } from '../config/config.js';

export const ORIGINALS_FILE = 'originals.jsonl';

export interface OriginalImage {
  /** Index of the image in the row's image list. */
  image: number;
  /** The source folder (`<gad-data>/…` or relative to the build folder); absent when the bytes were embedded. */
  root?: string;
  /** The file inside `root` (`/`-separated). */
  path?: string;
  /** Why there is no file to read back (the bytes were embedded in the source row, ...). */
  unavailable?: string;
  /** The original's byte count and sha256 (of its bytes as read), and its size after EXIF orientation. */
  bytes: number;
  sha256: string;
  size: [number, number];
  /** The size stored in the shard. */
  stored: [number, number];
}

export interface OriginalsRecord {
  split: string;
  index: number;
  id: string;
  images: OriginalImage[];
}

function real(p: string): string {
  try {
    return realpathSync(p);
  } catch {
    return p;
  }
}

const posix = (p: string) => p.split(sep).join('/');

/**
 * The recorder of a build: `roots` are the containment roots of image files (image_dir when set, else the local
 * data files' folders), `out` the build folder as configured.
 */
export function originalsRecorder(p: {
  imageDir: string | null;
  dataFiles: string[];
  out: string;
  /** The working directory (the folders written relative are inside it). */
  cwd?: string;
}): (sample: Sample) => OriginalsRecord | undefined {
  const roots = (p.imageDir ? [p.imageDir] : [...new Set(p.dataFiles.map((f) => dirname(f)))])
    .map((r) => real(resolve(r)))
    .sort((a, b) => b.length - a.length);
  const out = real(resolve(p.out));
  const pkg = packageRoot();
  const cwd = real(resolve(p.cwd ?? process.cwd()));
  const under = (dir: string, p: string) => p === dir || p.startsWith(dir + sep);
  const shown = (root: string): string | null => {
    if (under(pkg, root)) return `<gad-data>/${posix(relative(pkg, root))}`.replace(/\/$/, '');
    return under(cwd, root) && under(cwd, out) ? posix(relative(out, root)) || '.' : null;
  };
  return (sample) => {
    const images: OriginalImage[] = [];
    sample.formatted?.images.forEach((im, i) => {
      if (!im.reencoded) return;
      const ref = sample.images[i];
      const base = {
        image: i,
        bytes: ref?.bytes?.length ?? ref?.fileStat?.size ?? 0,
        sha256: im.sha256,
        size: [im.origWidth, im.origHeight] as [number, number],
        stored: [im.width, im.height] as [number, number],
      };
      if (!ref || ref.bytes || !ref.resolvedPath)
        return void images.push({ ...base, unavailable: 'its bytes were embedded in the source row' });
      const file = real(ref.resolvedPath);
      const root = roots.find((r) => file.startsWith(r + sep));
      if (!root || isAbsolute(relative(root, file)))
        return void images.push({ ...base, unavailable: "its file is outside image_dir and the data files' folders" });
      const named = shown(root);
      if (named === null)
        return void images.push({
          ...base,
          unavailable: 'its folder is outside the working directory of the build (not named: no machine paths)',
        });
      images.push({ ...base, root: named, path: posix(relative(root, file)) });
    });
    return images.length ? { split: sample.split, index: sample.index, id: sample.id, images } : undefined;
  };
}

/** The recorder of a build of `cfg` over its planned `sources` (their data files, relative to the config's folder). */
export function originalsOf(
  cfg: ResolvedConfig,
  sources: Manifest['sources'],
): (sample: Sample) => OriginalsRecord | undefined {
  return originalsRecorder({
    imageDir: cfg.data.image_dir ? resolve(cfg.baseDir, cfg.data.image_dir) : null,
    dataFiles: sources.filter((s) => s.kind !== 'hub').flatMap((s) => s.files.map((f) => resolve(cfg.baseDir, f.path))),
    out: resolve(cfg.baseDir, cfg.out),
  });
}
