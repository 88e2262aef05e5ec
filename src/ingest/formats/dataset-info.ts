/**
 * LLaMA-Factory's `dataset_dir` + `dataset` pair as a source spec: `DIR#NAME` or `DIR/dataset_info.json#NAME`
 * names the entry NAME of DIR/dataset_info.json, read as LLaMA-Factory's src/llamafactory/data/parser.py reads it
 * (DatasetAttr.join): `file_name` under DIR, `formatting` (alpaca, sharegpt), `columns` and `tags`, each key absent
 * taking DatasetAttr's default. Images are resolved against DIR (its `media_dir` default), unless image_dir is set.
 */
import { readFileSync, statSync } from 'node:fs';
import { basename, dirname, isAbsolute, join, resolve } from 'node:path';
import { GadError } from '../../core/errors.js';
import { errorMessage, isObject, isRecord } from '../../core/guards.js';

const DATA_CONFIG = 'dataset_info.json';

/** DatasetAttr's columns and tags with its defaults (parser.py). */
export interface DatasetEntry {
  name: string;
  /** The dataset_info.json file the entry is read from. */
  infoFile: string;
  /** The data file (or folder) it names: `file_name` under dataset_dir, as LLaMA-Factory's loader joins them. */
  dataPath: string;
  /** dataset_dir: where LLaMA-Factory finds the images (its media_dir default). */
  dir: string;
  formatting: 'alpaca' | 'sharegpt';
  columns: {
    prompt: string | null;
    query: string | null;
    response: string | null;
    history: string | null;
    messages: string | null;
    system: string | null;
    images: string | null;
  };
  tags: {
    role_tag: string;
    content_tag: string;
    user_tag: string;
    assistant_tag: string;
    observation_tag: string;
    function_tag: string;
    system_tag: string | null;
  };
}

const COLUMN_KEYS = ['prompt', 'query', 'response', 'history', 'messages', 'system', 'images'] as const;
const DEFAULT_COLUMNS: DatasetEntry['columns'] = {
  prompt: 'instruction',
  query: 'input',
  response: 'output',
  history: null,
  messages: 'conversations',
  system: null,
  images: null,
};
const DEFAULT_TAGS: DatasetEntry['tags'] = {
  role_tag: 'from',
  content_tag: 'value',
  user_tag: 'human',
  assistant_tag: 'gpt',
  observation_tag: 'observation',
  function_tag: 'function_call',
  system_tag: 'system',
};
/** Entry keys that make rows gad-data cannot build faithfully (each named in the refusal). */
const NOT_READ_COLUMNS = ['tools', 'videos', 'audios', 'chosen', 'rejected', 'kto_tag'];
const SOURCE_KEYS = ['hf_hub_url', 'ms_hub_url', 'om_hub_url', 'script_url', 'cloud_file_name'];

/** `DIR#NAME` / `DIR/dataset_info.json#NAME`: the info file and the entry name, or null for any other spec. */
export function datasetInfoSpec(spec: string, cwd: string): { infoFile: string; name: string } | null {
  const [, dir, name] = /^(.+)#([^#/\\]+)$/.exec(spec.trim()) ?? [];
  if (dir === undefined || name === undefined) return null;
  const path = isAbsolute(dir) ? dir : resolve(cwd, dir);
  const infoFile = basename(path) === DATA_CONFIG ? path : join(path, DATA_CONFIG);
  try {
    if (!statSync(infoFile).isFile()) return null;
  } catch {
    return null;
  }
  return { infoFile, name };
}

function refuse(where: string, message: string, hint: string): never {
  throw new GadError(`${where}: ${message}`, { hint, exitCode: 2 });
}

function text(v: unknown, where: string, key: string): string | null {
  if (v === undefined || v === null) return null;
  if (typeof v !== 'string' || v === '') refuse(where, `${key} is ${JSON.stringify(v)}, not a name`, 'write a name');
  return v;
}

/** The entry NAME of the dataset_info.json file, as LLaMA-Factory reads it; refused (exit 2) when not readable here. */
export function readDatasetEntry(p: { infoFile: string; name: string }): DatasetEntry {
  let info: unknown;
  try {
    info = JSON.parse(readFileSync(p.infoFile, 'utf8'));
  } catch (e) {
    refuse(p.infoFile, `not readable as JSON (${errorMessage(e)})`, `fix ${DATA_CONFIG}`);
  }
  const all = isRecord(info) ? info : {};
  const attr = all[p.name];
  if (!isObject(attr))
    refuse(p.infoFile, `no dataset '${p.name}'`, `name one of: ${Object.keys(all).join(', ') || '(none)'}`);
  const where = `${p.infoFile} entry '${p.name}'`;
  const from = SOURCE_KEYS.find((k) => attr[k] !== undefined);
  if (from)
    refuse(
      where,
      `the data is not a local file (${from}: ${JSON.stringify(attr[from])})`,
      'download it, or name the Hub dataset itself as the source (owner/name@split)',
    );
  const file = text(attr.file_name, where, 'file_name');
  if (!file) refuse(where, 'has no file_name', 'add "file_name": the data file under dataset_dir');
  const formatting = attr.formatting ?? 'alpaca';
  if (formatting !== 'alpaca' && formatting !== 'sharegpt')
    refuse(where, `formatting ${JSON.stringify(formatting)} is not read`, 'use alpaca or sharegpt');
  if (attr.ranking === true)
    refuse(where, 'a ranking (preference) dataset is not read', 'name an SFT dataset (ranking: false)');
  const mapping = (key: 'columns' | 'tags'): Record<string, unknown> => {
    const v = attr[key] ?? {};
    if (!isObject(v))
      refuse(where, `${key} is ${JSON.stringify(v)}, not a mapping`, `write ${key} as {"name": "value"}`);
    return v;
  };
  const colsIn = mapping('columns');
  const tagsIn = mapping('tags');
  const unread = NOT_READ_COLUMNS.filter((k) => colsIn[k] !== undefined && colsIn[k] !== null);
  if (unread.length)
    refuse(
      where,
      `columns ${unread.join(', ')} are not read (gad-data builds single-image prompts; tools, videos, audio and preference columns would be lost)`,
      'name an entry without them, or convert those rows first',
    );
  const columns = { ...DEFAULT_COLUMNS };
  for (const k of COLUMN_KEYS) if (k in colsIn) columns[k] = text(colsIn[k], where, `columns.${k}`);
  const tags = { ...DEFAULT_TAGS };
  for (const k of Object.keys(tags) as Array<keyof DatasetEntry['tags']>)
    if (k in tagsIn) (tags as Record<string, string | null>)[k] = text(tagsIn[k], where, `tags.${k}`);
  const dir = dirname(p.infoFile);
  return { name: p.name, infoFile: p.infoFile, dataPath: join(dir, file), dir, formatting, columns, tags };
}

/**
 * The build's splits with each `DIR#NAME` spec replaced by the data path of its entry, and the entry read (null when
 * no spec names one). The entries of one build share one layout (formatting, columns, tags, dataset_dir): the rows
 * of a build are read by one reader.
 */
export function expandDatasetInfo(p: { splits: Array<{ split: string; specs: string[] }>; cwd: string }): {
  splits: Array<{ split: string; specs: string[] }>;
  entry: DatasetEntry | null;
} {
  // in an object: the spec callbacks below set them, which a `let` would hide from the checks after the loop
  const seen: { entry: DatasetEntry | null; plain: string | null } = { entry: null, plain: null };
  const layout = (e: DatasetEntry) => JSON.stringify([e.formatting, e.columns, e.tags, e.dir]);
  const splits = p.splits.map((s) => ({
    split: s.split,
    specs: s.specs.map((spec) => {
      const named = datasetInfoSpec(spec, p.cwd);
      if (!named) {
        seen.plain ??= spec;
        return spec;
      }
      const e = readDatasetEntry(named);
      const first = seen.entry;
      if (first && layout(first) !== layout(e))
        refuse(
          `${e.infoFile} entry '${e.name}'`,
          `its formatting, columns, tags or folder differ from those of entry '${first.name}' in the same build`,
          'build each layout on its own',
        );
      seen.entry ??= e;
      return e.dataPath;
    }),
  }));
  const { entry, plain } = seen;
  if (entry && plain)
    refuse(
      `source ${plain}`,
      `a build reading dataset_info.json entries (${entry.name}) reads every split through entries`,
      `add the file to ${DATA_CONFIG} and name its entry (DIR#NAME)`,
    );
  return { splits, entry };
}
