import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
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
