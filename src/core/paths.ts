import { existsSync, statSync } from 'node:fs';
import { basename, dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

let root: string | undefined;

/** The folder of gad-data's own package.json (works from src/ under tsx and from dist/ when compiled). */
export function packageRoot(): string {
  if (root) return root;
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    if (existsSync(join(dir, 'package.json')) && existsSync(join(dir, 'fixtures'))) {
      root = dir;
      return dir;
    }
    const up = dirname(dir);
    if (up === dir) throw new Error('gad-data: cannot find the package root (package.json beside fixtures/)');
    dir = up;
  }
}

/** A path inside the package (fixtures/, prompts/, test/golden/ ...). */
export function packagePath(...parts: string[]): string {
  return resolve(packageRoot(), ...parts);
}

/**
 * How a local path is recorded in outputs (manifest, dataset card, lengths/dropped.jsonl, report, row ids):
 * files of the gad-data package as `<gad-data>/…`, the working directory as `.`, files under it relative to it
 * (`data/train.jsonl`), and anything else by its file name only (`/mnt/x/train.parquet` → `train.parquet`), so
 * no output holds an absolute path of the machine that built it. Hub ids and other non-paths pass through.
 */
export function displayPath(p: string, cwd: string = process.cwd()): string {
  if (!isAbsolute(p)) return p;
  const pkg = packageRoot();
  if (p === pkg || p.startsWith(pkg + sep)) return `<gad-data>/${relative(pkg, p).split(sep).join('/')}`;
  if (p === cwd) return '.';
  if (p.startsWith(cwd + sep)) return relative(cwd, p).split(sep).join('/');
  return basename(p) || p;
}

/**
 * Rewrites the absolute paths inside free text (drop details, values) in the spirit of `displayPath`: a path
 * under the package as `<gad-data>/…`, under the working directory relative to it, under one of `roots` outside
 * both (the folders of the sources, image_dir, ...) relative to that root (`images/a.png`, as the source
 * wrote it). The longest matching root wins.
 */
export function createPathScrubber(roots: Iterable<string>, cwd: string = process.cwd()): (text: string) => string {
  const pkg = packageRoot();
  const list = new Map<string, string>();
  const inside = (r: string, base: string) => r === base || r.startsWith(base + sep);
  // Roots under the package or the working directory keep displayPath's form (`<gad-data>/…`, cwd-relative).
  for (const r of roots)
    if (r && isAbsolute(r) && r !== sep && !inside(resolve(r), pkg) && !inside(resolve(r), cwd))
      list.set(resolve(r), '');
  list.set(cwd, '');
  list.set(pkg, '<gad-data>/');
  const ordered = [...list.entries()].filter(([r]) => r !== sep).sort((a, b) => b[0].length - a[0].length);
  return (text: string) => {
    let out = text;
    for (const [root, repl] of ordered) {
      if (!out.includes(root)) continue;
      out = out.split(root + sep).join(repl);
      // The root itself (not followed by more path): `.` or the package marker.
      out = out.replace(new RegExp(`${escapeRegExp(root)}(?![\\w./-])`, 'g'), repl ? repl.replace(/\/$/, '') : '.');
    }
    return out;
  };
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * The folders whose paths `createPathScrubber` writes relative: for each local path given (source specs with an
 * optional `@split`, globs, image_dir, the teacher file, the output folder), the folder itself when it is one,
 * else its parent folder. Hub ids (not absolute) are skipped.
 */
export function pathRoots(paths: Iterable<string | null | undefined>): string[] {
  const out = new Set<string>();
  for (const p of paths) {
    if (!p || !isAbsolute(p)) continue;
    const bare = p.replace(/@[\w.-]+$/, '');
    const glob = bare.search(/[*?[{]/);
    const q = glob >= 0 ? dirname(bare.slice(0, glob) + 'x') : bare;
    let isDir = false;
    try {
      isDir = statSync(q).isDirectory();
    } catch {
      isDir = false;
    }
    out.add(isDir ? q : dirname(q));
  }
  return [...out];
}
