/**
 * Which data files make up a config and a split of a dataset repository, decided the way
 * `datasets.load_dataset(repo, name, split=...)` decides it (datasets 4.x/5.x `load.py` and `data_files.py`):
 *
 * 1. the dataset card (`README.md` YAML front matter) `configs:` list — `config_name`, `default: true`,
 *    `data_dir`, and `data_files` as a string, a list of patterns, or a list of `{split, path}`;
 * 2. else the file-name conventions: `data/<split>-NNNNN-of-NNNNN*.*` (push_to_hub), then folders named after a
 *    split keyword (`train/`, `dev/`, `my-test/`, …), then file names with a keyword (`train.parquet`,
 *    `x_val.jsonl`, …), else every file is `train`;
 * 3. the module (`parquet`, `json`, `csv`, …) from the most common extension.
 *
 * Works on a list of repo-relative paths, so the Hub listing and a cached snapshot are resolved alike.
 */
import { parse as parseYaml } from 'yaml';
import { GadError } from '../core/errors.js';

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
const SPLIT_RE = /^\w+(\.\w+)*$/;

/** datasets' `_EXTENSION_TO_MODULE` for the formats that matter here; other data extensions map to `other`. */
const EXTENSION_TO_MODULE: Record<string, string> = {
  '.parquet': 'parquet',
  '.geoparquet': 'parquet',
  '.gpq': 'parquet',
  '.json': 'json',
  '.jsonl': 'json',
  '.ndjson': 'json',
  '.csv': 'csv',
  '.tsv': 'csv',
  '.arrow': 'arrow',
  '.txt': 'text',
  '.conll': 'conll',
  '.conllu': 'conll',
  '.tar': 'webdataset',
  '.xml': 'xml',
  '.hdf5': 'hdf5',
  '.h5': 'hdf5',
  '.eval': 'eval',
  '.lance': 'lance',
  '.tsfile': 'tsfile',
  ...Object.fromEntries(
    [
      '.png',
      '.jpg',
      '.jpeg',
      '.gif',
      '.bmp',
      '.webp',
      '.tif',
      '.tiff',
      '.ico',
      '.jp2',
      '.j2k',
      '.ppm',
      '.pgm',
      '.pbm',
      '.avif',
      '.heic',
    ].flatMap((e) => [
      [e, 'imagefolder'],
      [e.toUpperCase(), 'imagefolder'],
    ]),
  ),
  ...Object.fromEntries(
    ['.wav', '.mp3', '.flac', '.ogg', '.opus', '.m4a'].flatMap((e) => [
      [e, 'audiofolder'],
      [e.toUpperCase(), 'audiofolder'],
    ]),
  ),
  ...Object.fromEntries(
    ['.mp4', '.avi', '.mkv', '.mov', '.webm'].flatMap((e) => [
      [e, 'videofolder'],
      [e.toUpperCase(), 'videofolder'],
    ]),
  ),
  '.pdf': 'pdffolder',
};
const ALLOWED_EXTENSIONS = new Set([...Object.keys(EXTENSION_TO_MODULE), '.zip']);

/** True when a pattern has glob magic (Python's `glob.has_magic`). */
export function hasMagic(p: string): boolean {
  return /[*?[]/.test(p);
}

function escapeRe(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
}

/** One path component of a glob (no `/`) as a regular expression: `*`, `?`, `[...]`, `[!...]`. */
function componentRe(c: string): string {
  let out = '';
  for (let i = 0; i < c.length; i++) {
    const ch = c[i]!;
    if (ch === '*') {
      while (c[i + 1] === '*') i++;
      out += '[^/]*';
    } else if (ch === '?') out += '[^/]';
    else if (ch === '[') {
      const end = c.indexOf(']', i + 2);
      if (end < 0) {
        out += '\\[';
        continue;
      }
      let body = c.slice(i + 1, end);
      const neg = body.startsWith('!');
      if (neg) body = body.slice(1);
      out += `[${neg ? '^' : ''}${body.replace(/[\\\]^]/g, '\\$&')}]`;
      i = end;
    } else out += escapeRe(ch);
  }
  return out;
}

/**
 * A glob as fsspec ≥ 2023.12 (Python's glob) matches it on `/`-separated paths: `*` within one component,
 * `**` as a whole component = any number of folders (as the last component: anything below).
 */
export function globToRegExp(pattern: string): RegExp {
  const parts = pattern
    .replace(/^\.\//, '')
    .split('/')
    .filter((p, i, a) => p !== '' || i === a.length - 1);
  let re = '';
  parts.forEach((p, i) => {
    const last = i === parts.length - 1;
    if (p === '**') re += last ? '.*' : '(?:[^/]+/)*';
    else re += componentRe(p) + (last ? '' : '/');
  });
  return new RegExp(`^${re}$`);
}

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

class NotFound extends Error {}

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
  throw new GadError(`no data files found${base ? ` in ${base}/` : ''}`);
}

/** datasets' `sanitize_patterns`: a card/user `data_files` value → split → patterns. */
export function sanitizePatterns(v: unknown, where: string): SplitPatterns {
  if (typeof v === 'string') return new Map([['train', [v]]]);
  if (Array.isArray(v)) {
    if (v.some((x) => x && typeof x === 'object')) {
      const out: SplitPatterns = new Map();
      for (const item of v) {
        const ok =
          item &&
          typeof item === 'object' &&
          !Array.isArray(item) &&
          Object.keys(item).length === 2 &&
          typeof item.split === 'string' &&
          (typeof item.path === 'string' || Array.isArray(item.path));
        if (!ok)
          throw new GadError(`${where}: each data_files entry must be {split, path}, got ${JSON.stringify(item)}`, {
            hint: 'fix the configs: section of the dataset card',
          });
        if (!SPLIT_RE.test(item.split))
          throw new GadError(`${where}: split name '${item.split}' is not valid (it must match ${SPLIT_RE.source})`);
        if (out.has(item.split)) throw new GadError(`${where}: split '${item.split}' is listed twice in data_files`);
        out.set(String(item.split), (Array.isArray(item.path) ? item.path : [item.path]).map(String));
      }
      return out;
    }
    return new Map([['train', v.map(String)]]);
  }
  if (v && typeof v === 'object')
    return new Map(Object.entries(v).map(([k, x]) => [k, Array.isArray(x) ? x.map(String) : [String(x)]]));
  throw new GadError(
    `${where}: data_files must be a string, a list of patterns or a list of {split, path}, got ${JSON.stringify(v)}`,
    {
      hint: 'fix the configs: section of the dataset card',
    },
  );
}

export interface CardConfig {
  name: string;
  default: boolean;
  dataFiles: unknown;
  dataDir: string | null;
}

/** The YAML front matter of a dataset card (`---\n...\n---`), or null when there is none. */
export function cardFrontMatter(readme: string, where: string): Record<string, unknown> | null {
  const m = /^\uFEFF?---\r?\n([\s\S]*?)\r?\n---\s*(?:\r?\n|$)/.exec(readme);
  if (!m) return null;
  let v: unknown;
  try {
    v = parseYaml(m[1]!);
  } catch (e) {
    throw new GadError(
      `${where}: the YAML front matter of README.md cannot be parsed: ${(e as Error).message.split('\n')[0]}`,
      {
        hint: 'fix the dataset card (datasets would refuse it too)',
      },
    );
  }
  return v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : null;
}

/** datasets' `MetadataConfigs.from_dataset_card_data`: the card's `configs:` in order (empty when none). */
export function cardConfigs(readme: string | null, where: string): CardConfig[] {
  if (readme === null) return [];
  const fm = cardFrontMatter(readme, where);
  const configs = fm?.configs;
  if (!configs) return [];
  if (!Array.isArray(configs))
    throw new GadError(`${where}: the card's configs: must be a list, got ${JSON.stringify(configs)}`);
  return configs.map((c) => {
    if (!c || typeof c !== 'object' || typeof (c as Record<string, unknown>).config_name !== 'string') {
      throw new GadError(`${where}: each entry of the card's configs: needs a config_name, got ${JSON.stringify(c)}`);
    }
    const r = c as Record<string, unknown>;
    if (r.data_files !== undefined && r.data_files !== null)
      sanitizePatterns(r.data_files, `${where} config '${r.config_name}'`);
    return {
      name: r.config_name as string,
      default: r.default === true,
      dataFiles: r.data_files ?? null,
      dataDir: typeof r.data_dir === 'string' ? r.data_dir : null,
    };
  });
}

/** datasets' `get_default_config_name`: the only config, the one named `default`, or the one with `default: true`. */
export function defaultConfigName(configs: CardConfig[], where: string): string | null {
  let found: string | null = null;
  for (const c of configs) {
    if (configs.length === 1 || c.name === 'default' || c.default) {
      if (found !== null)
        throw new GadError(`${where}: the dataset card has several default configs: '${found}' and '${c.name}'`);
      found = c.name;
    }
  }
  return found;
}

/** datasets' `infer_module_for_data_files_list`: the module of the most common extension (parquet wins a draw). */
export function inferModule(files: readonly string[]): string | null {
  const counts = new Map<string, number>();
  for (const f of files) {
    for (const s of (f.split('/').pop() ?? '').split('.').slice(1)) {
      const e = `.${s.toLowerCase()}`;
      counts.set(e, (counts.get(e) ?? 0) + 1);
    }
  }
  const prefer = ['.parquet', '.lance', '.arrow', '.jsonl', '.json', '.csv'];
  const sorted = [...counts.entries()].sort((a, b) => {
    if (a[1] !== b[1]) return b[1] - a[1];
    for (const p of prefer) if ((a[0] === p) !== (b[0] === p)) return a[0] === p ? -1 : 1;
    return a[0] < b[0] ? 1 : a[0] > b[0] ? -1 : 0;
  });
  for (const [e] of sorted) {
    if (EXTENSION_TO_MODULE[e]) return EXTENSION_TO_MODULE[e]!;
    if (e === '.zip') return 'other';
  }
  return null;
}

function moduleFilter(module: string): (f: string) => boolean {
  const exts = [
    ...Object.entries(EXTENSION_TO_MODULE)
      .filter(([, m]) => m === module)
      .map(([e]) => e),
    '.zip',
  ];
  const re = new RegExp(`.*(${exts.map(escapeRe).join('|')})(\\..+)?$`);
  return (f) => re.test(f);
}

/** Resolve split → patterns to split → files (datasets' `DataFilesDict.from_patterns`): a literal path that is missing is an error. */
function resolveSplits(
  patterns: SplitPatterns,
  files: readonly string[],
  base: string,
  where: string,
): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const [split, pats] of patterns) {
    const list: string[] = [];
    for (const p of pats) {
      if (/^[a-z][\w+.-]*:\/\//i.test(p)) {
        throw new GadError(`${where}: data_files entry ${p} is a URL; only files inside the repository are supported`);
      }
      try {
        list.push(...resolvePattern(p, files, base, true));
      } catch (e) {
        if (!(e instanceof NotFound)) throw e;
        if (!hasMagic(p))
          throw new GadError(`${where}: data file ${base ? `${base}/` : ''}${p} (split '${split}') does not exist`, {
            hint: 'the dataset card names a file the repository does not have',
          });
      }
    }
    out.set(split, list);
  }
  return out;
}

export interface ResolvedLayout {
  /** The config used (`default` when the card declares none). */
  config: string;
  /** Every config the repository declares (`['default']` when the card declares none). */
  configs: string[];
  /** How the layout was decided: `card configs`, or the file-name conventions. */
  from: 'card' | 'conventions';
  /** datasets' module for the repository's data files (`parquet`, `json`, `csv`, ...), null when there are none. */
  module: string | null;
  /** split → repo paths, in datasets' split order. */
  splits: Map<string, string[]>;
}

/**
 * The config and split layout `datasets.load_dataset(repo, name)` would use, from the repo's file list
 * and its README.md text (null when it has none). `config` null = the default one; an unknown config, or
 * several configs and no default, is an error listing the configs (as datasets raises).
 */
export function resolveLayout(
  files: readonly string[],
  readme: string | null,
  config: string | null,
  where: string,
): ResolvedLayout {
  const configs = cardConfigs(readme, where);
  // the module comes from the first config's data_files, or the conventions (datasets' HubDatasetModuleFactory),
  // inferred per split: splits of different formats are refused, as datasets refuses them
  let module: string | null = null;
  const first = configs[0];
  let probe: SplitPatterns | null = null;
  if (first && first.dataFiles !== null) probe = sanitizePatterns(first.dataFiles, where);
  else {
    try {
      probe = getDataPatterns(files);
    } catch {
      probe = null;
    }
  }
  if (probe) {
    const perSplit = [...resolveSplits(probe, files, '', where)].map(([s, l]) => [s, inferModule(l)] as const);
    module = perSplit[0]?.[1] ?? null;
    if (perSplit.some(([, m]) => m !== module)) {
      throw new GadError(
        `${where}: the splits hold different file formats (${perSplit.map(([s, m]) => `${s}: ${m ?? 'none'}`).join(', ')}); datasets refuses such a repository too`,
        {
          hint: 'give the files of each split in one format, or point at the files directly',
        },
      );
    }
  }
  if (!configs.length) {
    if (config !== null && config !== 'default') {
      throw new GadError(`config '${config}' does not exist in ${where}; available configs: default`, {
        hint: `drop ':${config}' from the source spec`,
      });
    }
    let patterns: SplitPatterns;
    try {
      patterns = getDataPatterns(files);
    } catch {
      return { config: 'default', configs: ['default'], from: 'conventions', module: null, splits: new Map() };
    }
    const keep = module ? moduleFilter(module) : () => true;
    const splits = new Map(
      [...resolveSplits(patterns, files, '', where)].map(([s, l]) => [s, l.filter(keep)] as [string, string[]]),
    );
    return { config: 'default', configs: ['default'], from: 'conventions', module, splits };
  }
  const names = configs.map((c) => c.name);
  let chosen: CardConfig | undefined;
  if (config !== null) {
    chosen = configs.find((c) => c.name === config);
    if (!chosen)
      throw new GadError(`config '${config}' does not exist in ${where}; available configs: ${names.join(', ')}`, {
        hint: `write ${where}:${names[0]}@<split>`,
      });
  } else {
    const d = defaultConfigName(configs, where);
    if (d === null) {
      throw new GadError(`${where} has several configs and none is the default; pick one: ${names.join(', ')}`, {
        hint: `write the config in the source spec: ${where}:${names[0]}@train (datasets: load_dataset('${where}', '${names[0]}'))`,
      });
    }
    chosen = configs.find((c) => c.name === d)!;
  }
  const base = chosen.dataDir ? chosen.dataDir.replace(/^\.\//, '').replace(/\/+$/, '') : '';
  const patterns =
    chosen.dataFiles !== null
      ? sanitizePatterns(chosen.dataFiles, `${where} config '${chosen.name}'`)
      : getDataPatterns(files, base);
  const splits = resolveSplits(patterns, files, base, `${where} config '${chosen.name}'`);
  for (const [s, l] of splits) {
    if (!l.length)
      throw new GadError(`${where} config '${chosen.name}': split '${s}' matches no data file`, {
        hint: 'check data_files in the dataset card',
      });
  }
  return { config: chosen.name, configs: names, from: 'card', module, splits };
}

/** The files of one split, or datasets' error listing the splits that exist (no aliases: `dev` is not `validation`). */
export function pickLayoutSplit(layout: ResolvedLayout, split: string, where: string): string[] {
  refuseSplitExpression(split, where);
  const files = layout.splits.get(split);
  if (files && files.length) return files;
  const have = [...layout.splits.keys()].sort();
  const cfg = layout.configs.length > 1 ? ` (config '${layout.config}')` : '';
  throw new GadError(
    `split '${split}' does not exist in ${where}${cfg}; available splits: ${have.length ? have.join(', ') : '(none found)'}`,
    {
      hint: have.length
        ? `write ${where}@${have[0]} (or another listed split)`
        : 'check that the source holds data files',
    },
  );
}

/**
 * `datasets` split expressions (`train[:10%]`, `train+test`, `test[100:200]`) select rows; gad-data takes whole
 * splits only, so such a spec is an error rather than a build of other rows.
 */
export function refuseSplitExpression(split: string, where: string): void {
  if (/[[\]+%:]/.test(split)) {
    throw new GadError(
      `split '${split}' of ${where} is a datasets split expression (slices and sums select rows); gad-data builds whole splits`,
      {
        hint: 'give the whole split (e.g. @train) and carve a subset with --test-ratio, or prepare the subset as a file',
      },
    );
  }
}
