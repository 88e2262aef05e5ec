import { existsSync } from 'node:fs';
import { dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
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
 * How a local path is recorded in outputs (manifest, dropped.jsonl, report): files of the gad-data package
 * as `<gad-data>/…`, files under the working directory relative to it, others as given. Hub ids and other
 * non-paths pass through. Keeps outputs free of machine-specific folders where possible and stable across
 * checkouts.
 */
export function displayPath(p: string, cwd: string = process.cwd()): string {
  if (!isAbsolute(p)) return p;
  const pkg = packageRoot();
  if (p === pkg || p.startsWith(pkg + sep)) return `<gad-data>/${relative(pkg, p).split(sep).join('/')}`;
  if (p.startsWith(cwd + sep)) return relative(cwd, p).split(sep).join('/');
  return p;
}
