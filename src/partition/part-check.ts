/**
 * A part's manifest lists its shards by paths relative to the part folder. A merge reads them, so each must name a
 * file inside that part: a path leading out (`../x.parquet`, an absolute path) or a missing file is a damaged or
 * edited part, an exit 2 naming it, never read (it used to be read wherever it pointed, or fail as "a bug").
 */
import { statSync } from 'node:fs';
import { isAbsolute, relative, resolve, sep } from 'node:path';
import { GadError } from '../core/errors.js';

export function checkPartShards(dir: string, shards: ReadonlyArray<{ file: string }>): void {
  for (const s of shards) {
    const file = typeof s.file === 'string' ? s.file : '';
    const path = resolve(dir, file);
    const rel = relative(dir, path);
    if (!file || isAbsolute(file) || rel === '' || rel === '..' || rel.startsWith(`..${sep}`) || isAbsolute(rel))
      throw new GadError(`merge: part ${dir} lists a shard outside the part (${JSON.stringify(file)}); refusing it`, {
        hint: 'its manifest.json was edited or damaged: rebuild that part (gad-data build --partition I/N)',
        exitCode: 2,
      });
    let ok = false;
    try {
      ok = statSync(path).isFile();
    } catch {
      ok = false;
    }
    if (!ok)
      throw new GadError(`merge: part ${dir} lists a shard that is missing: ${file}`, {
        hint: 'the part folder is incomplete (copied before its task finished, or files removed): rebuild that part',
        exitCode: 2,
      });
  }
}
