/**
 * What the config key table (keys.ts) says about one key: its type (zod, with the default), whether it
 * affects the output, its help text, its build flag and its line in `gad-data init`'s example. The
 * generators (schema.ts, flags.ts, example.ts, docs.ts, output.ts) read nothing else.
 */
import type { z } from 'zod';

/** The `build` flag that sets a key. */
export interface FlagSpec {
  /** commander's flags: `-m, --model <name|dir>`, `--no-dedupe` (a switch turning the key off), `--multi-image`. */
  flags: string;
  /** The help text; a function gets the key's default, so a shown default is never hand-written (see `dflt`). */
  help: string | ((dflt: unknown) => string);
  /** How the text is read: by the key's own schema (`flagParser`), repeatable (a list), a function; default: as text. */
  parse?: 'schema' | 'repeat' | ((value: string) => unknown);
  choices?: readonly string[];
  /** A switch (no value): the value the key gets when the flag is given (`--multi-image`: single_image false). */
  sets?: boolean;
}

/** The key's line in the example config (`gad-data init`): the value written (default: the key's default) and a comment. */
export interface ExampleSpec {
  value?: string;
  /** Lines after the first are continued under the comment column. */
  comment?: string;
  /** Written as a comment (`# format_prompt: math`): the key stays unset. */
  commented?: boolean;
}

export interface ConfigKey {
  /** The value: a zod type with its default (`.default(...)`) or `.optional()`. */
  type: z.ZodType;
  /**
   * Whether a build with another value of this key may write other bytes. Required: every key says. The resume
   * hash covers exactly the keys marked true (`outputConfigOf`); false keys (the output folder, the concurrency,
   * the Hub token) can change between an interrupted build and its resume.
   */
  affectsOutput: boolean;
  /** What it does (the docs' table; markdown). */
  help: string;
  flag?: FlagSpec;
  /** The example config's line; false: not in the example. */
  example?: string | ExampleSpec | false;
}

/** "(default: X)" for help texts, computed from the values the command uses (never hand-written). */
export const dflt = (v: unknown) => `(default: ${Array.isArray(v) ? v.join(', ') : String(v)})`;
/** A byte count as written in help texts: 500MB. */
export const mb = (bytes: number) => (bytes % 1_000_000 === 0 ? `${bytes / 1_000_000}MB` : `${bytes}`);
