/**
 * Ownership of an output folder: OUT is replaced only when it is absent, empty, or a gad-data output (a
 * manifest.json whose `tool.name` is gad-data); only what a build writes is replaced, every other entry is the
 * user's and is carried into the new output. Anything else is refused before the build starts (see output.ts).
 */
import { existsSync, constants as fsc } from 'node:fs';
import { access, lstat, readFile, readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { GadError, environmentError, environmentErrorCode } from '../core/errors.js';
import { errnoCode } from '../core/guards.js';

/**
 * Top-level entries of OUT that a build writes (besides what the previous manifest lists). Everything
 * else in a gad-data output belongs to the user and is carried into the new output.
 */
export const OWNED_NAMES: readonly string[] = [
  'data',
  'manifest.json',
  'README.md',
  'report.json',
  'report.html',
  'lengths.jsonl',
  'dropped.jsonl',
  'originals.jsonl',
  'rejected_response.jsonl',
  'format_prompt.jinja',
  'chat_template.jinja',
  'gad-data-part',
];

/** `a, b, c and 4 more` (for messages). */
export function nameList(names: string[], max = 8): string {
  return names.length <= max ? names.join(', ') : `${names.slice(0, max).join(', ')} and ${names.length - max} more`;
}

/** Why manifest.json is not gad-data's, or null when it is. */
async function manifestOwner(
  path: string,
): Promise<{ ours: true; listed: { top: Set<string>; data: Set<string> } } | { ours: false; why: string }> {
  let m: unknown;
  try {
    m = JSON.parse(await readFile(path, 'utf8'));
  } catch (e) {
    if (environmentErrorCode(e)) throw e;
    return { ours: false, why: 'its manifest.json is not valid JSON' };
  }
  const tool = m && typeof m === 'object' ? (m as { tool?: { name?: unknown } }).tool : undefined;
  if (!tool || typeof tool !== 'object' || tool.name !== 'gad-data') {
    return { ours: false, why: "its manifest.json was not written by gad-data (no tool.name 'gad-data')" };
  }
  // The files the manifest says gad-data wrote: shards under data/, the format prompt copy.
  const top = new Set<string>();
  const data = new Set<string>();
  const plain = /^[^./\\][^/\\]*$/; // one path segment, not hidden, no separators
  const { shards, formatPrompt } = m as { shards?: unknown; formatPrompt?: { file?: unknown } };
  for (const sh of Array.isArray(shards) ? shards : []) {
    const f = (sh as { file?: unknown })?.file;
    if (typeof f === 'string' && f.startsWith('data/') && plain.test(f.slice(5))) data.add(f.slice(5));
  }
  const fp = formatPrompt?.file;
  if (typeof fp === 'string' && plain.test(fp)) top.add(fp);
  return { ours: true, listed: { top, data } };
}

function refuseForeign(abs: string, entries: string[], why: string): GadError {
  return new GadError(
    `output ${abs} is not a gad-data output (${why}); it holds ${nameList(entries)}; refusing to replace or write into it`,
    {
      hint: 'choose another --out, or empty that folder (gad-data replaces only a folder it wrote itself)',
      exitCode: 2,
    },
  );
}

/**
 * What OUT holds: absent, or a folder a build may replace, with the entries that are not gad-data's (to be
 * carried into the new output). Throws a GadError naming the files when OUT cannot be replaced without
 * losing or mixing in something of the user's.
 */
export async function inspectOut(abs: string): Promise<{ exists: boolean; foreign: string[] }> {
  let st;
  try {
    st = await stat(abs);
  } catch (e) {
    if (errnoCode(e) === 'ENOENT') return { exists: false, foreign: [] };
    throw e;
  }
  if (!st.isDirectory()) {
    throw new GadError(`output ${abs} exists and is not a folder (not a gad-data output); refusing to replace it`, {
      hint: 'choose another --out',
      exitCode: 2,
    });
  }
  const entries = (await readdir(abs)).sort();
  if (entries.length === 0) return { exists: true, foreign: [] };
  if (!entries.includes('manifest.json')) throw refuseForeign(abs, entries, 'no manifest.json');
  const owner = await manifestOwner(join(abs, 'manifest.json'));
  if (!owner.ours) throw refuseForeign(abs, entries, owner.why);
  const owned = new Set([...OWNED_NAMES, ...owner.listed.top]);
  if (entries.includes('data')) {
    const d = join(abs, 'data');
    if (!(await lstat(d)).isDirectory()) {
      throw new GadError(`output ${abs}: data is not a folder; gad-data writes its shards there`, {
        hint: 'move it away, or choose another --out',
        exitCode: 2,
      });
    }
    const strays = (await readdir(d)).filter((f) => !owner.listed.data.has(f)).sort();
    if (strays.length) {
      throw new GadError(
        `output ${abs}: data/ holds file(s) that gad-data did not write (not in its manifest.json): ${nameList(strays.map((f) => `data/${f}`))}; the trainer reads every file in data/, and a rebuild would delete them`,
        { hint: 'move them out of data/ (or choose another --out)', exitCode: 2 },
      );
    }
  }
  return { exists: true, foreign: entries.filter((e) => !owned.has(e)) };
}

/**
 * Before a build starts: the commit will rename OUT and the carried folders (a folder's rename needs write
 * permission on it) and delete the old data/, so each must be writable. Checked up front so a long build
 * does not fail at its very end.
 */
export async function checkReplaceable(abs: string, foreign: string[]): Promise<void> {
  const need = [abs];
  if (existsSync(join(abs, 'data'))) need.push(join(abs, 'data'));
  for (const f of foreign) {
    const st = await lstat(join(abs, f));
    if (st.isDirectory()) need.push(join(abs, f));
  }
  for (const path of need) {
    try {
      await access(path, fsc.W_OK);
    } catch (e) {
      throw environmentError(e, { doing: `cannot replace the output ${abs}`, where: path });
    }
  }
}
