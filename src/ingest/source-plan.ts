/**
 * Source planning: every source spec of every split resolved to its files (a Hub split downloaded into the cache,
 * a folder's layout, a glob, a file), each hashed for the manifest and its parquet footer read. No row is read.
 */
import { readdirSync } from 'node:fs';
import { stat } from 'node:fs/promises';
import { basename, relative, resolve } from 'node:path';
import type { Manifest } from '../core/types.js';
import { GadError } from '../core/errors.js';
import { sha256File, sha256FileAndLines } from '../core/hash.js';
import { fileKind, pickSplit, type SourceSpec } from './source-spec.js';
import { resolveLayout } from './data-files.js';
import { readParquetSchema, type ParquetColumn } from './parquet.js';
import { HubRepoUnreachable } from './hub/hub-errors.js';
import type { ResolvedHubOptions } from './hub/hub-options.js';
import type { DownloadProgress } from './hub/download.js';
import { isObject, isRecord } from '../core/guards.js';

export type FileKind = 'parquet' | 'jsonl' | 'json';

export interface PlannedFile {
  path: string;
  kind: FileKind;
  /** Hub files: the repo's cache folder (snapshots/ and the blobs/ they link to), an allowed root for image paths. */
  cacheRoot?: string;
  /** Rows from the footer (parquet). */
  rows: number | null;
  /** Parquet schema (null for json). */
  schema: ParquetColumn[] | null;
  /** The `huggingface` features of the parquet footer, when present. */
  features?: Record<string, unknown> | null;
}

export interface PlannedSource {
  spec: SourceSpec;
  /** Repo id for hub sources (data_source default). */
  repo: string | null;
  files: PlannedFile[];
  /** This source's entry in the manifest's `sources` (its files with size and sha256). */
  manifest: Manifest['sources'][number];
}

function listDir(root: string): string[] {
  const out: string[] = [];
  const walk = (rel: string) => {
    for (const e of readdirSync(resolve(root, rel), { withFileTypes: true })) {
      if (e.name.startsWith('.')) continue;
      const r = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory()) walk(r);
      else if (fileKind(e.name)) out.push(r);
    }
  };
  walk('');
  return out.sort();
}

/** One source of one split: its files found (Hub files downloaded), hashed, their parquet footers read. */
async function planSource(p: {
  spec: SourceSpec;
  /** The split the rows go to. */
  outSplit: string;
  cwd: string;
  hub: ResolvedHubOptions | null;
  onProgress?: DownloadProgress;
  warn: (m: string) => void;
}): Promise<PlannedSource> {
  const { spec, outSplit, cwd, hub, warn } = p;
  const files: Array<{
    path: string;
    kind: FileKind;
    manifestPath: string;
    cacheRoot?: string;
    /** Checked against the Hub's LFS id by the download just made: not hashed again. */
    sha256?: string;
  }> = [];
  let repo: string | null = null;
  let manifest: Manifest['sources'][number];
  if (spec.kind === 'hub') {
    repo = spec.repo;
    noSplitNotice(spec, outSplit, warn);
    // imported here: the Hub client (@huggingface/hub and its WebAssembly) is loaded only for a Hub source
    const { resolveHubSplit } = await import('./hub/resolve-split.js');
    const r = await resolveHubSplit(repo, spec.split ?? outSplit, hub!, {
      config: spec.config ?? null,
      onProgress: p.onProgress,
      onWarning: warn,
    }).catch((e: unknown) => {
      if (!(e instanceof HubRepoUnreachable) || spec.config) throw e;
      // `owner/name` is also a relative path: say both readings instead of only "fetch failed"
      throw new GadError(
        `source ${spec.spec}: no local file or folder ${resolve(cwd, spec.repo)}, and the Hub dataset ${repo} cannot be used: ${e.message}`,
        {
          hint: `for a local path, check it against the working directory ${cwd} (relative paths are resolved there, as EasyR1 does; write ./${spec.repo} to mean a path); for a Hub dataset, ${e.hint ?? 'check the id'}`,
          cause: e,
        },
      );
    });
    // the snapshot file is <repo cache>/snapshots/<commit>/<repoPath>
    for (const f of r.files)
      files.push({
        path: f.localPath,
        kind: 'parquet',
        manifestPath: f.repoPath,
        cacheRoot: resolve(f.localPath, ...f.repoPath.split('/').map(() => '..'), '..', '..'),
        ...(f.sha256 ? { sha256: f.sha256 } : {}),
      });
    manifest = {
      split: outSplit,
      spec: spec.spec,
      kind: 'hub',
      repo,
      ...(r.config !== 'default' || spec.config ? { config: r.config } : {}),
      revision: r.revision,
      commit: r.commit,
      files: [],
    };
  } else if (spec.kind === 'dir') {
    const all = listDir(spec.path);
    const exts = new Set(all.map((p) => fileKind(p)));
    if (!all.length)
      throw new GadError(`folder ${spec.spec} holds no .parquet, .jsonl or .json files`, {
        hint: 'put the data files in it, or point at them (e.g. --train data/train.jsonl, or a glob such as data/*.parquet)',
      });
    if (exts.size > 1) {
      throw new GadError(
        `folder ${spec.spec} mixes file types (${[...exts].join(', ')}); the files of a folder must share one extension`,
        {
          hint: 'point at the files with a glob (e.g. dir/*.parquet) or split them into folders',
        },
      );
    }
    // EasyR1: load_dataset("parquet", data_dir=dir, split=...) → datasets' file-name conventions (no card)
    const { splits } = resolveLayout(all, null, null, spec.spec);
    let want = spec.split ?? outSplit;
    if (!spec.split && !splits.has(want) && splits.size === 1) want = [...splits.keys()][0]!;
    noSplitNotice(spec, want, warn);
    for (const p of pickSplit(
      splits,
      want,
      spec.spec,
      spec.split ? spec.spec.slice(0, spec.spec.length - spec.split.length - 1) : spec.spec,
    )) {
      const abs = resolve(spec.path, p);
      files.push({ path: abs, kind: fileKind(p)!, manifestPath: relative(cwd, abs) || p });
    }
    manifest = { split: outSplit, spec: spec.spec, kind: 'dir', files: [] };
  } else if (spec.kind === 'glob') {
    const { glob } = await import('tinyglobby');
    const found = (
      await glob(relative(cwd, spec.path).split('\\').join('/') || spec.path, {
        cwd,
        absolute: true,
        onlyFiles: true,
      })
    )
      .filter((p) => fileKind(p))
      .sort();
    if (!found.length)
      throw new GadError(`glob ${spec.spec} matches no .parquet, .jsonl or .json file`, {
        hint: 'check the pattern and the working directory',
      });
    const exts = new Set(found.map((p) => fileKind(p)));
    const kind = exts.size === 1 ? [...exts][0]! : 'parquet';
    for (const p of found) files.push({ path: p, kind: fileKind(p)!, manifestPath: relative(cwd, p) });
    manifest = { split: outSplit, spec: spec.spec, kind: kind === 'parquet' ? 'parquet' : kind, files: [] };
  } else {
    if (spec.split && spec.split !== outSplit && spec.split !== 'train') {
      warn(`${spec.spec}: a single file has no splits; all its rows go to split '${outSplit}'`);
    }
    files.push({
      path: spec.path,
      kind: spec.kind,
      manifestPath: relative(cwd, spec.path) || basename(spec.path),
    });
    manifest = { split: outSplit, spec: spec.spec, kind: spec.kind, files: [] };
  }
  const planned: PlannedFile[] = [];
  for (const f of files) {
    let rows: number | null = null;
    let schema: ParquetColumn[] | null = null;
    let features: Record<string, unknown> | null = null;
    if (f.kind === 'parquet') {
      const s = await readParquetSchema(f.path);
      rows = s.rows;
      schema = s.columns;
      features = hfFeaturesOf(s.keyValue.huggingface);
    }
    const { size } = await stat(f.path);
    let digest: string;
    if (f.kind === 'jsonl') {
      // Lines counted in the hashing pass: a row total for progress (blank lines, skipped later, included).
      const h = await sha256FileAndLines(f.path);
      digest = h.sha256;
      rows = h.lines;
    } else digest = f.sha256 ?? (await sha256File(f.path));
    planned.push({
      path: f.path,
      kind: f.kind,
      rows,
      schema,
      features,
      ...(f.cacheRoot ? { cacheRoot: f.cacheRoot } : {}),
    });
    manifest.files.push({ path: f.manifestPath, bytes: size, sha256: digest });
  }
  return { spec, repo, files: planned, manifest };
}

/** The `features` of a parquet footer's `huggingface` metadata (`{"info": {"features": {...}}}`), or null. */
function hfFeaturesOf(meta: string | undefined): Record<string, unknown> | null {
  if (!meta) return null;
  try {
    const j: unknown = JSON.parse(meta);
    const f = isObject(j) && isObject(j.info) ? j.info.features : undefined;
    return isRecord(f) ? f : null;
  } catch {
    return null;
  }
}

export function defaultDataSource(src: PlannedSource): string {
  if (src.repo) return src.repo;
  const p = src.spec.kind === 'hub' ? src.spec.spec : src.spec.path;
  return basename(p).replace(/\.(parquet|jsonl|json)$/i, '');
}

/** Every split's sources planned, in order; the manifest's `sources`, and rows per split (null: a .json source). */
export async function planSplits(p: {
  specs: Array<{ split: string; specs: SourceSpec[] }>;
  cwd: string;
  hub: ResolvedHubOptions | null;
  onProgress?: DownloadProgress;
  warn: (m: string) => void;
}): Promise<{
  plans: Map<string, PlannedSource[]>;
  rowCount: Record<string, number | null>;
  sources: Manifest['sources'];
}> {
  const plans = new Map<string, PlannedSource[]>();
  const rowCount: Record<string, number | null> = {};
  const sources: Manifest['sources'] = [];
  for (const s of p.specs) {
    if (plans.has(s.split))
      throw new GadError(`split '${s.split}' is configured twice`, { hint: 'list all its sources once' });
    if (!s.specs.length) throw new GadError(`split '${s.split}' has no sources`);
    const list: PlannedSource[] = [];
    let count: number | null = 0;
    for (const spec of s.specs) {
      const planned = await planSource({
        spec,
        outSplit: s.split,
        cwd: p.cwd,
        hub: p.hub,
        onProgress: p.onProgress,
        warn: p.warn,
      });
      list.push(planned);
      sources.push(planned.manifest);
      for (const f of planned.files) count = count === null || f.rows === null ? null : count + f.rows;
    }
    plans.set(s.split, list);
    rowCount[s.split] = count;
  }
  return { plans, rowCount, sources };
}

/**
 * EasyR1 reads `path` without `@split` as split `train`; gad-data reads the split named like the output split
 * (`test` for val_files). When that is another split than EasyR1 would read, say so once per source.
 */
function noSplitNotice(spec: SourceSpec, read: string, warn: (m: string) => void): void {
  if (spec.split || read === 'train') return;
  warn(
    `${spec.spec} has no @split: gad-data reads its '${read}' split, while EasyR1 would read 'train' from the same spec; write ${spec.spec}@${read} to say which split is meant`,
  );
}
