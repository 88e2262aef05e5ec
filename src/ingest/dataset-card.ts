/** A dataset card (`README.md` YAML front matter): its `configs:`, their `data_files`, the default config. */
import { parse as parseYaml } from 'yaml';
import { GadError } from '../core/errors.js';
import { SPLIT_RE, type SplitPatterns } from './data-patterns.js';
import { errorMessage, isRecord, isObject } from '../core/guards.js';

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
      `${where}: the YAML front matter of README.md cannot be parsed: ${errorMessage(e).split('\n')[0]}`,
      {
        hint: 'fix the dataset card (datasets would refuse it too)',
      },
    );
  }
  return isRecord(v) ? v : null;
}

/** datasets' `MetadataConfigs.from_dataset_card_data`: the card's `configs:` in order (empty when none). */
export function cardConfigs(readme: string | null, where: string): CardConfig[] {
  if (readme === null) return [];
  const fm = cardFrontMatter(readme, where);
  const configs = fm?.configs;
  if (!configs) return [];
  if (!Array.isArray(configs))
    throw new GadError(`${where}: the card's configs: must be a list, got ${JSON.stringify(configs)}`);
  return configs.map((r: unknown) => {
    if (!isObject(r) || typeof r.config_name !== 'string') {
      throw new GadError(`${where}: each entry of the card's configs: needs a config_name, got ${JSON.stringify(r)}`);
    }
    if (r.data_files !== undefined && r.data_files !== null)
      sanitizePatterns(r.data_files, `${where} config '${r.config_name}'`);
    return {
      name: r.config_name,
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
