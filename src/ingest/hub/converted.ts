/** The Hub's `refs/convert/parquet` branch: which of its files are one config and split of a dataset. */
import { GadError } from '../../core/errors.js';

export const CONVERTED_PARQUET_REVISION = 'refs/convert/parquet';

export function pathIsParquet(p: string): boolean {
  return p.toLowerCase().endsWith('.parquet');
}

/**
 * In the `refs/convert/parquet` branch (`<config>/<split>/NNNN.parquet`, `<config>/partial-<split>/…` when the
 * Hub converted only the first rows): the files of one config and split. The config: the one asked for, else
 * the repo's default (`preferred`), else `default`, else the only one; anything else is an error listing them.
 */
export function pickConverted(p: {
  paths: string[];
  repo: string;
  split: string;
  config: string | null;
  preferred: string | null;
  warn: (m: string) => void;
}): string[] {
  const { paths, repo, split, config, preferred, warn } = p;
  const byConfig = new Map<string, string[]>();
  for (const p of paths) {
    const [first, ...rest] = p.split('/');
    if (first === undefined || !rest.length) continue;
    const list = byConfig.get(first) ?? [];
    list.push(p);
    byConfig.set(first, list);
  }
  const configs = [...byConfig.keys()].sort();
  const where = `${repo} (${CONVERTED_PARQUET_REVISION})`;
  let chosen: string;
  if (config !== null) {
    if (!byConfig.has(config))
      throw new GadError(
        `config '${config}' does not exist in ${where}; available configs: ${configs.join(', ') || '(none)'}`,
      );
    chosen = config;
  } else if (preferred && byConfig.has(preferred)) chosen = preferred;
  else if (byConfig.has('default')) chosen = 'default';
  else if (configs.length === 1 && configs[0] !== undefined) chosen = configs[0];
  else {
    throw new GadError(`${where} has several configs and none is the default; pick one: ${configs.join(', ')}`, {
      hint: `write the config in the source spec: ${repo}:${configs[0]}@${split}`,
    });
  }
  const splits = new Map<string, { files: string[]; partial: boolean }>();
  for (const p of byConfig.get(chosen) ?? []) {
    const parts = p.split('/');
    let name: string;
    let partial = false;
    if (parts.length === 3 && parts[1] !== undefined) {
      name = parts[1];
      if (name.startsWith('partial-')) {
        name = name.slice('partial-'.length);
        partial = true;
      }
    } else if (parts.length === 2 && parts[1] !== undefined) {
      // older layout: <config>/<dataset>-<split>[-NNNNN-of-NNNNN].parquet
      const m = /-([^-]+?)(?:-\d{5}-of-\d{5})?\.parquet$/.exec(parts[1]);
      if (!m?.[1]) continue;
      name = m[1];
    } else continue;
    const e = splits.get(name) ?? { files: [], partial: false };
    e.files.push(p);
    e.partial ||= partial;
    splits.set(name, e);
  }
  const got = splits.get(split);
  if (!got) {
    const have = [...splits.keys()].sort();
    throw new GadError(
      `split '${split}' does not exist in ${where} config '${chosen}'; available splits: ${have.join(', ') || '(none found)'}`,
      {
        hint: have.length ? `write ${repo}@${have[0]} (or another listed split)` : 'check the dataset id',
      },
    );
  }
  if (got.partial) {
    warn(
      `${where}: split '${split}' of config '${chosen}' is a PARTIAL conversion (the Hub converted only its first rows): the build gets fewer rows than load_dataset('${repo}') would`,
    );
  }
  return got.files.sort();
}
