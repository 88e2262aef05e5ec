/** Test helper: every file under a folder, read as UTF-8 and joined by newlines — to check a secret was written nowhere. */
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

export function allFilesText({ dir }: { dir: string }): string {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => readFileSync(join(e.parentPath, e.name), 'utf8'))
    .join('\n');
}
