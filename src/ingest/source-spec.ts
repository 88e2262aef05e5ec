/**
 * Source specs as EasyR1 writes them (`owner/name@split`, `file.parquet[@split]`, `dir[@split]`, globs,
 * `.jsonl`/`.json`) and the pick of one split from a layout (the layout itself: `resolveLayout`,
 * src/ingest/data-files.ts).
 */
import { statSync } from 'node:fs';
import { basename, extname, isAbsolute, resolve } from 'node:path';
import { GadError } from '../core/errors.js';
import { HUB_REPO_ID } from '../core/hf-paths.js';
import { refuseSplitExpression } from './data-files.js';

export type SourceKind = SourceSpec['kind'];

interface SpecBase {
  /** The spec as written. */
  spec: string;
  /** Requested split after `@`, or null when none was written. */
  split: string | null;
}

/** A Hub dataset: `owner/name[:config][@split]`. */
export interface HubSourceSpec extends SpecBase {
  kind: 'hub';
  /** `owner/name`. */
  repo: string;
  /** The dataset config after `:` (`owner/name:config@split`); absent = the repo's default config. */
  config?: string;
}

/** One data file, by its extension. */
export interface FileSourceSpec extends SpecBase {
  kind: 'parquet' | 'jsonl' | 'json';
  /** Absolute path. */
  path: string;
}

/** A folder of data files (split by datasets' file-name conventions). */
export interface DirSourceSpec extends SpecBase {
  kind: 'dir';
  /** Absolute path. */
  path: string;
}

/** A glob of data files. */
export interface GlobSourceSpec extends SpecBase {
  kind: 'glob';
  /** Absolute pattern. */
  path: string;
}

/** One parsed source spec: each kind carries only its own fields. */
export type SourceSpec = HubSourceSpec | FileSourceSpec | DirSourceSpec | GlobSourceSpec;

/** A dataset config name, after `:` in `owner/name:config` (Hub ids never contain `:`). */
const CONFIG_NAME = /^[^\s@/:]+$/;
const GLOB_CHARS = /[*?[\]{}]/;

/** The source kind a file's extension names (`.parquet`, `.jsonl`, `.json`), or null. */
export function fileKind(p: string): 'parquet' | 'jsonl' | 'json' | null {
  const e = extname(p).toLowerCase();
  if (e === '.parquet') return 'parquet';
  if (e === '.jsonl') return 'jsonl';
  if (e === '.json') return 'json';
  return null;
}

function statKind(p: string): 'file' | 'dir' | null {
  try {
    const st = statSync(p);
    return st.isDirectory() ? 'dir' : st.isFile() ? 'file' : null;
  } catch {
    return null;
  }
}

/**
 * Parse one source spec. Local paths win over hub ids (a folder `owner/name` that exists is a folder).
 * `@split` is split off the end unless the whole spec is an existing path.
 */
export function parseSourceSpec(spec: string, cwd: string = process.cwd()): SourceSpec {
  const raw = spec.trim();
  if (!raw)
    throw new GadError('empty source spec', {
      hint: 'write a hub id (owner/name@split), a parquet/jsonl/json file, a folder or a glob',
    });
  let body = raw;
  let split: string | null = null;
  const at = raw.lastIndexOf('@');
  if (at > 0 && statKind(resolve(cwd, raw)) === null) {
    const s = raw.slice(at + 1);
    if (s && !s.includes('/')) {
      body = raw.slice(0, at);
      split = s;
    }
  }
  const abs = isAbsolute(body) ? body : resolve(cwd, body);
  if (GLOB_CHARS.test(body)) return { kind: 'glob', spec: raw, split, path: abs };
  const k = statKind(abs);
  if (k === 'dir') return { kind: 'dir', spec: raw, split, path: abs };
  if (k === 'file') {
    const fk = fileKind(abs);
    if (!fk) {
      throw new GadError(`source ${raw}: unsupported file type '${extname(abs) || basename(abs)}'`, {
        hint: 'sources are .parquet, .jsonl or .json files, folders of them, globs, or hub ids (owner/name@split)',
      });
    }
    return { kind: fk, spec: raw, split, path: abs };
  }
  const fk = fileKind(body);
  if (fk || body.startsWith('.') || body.startsWith('/') || body.includes('\\')) {
    throw new GadError(`local path not found: ${body} (resolved to ${abs})`, {
      hint: 'check the path; relative paths are resolved against the working directory (as EasyR1 does), not against the config file',
    });
  }
  if (HUB_REPO_ID.test(body)) return { kind: 'hub', spec: raw, split, repo: body };
  const [repo, config, ...more] = body.split(':');
  if (!more.length && repo !== undefined && config !== undefined && HUB_REPO_ID.test(repo) && CONFIG_NAME.test(config))
    return { kind: 'hub', spec: raw, split, repo, config };
  throw new GadError(`source ${raw} is neither an existing file or folder nor a hub dataset id (owner/name)`, {
    hint: 'write owner/name@split for a Hub dataset, or a path that exists',
  });
}

/**
 * The files of one requested split, or a GadError listing the splits that exist. The name must match
 * exactly, as in `datasets` (`dev` or `val` is not `validation`). `where` names the source in the message;
 * `base` is the spec without its `@split` (the hint shows `base@<an existing split>`, a spec that works).
 */
export function pickSplit(groups: Map<string, string[]>, split: string, where: string, base: string = where): string[] {
  refuseSplitExpression(split, where);
  const direct = groups.get(split);
  if (direct && direct.length) return direct;
  const have = [...groups.keys()].sort();
  throw new GadError(
    `split '${split}' does not exist in ${where}; available splits: ${have.length ? have.join(', ') : '(none found)'}`,
    {
      hint: have.length
        ? `write ${base}@${have[0]} (or another listed split)`
        : 'check that the source holds data files',
    },
  );
}
