/**
 * Ownership of a recipe export's folder (`export sft|prompts|rm`): an export replaces only what it wrote there.
 * Its export.json lists its top-level entries (`written`); every other entry (`train.log` and the checkpoints
 * `gad-data train` writes there, `.git/`, notes) is the user's and is carried into the new export, as a build
 * carries the user's entries of its output (see ownership.ts). Refused (exit 2, naming the files): a non-empty
 * folder that is not a gad-data export, and a user's entry the new export would replace (shadow).
 */
import { readFile, readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { GadError, environmentErrorCode } from '../core/errors.js';
import { nameList } from '../output/ownership.js';
import { errnoCode } from '../core/guards.js';

/** What every export writes besides its split files (`<split>.jsonl`) and LLaMA-Factory's dataset_info.json. */
export const EXPORT_NAMES: readonly string[] = [
  'images',
  'export.json',
  'report.json',
  'lengths.jsonl',
  'dropped.jsonl',
];

export interface ExportFolderState {
  exists: boolean;
  /** Top-level entries that are not the previous export's (carried into the new one). */
  foreign: string[];
}

/** The entries the export.json at `path` says its export wrote, or a reason it is not a gad-data export. */
async function ownedBy(path: string): Promise<{ owned: Set<string> } | { why: string }> {
  let m: unknown;
  try {
    m = JSON.parse(await readFile(path, 'utf8'));
  } catch (e) {
    if (environmentErrorCode(e)) throw e;
    return { why: 'its export.json is not valid JSON' };
  }
  const o = (m && typeof m === 'object' ? m : {}) as { format?: unknown; written?: unknown; files?: unknown };
  if (o.format !== 'gad-data-export')
    return { why: "its export.json was not written by gad-data (no format 'gad-data-export')" };
  const plain = /^[^/\\]+$/;
  if (Array.isArray(o.written))
    return { owned: new Set(o.written.filter((x): x is string => typeof x === 'string' && plain.test(x))) };
  // Written by a version without `written`: what every export writes, and its split files.
  const owned = new Set([...EXPORT_NAMES, 'dataset_info.json']);
  for (const f of Object.values(o.files && typeof o.files === 'object' ? o.files : {})) {
    const file = (f as { file?: unknown } | null)?.file;
    if (typeof file === 'string' && plain.test(file)) owned.add(file);
  }
  return { owned };
}

/**
 * What `abs` holds before (and again at the commit of) an export that will write `writes` (top-level names).
 * Throws a GadError (exit 2) naming the files when the folder is not an earlier export, or when a user's entry
 * has a name the export writes.
 */
export async function inspectExportFolder(abs: string, writes: readonly string[]): Promise<ExportFolderState> {
  let entries: string[];
  try {
    if (!(await stat(abs)).isDirectory())
      throw new GadError(`--out ${abs} exists and is not a folder; refusing to replace it`, {
        hint: 'choose another --out',
        exitCode: 2,
      });
    entries = (await readdir(abs)).sort();
  } catch (e) {
    if (errnoCode(e) === 'ENOENT') return { exists: false, foreign: [] };
    throw e;
  }
  if (entries.length === 0) return { exists: true, foreign: [] };
  const owner = entries.includes('export.json') ? await ownedBy(join(abs, 'export.json')) : { why: 'no export.json' };
  if ('why' in owner)
    throw new GadError(
      `--out ${abs} exists and is not a gad-data export (${owner.why}); it holds ${nameList(entries)}; refusing to write into it`,
      { hint: 'choose a new or empty folder (an export replaces only an earlier export)', exitCode: 2 },
    );
  const foreign = entries.filter((e) => !owner.owned.has(e));
  const shadowed = foreign.filter((e) => writes.includes(e));
  if (shadowed.length)
    throw new GadError(
      `--out ${abs} holds ${nameList(shadowed)}, which the previous export did not write; this export writes ${shadowed.length === 1 ? 'a file' : 'files'} of that name and would replace yours`,
      { hint: 'move them elsewhere (or choose another --out)', exitCode: 2 },
    );
  return { exists: true, foreign };
}
