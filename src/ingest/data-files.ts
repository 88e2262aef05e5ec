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
import { GadError } from '../core/errors.js';
import { hasMagic } from './data-glob.js';
import { inferModule, moduleFilter } from './data-modules.js';
import { getDataPatterns, NotFound, resolvePattern, type SplitPatterns } from './data-patterns.js';
import { cardConfigs, defaultConfigName, sanitizePatterns, type CardConfig } from './dataset-card.js';

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
      [...resolveSplits(patterns, files, '', where)].map(([s, l]): [string, string[]] => [s, l.filter(keep)]),
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
