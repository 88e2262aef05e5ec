/**
 * EasyR1's command line on `gad-data train --profile easyr1` (`config=examples/config.yaml data.key=value …`), as
 * verl/trainer/main.py reads it: `config` is popped from OmegaConf.from_cli() and loaded, the other pairs merged over
 * it (the file, then the overrides). Here the file is the `-c` layer over the base config (easyr1-sections.ts), and
 * the pairs stay on EasyR1's command line after the config gad-data writes, so EasyR1 merges them last, as it would.
 * A second `config=` on that command line would replace gad-data's config (and with it the build's data paths):
 * it is taken off. Keys EasyR1's PPOConfig does not have are refused, as build refuses them in a file: a top-level
 * key outside its sections, a `data.` key outside DataConfig's fields. Deeper keys EasyR1 checks itself at load.
 */
import { resolve } from 'node:path';
import { readFileSync } from 'node:fs';
import YAML from 'yaml';
import { GadError } from '../core/errors.js';
import { EASYR1_DATA_CONFIG_FIELDS } from '../core/easyr1-data-keys.js';
import { isPlainObject } from './easyr1-sections.js';
import { errorMessage } from '../core/guards.js';

const SECTIONS = ['data', 'worker', 'algorithm', 'trainer'];

export interface EasyR1CommandLine {
  /** The `config=FILE` file's content (the -c layer), or undefined when none was given. */
  easyr1Config?: Record<string, unknown>;
  /** Its path as resolved. */
  configPath?: string;
  /** The key=value pairs, in order, for EasyR1's command line. */
  overrides: string[];
}

/** The `config=FILE` argument taken off the trailing overrides and read; the other keys checked. */
export function easyr1CommandLine(p: {
  overrides: readonly string[];
  cFlag?: string;
  cwd?: string;
}): EasyR1CommandLine {
  const configs = p.overrides.filter((a) => a.startsWith('config='));
  const overrides = p.overrides.filter((a) => !a.startsWith('config='));
  if (configs.length > 1)
    throw new GadError(`${configs.join(' and ')}: EasyR1 reads one config file`, { hint: 'keep one', exitCode: 2 });
  if (configs.length && p.cFlag)
    throw new GadError(`both -c ${p.cFlag} and ${configs[0]} name an EasyR1 config file`, {
      hint: 'keep one of them',
      exitCode: 2,
    });
  for (const o of overrides) {
    const eq = o.indexOf('=');
    const key = eq > 0 ? o.slice(0, eq) : o;
    const [top = '', sub] = key.split('.');
    const unknown = !SECTIONS.includes(top)
      ? `'${top}' is not a section of EasyR1's PPOConfig (${SECTIONS.join(', ')})`
      : top === 'data' && sub !== undefined && !EASYR1_DATA_CONFIG_FIELDS.some((f) => f === sub)
        ? `'${sub}' is not a key of EasyR1's DataConfig`
        : null;
    if (unknown)
      throw new GadError(`EasyR1 override ${o}: ${unknown}; EasyR1 refuses it when it loads the config`, {
        hint: 'check the key against EasyR1 verl/trainer/config.py (e.g. data.max_prompt_length=4096)',
        exitCode: 2,
      });
  }
  const [config] = configs;
  if (config === undefined) return { overrides };
  const path = resolve(p.cwd ?? process.cwd(), config.slice('config='.length));
  let raw: unknown;
  try {
    raw = YAML.parse(readFileSync(path, 'utf8'));
  } catch (e) {
    throw new GadError(`${config}: ${path} cannot be read as YAML (${errorMessage(e).split('\n')[0]})`, {
      hint: 'name an EasyR1 config.yaml (e.g. config=examples/config.yaml)',
      exitCode: 2,
    });
  }
  if (!isPlainObject(raw))
    throw new GadError(`${configs[0]}: ${path} is not a YAML mapping`, {
      hint: 'name an EasyR1 config.yaml',
      exitCode: 2,
    });
  return { easyr1Config: raw, configPath: path, overrides };
}
