/**
 * The config schema, generated from the key table (keys.ts), and what checks a value against it: `parseConfig`
 * (errors name the key, unknown keys get a "did you mean"), `flagParser` (a flag follows its key's rule).
 */
import { z } from 'zod';
import { closest, distance } from 'fastest-levenshtein';
import { GadError } from '../core/errors.js';
import { EASYR1_DATA_CONFIG_FIELDS } from '../core/easyr1-data-keys.js';
import { CONFIG_KEYS, keyEntries, splitPath, type KeyPath, type Section } from './keys.js';

type Keys = typeof CONFIG_KEYS;
/** The zod shape of a section (`data`: max_prompt_length → its type, ...), from the table's types. */
type SectionShape<S extends string> = { [P in KeyPath as P extends `${S}.${infer K}` ? K : never]: Keys[P]['type'] };
type TopShape = { [P in KeyPath as P extends `${string}.${string}` ? never : P]: Keys[P]['type'] };

function sectionShape<S extends Section>(section: S): SectionShape<S> {
  const shape: Record<string, z.ZodType> = {};
  for (const [path, key] of keyEntries()) {
    const [s, name] = splitPath(path);
    if (s === section) shape[name] = key.type;
  }
  return shape as SectionShape<S>;
}

/** EasyR1's data section. Keys EasyR1 has that gad-data does not use are accepted and listed as ignored; others are errors. */
const dataSchema = z
  .object({
    ...Object.fromEntries(EASYR1_DATA_CONFIG_FIELDS.map((k) => [k, z.unknown().optional()])),
    ...sectionShape('data'),
  })
  .strict();
const teacherSchema = z.object(sectionShape('teacher')).strict();
const hubSchema = z.object(sectionShape('hub')).strict();

/** Each section as a top-level key: data and hub default to their keys' defaults, teacher to none. */
const SECTION_SCHEMAS = {
  data: dataSchema.default(dataSchema.parse({})),
  teacher: teacherSchema.nullable().default(null),
  hub: hubSchema.default(hubSchema.parse({})),
};

/** The top-level shape in table order, each section where its first key is. */
function topShape(): TopShape & typeof SECTION_SCHEMAS {
  const shape: Record<string, z.ZodType> = {};
  for (const [path, key] of keyEntries()) {
    const [section, name] = splitPath(path);
    if (!section) shape[name] = key.type;
    else if (!(section in shape)) shape[section] = SECTION_SCHEMAS[section as Section];
  }
  return shape as TopShape & typeof SECTION_SCHEMAS;
}

export const configSchema = z.object(topShape()).strict();

export type GadConfig = z.infer<typeof configSchema>;
export type ConfigInput = z.input<typeof configSchema>;

/** The EasyR1 data keys gad-data reads. Others (video_key, rollout_batch_size, ...) are accepted and ignored. */
export const GAD_DATA_KEYS: readonly string[] = keyEntries()
  .filter(([p]) => p.startsWith('data.'))
  .map(([p]) => splitPath(p)[1]);

/** A key's built-in default (undefined: none). */
export function keyDefault(path: KeyPath): unknown {
  return CONFIG_KEYS[path].type.parse(undefined);
}

/** teacher.ending when a teacher section does not set it. */
export function defaultTeacherEnding(): 'keep' | 'strip' | 'append' {
  return teacherSchema.parse({}).ending;
}

/** The keys a config section takes (top level: ''), from the schema itself. */
function knownKeys(section: string): string[] {
  const shapes: Record<string, Record<string, unknown>> = {
    '': configSchema.shape,
    data: dataSchema.shape,
    teacher: teacherSchema.shape,
    hub: hubSchema.shape,
  };
  return Object.keys(shapes[section] ?? {});
}

/**
 * "did you mean" for an unknown key: the same key in another section (`max_prompt_length` at the top level →
 * `data.max_prompt_length`), else the closest key of its own section when it is a plausible typo.
 */
export function suggestKey(section: string, key: string): string | null {
  for (const other of ['', 'data', 'teacher', 'hub']) {
    if (other !== section && knownKeys(other).includes(key)) return other ? `${other}.${key}` : key;
  }
  const keys = knownKeys(section);
  if (!keys.length) return null;
  const best = closest(key, keys);
  const d = distance(key.toLowerCase(), best.toLowerCase());
  if (d > Math.max(2, Math.floor(key.length / 3))) return null;
  return section ? `${section}.${best}` : best;
}

function formatIssues(err: z.ZodError, origin: string): string {
  return err.issues
    .map((i) => {
      const key = i.path.join('.') || '(top level)';
      if (i.code === 'unrecognized_keys') {
        const section = i.path.join('.');
        const where = section ? `${section}.` : '';
        return i.keys
          .map((k) => {
            const s = suggestKey(section, k);
            return `  ${where + k}: unknown key${s ? ` (did you mean ${s}?)` : ' (check the spelling; see `gad-data init` for every key)'}`;
          })
          .join('\n');
      }
      return `  ${key}: ${i.message}`;
    })
    .join('\n')
    .replace(/^/, `invalid configuration (${origin}):\n`);
}

/**
 * A flag's value checked by the same schema as the config key it sets, so `--max-prompt-length 0` and
 * `max_prompt_length: 0` are refused by one rule with one message. `key` is `data.max_prompt_length` or a
 * top-level key; numeric text is read as a number, anything else is passed as text (and refused as in YAML).
 */
export function flagParser(flag: string, key: string): (value: string) => unknown {
  const [a, b] = key.split('.') as [string, string | undefined];
  const schema =
    b === undefined
      ? (configSchema.shape as Record<string, z.ZodType>)[a]
      : a === 'data'
        ? (dataSchema.shape as Record<string, z.ZodType>)[b]
        : undefined;
  if (!schema) throw new Error(`flagParser: no config key ${key}`);
  return (value: string) => {
    const n = value.trim() !== '' && Number.isFinite(Number(value)) ? Number(value) : value;
    const r = schema.safeParse(n);
    if (r.success) return r.data;
    throw new GadError(
      `${flag} ${r.error.issues[0]?.message ?? 'invalid value'} (the config key ${key} follows the same rule)`,
      { exitCode: 2 },
    );
  };
}

/** Parse and validate a config object. */
export function parseConfig(input: unknown, origin = 'config'): GadConfig {
  const r = configSchema.safeParse(input ?? {});
  if (!r.success) throw new GadError(formatIssues(r.error, origin), { hint: 'fix the key named above', exitCode: 2 });
  return r.data;
}
