/**
 * `datasets`' data-file patterns over a repo's file list: a pattern resolved to files (`resolve_pattern`), and
 * the split layout of a folder without a card (`get_data_patterns`: push_to_hub shards, split keywords in folder
 * then file names, else everything is `train`).
 */
import { GadError } from '../core/errors.js';
import { globToRegExp } from './data-glob.js';
import { ALLOWED_EXTENSIONS } from './data-modules.js';

/** datasets' SPLIT_KEYWORDS: the keywords of each default split, in order. */
export const SPLIT_KEYWORDS: ReadonlyArray<readonly [string, readonly string[]]> = [
  ['train', ['train', 'training']],
  ['validation', ['validation', 'valid', 'dev', 'val']],
  ['test', ['test', 'testing', 'eval', 'evaluation']],
];
const SEP = '[-._ 0-9]';
const SPLIT_PATTERN_SHARDED = 'data/{split}-[0-9][0-9][0-9][0-9][0-9]-of-[0-9][0-9][0-9][0-9][0-9]*.*';
const FILENAME_PATTERNS = ['**/{keyword}[{sep}]*', '**/*[{sep}]{keyword}[{sep}]*'];
const DIRNAME_PATTERNS = [
  '**/{keyword}/**',
  '**/{keyword}[{sep}]*/**',
  '**/*[{sep}]{keyword}/**',
  '**/*[{sep}]{keyword}[{sep}]*/**',
];
const FILES_TO_IGNORE = [
  'README.md',
  'config.json',
  'dataset_info.json',
  'dataset_infos.json',
  'dummy_data.zip',
  'dataset_dict.json',
];
/** datasets' `_split_re`. */
export const SPLIT_RE = /^\w+(\.\w+)*$/;

function hiddenParts(path: string): number {
  return path.split('/').filter((p) => p.startsWith('.') && !/^\.+$/.test(p)).length;
}

function specialDirs(path: string): number {
  return path
    .split('/')
    .slice(0, -1)
    .filter((p) => p.startsWith('__')).length;
}

/**
 * datasets' `resolve_pattern` over a file list: the files matching `pattern` under `base` (repo-relative),
 * hidden files/folders and `__special__` folders skipped unless the pattern names them, the card and
 * metadata files skipped, optionally only allowed extensions. Sorted. Throws `NotFound` when nothing matches.
 */
export function resolvePattern(
  pattern: string,
  files: readonly string[],
  base = '',
  allowedExtensions = false,
): string[] {
  const full = base ? `${base.replace(/\/+$/, '')}/${pattern.replace(/^\.\//, '')}` : pattern;
  const re = globToRegExp(full);
  const baseName = full.split('/').pop() ?? '';
  const ignore = new Set(FILES_TO_IGNORE.filter((f) => f !== baseName));
  const out: string[] = [];
  for (const f of files) {
    if (!re.test(f)) continue;
    const name = f.split('/').pop() ?? '';
    if (ignore.has(name)) continue;
    if (specialDirs(f) !== specialDirs(full)) continue;
    if (hiddenParts(f) !== hiddenParts(full)) continue;
    if (
      allowedExtensions &&
      !name
        .split('.')
        .slice(1)
        .some((s) => ALLOWED_EXTENSIONS.has(`.${s}`))
    )
      continue;
    out.push(f);
  }
  if (!out.length) throw new NotFound(`Unable to find '${full}'`);
  return out.sort();
}

export class NotFound extends Error {}

/** Ordered split → patterns (insertion order is datasets' split order). */
export type SplitPatterns = Map<string, string[]>;

function format(p: string, keyword: string): string {
  return p.replace('{keyword}', keyword).replace(/\{sep\}/g, SEP.slice(1, -1));
}

/** datasets' `get_data_patterns`: the split layout of a folder without `data_files` (see the module comment). */
export function getDataPatterns(files: readonly string[], base = ''): SplitPatterns {
  const resolver = (p: string) => {
    try {
      return resolvePattern(p, files, base);
    } catch (e) {
      if (e instanceof NotFound) return [];
      throw e;
    }
  };
  const sharded = resolver(SPLIT_PATTERN_SHARDED.replace('{split}', '*'));
  if (sharded.length) {
    const splits = new Set<string>();
    const re = /^(.*)-[0-9]{5}-of-[0-9]{5}[^/]*\.[^/]*$/;
    for (const p of sharded) {
      const m = re.exec(p.split('/').pop()!);
      if (m) splits.add(m[1]!);
    }
    for (const s of splits) {
      if (!SPLIT_RE.test(s))
        throw new GadError(
          `split name '${s}' (from the data files' names) is not valid: split names must match ${SPLIT_RE.source}`,
        );
    }
    const defaults = SPLIT_KEYWORDS.map(([s]) => s);
    const ordered = [
      ...defaults.filter((s) => splits.has(s)),
      ...[...splits].filter((s) => !defaults.includes(s)).sort(),
    ];
    return new Map(ordered.map((s) => [s, [SPLIT_PATTERN_SHARDED.replace('{split}', s)]]));
  }
  const groups: Array<Array<[string, string[]]>> = [
    [['logs', ['**/*.eval']]],
    SPLIT_KEYWORDS.map(([split, kws]) => [split, kws.flatMap((k) => DIRNAME_PATTERNS.map((p) => format(p, k)))]),
    SPLIT_KEYWORDS.map(([split, kws]) => [split, kws.flatMap((k) => FILENAME_PATTERNS.map((p) => format(p, k)))]),
    [['train', ['**']]],
  ];
  for (const group of groups) {
    const found = group.filter(([, patterns]) => patterns.some((p) => resolver(p).length > 0));
    if (found.length) return new Map(found);
  }
  throw new GadError(`no data files found${base ? ` in ${base}/` : ''}`, {
    hint: 'name the files of each split (data.train_files / --train, e.g. train.jsonl or data/*.parquet), or put .parquet, .jsonl or .json files in the folder',
  });
}
