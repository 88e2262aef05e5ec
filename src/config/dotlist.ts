/**
 * EasyR1's command line (`python3 -m verl.trainer.main config=examples/config.yaml data.max_prompt_length=4096 ...`):
 * `verl/trainer/main.py` reads it with `OmegaConf.from_cli()`, pops `config`, loads that file, and merges the other
 * `key.path=value` pairs over it (the file, then the overrides). Each value is parsed as OmegaConf parses a CLI value:
 * a YAML scalar (`4096` an int, `1e-2` a float, `true` / `null`, anything else text; no timestamps).
 */
import { parse as parseYaml } from 'yaml';
import { GadError } from '../core/errors.js';
import { isRecord, must } from '../core/guards.js';

export interface Dotlist {
  /** The `config=FILE` argument, or null. */
  config: string | null;
  /** The other pairs as a nested object (`data.max_prompt_length=4096` → { data: { max_prompt_length: 4096 } }). */
  overrides: Record<string, unknown>;
  /** The keys set, in order (for messages). */
  keys: string[];
}

/** A CLI value as OmegaConf reads it (yaml.load of the text after the first `=`). */
export function dotlistValue(text: string): unknown {
  try {
    return parseYaml(text, {
      version: '1.1',
      customTags: (tags) => tags.filter((t) => typeof t === 'string' || t.tag !== 'tag:yaml.org,2002:timestamp'),
    });
  } catch {
    return text;
  }
}

export function parseDotlist(args: readonly string[]): Dotlist {
  let config: string | null = null;
  const overrides: Record<string, unknown> = {};
  const keys: string[] = [];
  for (const arg of args) {
    const eq = arg.indexOf('=');
    if (eq <= 0) {
      throw new GadError(`unexpected argument '${arg}': build takes options, and EasyR1 overrides as key=value`, {
        hint: 'write EasyR1 settings as config=examples/config.yaml data.max_prompt_length=4096 (or use the --flags of gad-data build --help)',
        exitCode: 2,
      });
    }
    const key = arg.slice(0, eq);
    const value = dotlistValue(arg.slice(eq + 1));
    if (key === 'config') {
      if (typeof value !== 'string' || !value)
        throw new GadError(`config=${arg.slice(eq + 1)}: not a file name`, { exitCode: 2 });
      config = value;
      continue;
    }
    const path = key.split('.');
    if (path.some((p) => !p)) throw new GadError(`'${key}' is not a key path (key.sub.key=value)`, { exitCode: 2 });
    let at = overrides;
    for (const p of path.slice(0, -1)) {
      const next = at[p];
      if (isRecord(next)) at = next;
      else {
        const fresh: Record<string, unknown> = {};
        at[p] = fresh;
        at = fresh;
      }
    }
    at[must(path.at(-1), 'a split key has a last part')] = value;
    keys.push(key);
  }
  return { config, overrides, keys };
}
