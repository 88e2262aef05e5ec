/**
 * The `build` flags, generated from the key table (keys.ts): each key's flag as a commander option (its help
 * shows the key's real default), and the parsed flags back into a config layer with the keys of gad-data.yaml.
 */
import { Option, type Command } from 'commander';
import { keyEntries, splitPath, type KeyPath } from './keys.js';
import type { FlagSpec } from './key.js';
import { flagParser, keyDefault } from './schema.js';
import { isRecord, must } from '../core/guards.js';

/** A repeatable option's values as a list. */
export const collect = (v: string, prev: string[] = []) => [...prev, v];

/** The order of the key flags in `build --help` (every key flag once: `keyFlags` checks). */
export const BUILD_FLAG_ORDER = [
  '--train',
  '--val',
  '--model',
  '--model-source',
  '--target',
  '--pipeline',
  '--format-prompt',
  '--out',
  '--teacher',
  '--teacher-key',
  '--teacher-id-key',
  '--teacher-split-key',
  '--teacher-column',
  '--teacher-ending',
  '--input-format',
  '--prompt-key',
  '--answer-key',
  '--image-key',
  '--image-dir',
  '--image-bytes-key',
  '--id-key',
  '--license',
  '--data-source',
  '--image-placement',
  '--max-prompt-length',
  '--max-response-length',
  '--no-filter-overlong',
  '--min-pixels',
  '--max-pixels',
  '--max-input-pixels',
  '--image-timeout',
  '--image-format',
  '--resize',
  '--allow-outside-paths',
  '--multi-image',
  '--require-image',
  '--no-passthrough',
  '--no-dedupe',
  '--test-ratio',
  '--seed',
  '--shard-size',
  '--revision',
  '--offline',
  '--concurrency',
  '--max-drop-ratio',
  '--max-split-drop-ratio',
] as const;

export interface KeyFlag {
  path: KeyPath;
  spec: FlagSpec;
  option: Option;
}

/** A key flag's `--name` (every key flag has one: `flags` of the key table). */
function longName(option: Option): string {
  return must(option.long, `the key flag ${option.flags} has a --long name`);
}

/** One key's flag as a commander option (no default set: gad-data.yaml still applies when the flag is not given). */
function optionOf(path: KeyPath, spec: FlagSpec): Option {
  const help = typeof spec.help === 'function' ? spec.help(keyDefault(path)) : spec.help;
  const option = new Option(spec.flags, help);
  if (spec.parse === 'schema') option.argParser(flagParser(longName(option), path));
  else if (spec.parse === 'repeat') option.argParser(collect);
  else if (spec.parse) option.argParser(spec.parse);
  if (spec.choices) option.choices(spec.choices);
  return option;
}

/** Every key flag, in `BUILD_FLAG_ORDER`; throws when the order and the table disagree (a key flag left out). */
export function keyFlags(): KeyFlag[] {
  const byFlag = new Map<string, KeyFlag>();
  for (const [path, key] of keyEntries()) {
    if (!key.flag) continue;
    const option = optionOf(path, key.flag);
    byFlag.set(longName(option), { path, spec: key.flag, option });
  }
  const order: readonly string[] = BUILD_FLAG_ORDER;
  const missing = [...byFlag.keys()].filter((f) => !order.includes(f));
  const unknown = order.filter((f) => !byFlag.has(f));
  if (missing.length || unknown.length)
    throw new Error(`BUILD_FLAG_ORDER and the key table disagree: missing ${missing.join(', ')}; unknown ${unknown}`);
  return order.map((f) => must(byFlag.get(f), `${f} is in the key table (checked above)`));
}

/** Add every key flag to a command, in `BUILD_FLAG_ORDER`. */
export function addKeyFlags(cmd: Command): Command {
  for (const f of keyFlags()) cmd.addOption(f.option);
  return cmd;
}

/** The parsed flags → a config layer (same keys as gad-data.yaml); flags not given are left out. */
export function flagsToConfig(o: Record<string, unknown>): Record<string, unknown> {
  const cfg: Record<string, unknown> = {};
  for (const { path, spec, option } of keyFlags()) {
    const v = o[option.attributeName()];
    let value: unknown = v;
    if (spec.sets !== undefined) {
      // a switch: `--no-dedupe` gives dedupe false (commander: false), `--multi-image` gives single_image false
      if (!(option.negate ? v === false : !!v)) continue;
      value = spec.sets;
    } else if (v === undefined) continue;
    const [section, name] = splitPath(path);
    if (!section) cfg[name] = value;
    else {
      const prev = cfg[section];
      cfg[section] = { ...(isRecord(prev) ? prev : {}), [name]: value };
    }
  }
  return cfg;
}
