/**
 * Hydra command-line overrides (`key=value`) as verl's `main_ppo` parses them, and POSIX shell quoting
 * for printing a command.
 */

import { shellWord } from '../core/quote/shell.js';
import { isObject, isRecord } from '../core/guards.js';

/** One override: `key` may carry a Hydra prefix (`+`, `++`, `~`); `value` is already Hydra text. */
export interface Override {
  key: string;
  value: string | null;
  /** The launch variable the value came from (`data.train_batch_size=$TRAIN_BATCH_SIZE`); dropped when a later override replaces it. */
  from?: string;
}

const NUMBER_LIKE = /^[-+]?(\d[\d_]*(\.\d*)?|\.\d+)([eE][-+]?\d+)?$/;
const WORD_LIKE = /^(true|false|null|nan|inf|-inf|\+inf)$/i;
const HYDRA_PLAIN = /^[A-Za-z0-9_/.\-+@%*?|~]+$/;

/** A string as a Hydra value: plain when Hydra would read it back as the same string, else double-quoted. */
export function hydraString(s: string): string {
  if (s.length > 0 && HYDRA_PLAIN.test(s) && !NUMBER_LIKE.test(s) && !WORD_LIKE.test(s) && !s.startsWith('~')) return s;
  return quoted(s);
}

function quoted(s: string): string {
  return (
    '"' +
    s
      .replace(/(\\+)(?="|$)/g, '$1$1')
      .replace(/"/g, '\\"')
      .replace(/\$\{/g, '\\${') +
    '"'
  );
}

/** Any JSON-like value as Hydra override text (Python-style booleans, lists of quoted strings). */
export function hydraValue(v: unknown): string {
  if (v === null || v === undefined) return 'null';
  if (typeof v === 'boolean') return v ? 'True' : 'False';
  if (typeof v === 'number') {
    if (!Number.isFinite(v)) throw new Error(`not a finite number: ${v}`);
    return String(v);
  }
  if (typeof v === 'bigint') return v.toString();
  if (typeof v === 'string') return hydraString(v);
  if (Array.isArray(v)) return '[' + v.map((x) => (typeof x === 'string' ? quoted(x) : hydraValue(x))).join(',') + ']';
  if (isObject(v)) {
    const parts = Object.entries(v).map(([k, x]) => `${k}:${typeof x === 'string' ? quoted(x) : hydraValue(x)}`);
    return '{' + parts.join(',') + '}';
  }
  return hydraString(String(v));
}

/** The config key an override addresses, without Hydra's `+`, `++` or `~` prefix. */
export function overrideKey(key: string): string {
  return key.replace(/^(\+\+|\+|~)/, '');
}

/** Parse `key=value` (or `~key`) as typed on a command line; the value is kept as written. */
export function parseOverride(text: string): Override {
  const eq = text.indexOf('=');
  if (eq < 0) {
    if (text.startsWith('~')) return { key: text, value: null };
    throw new Error(`override "${text}" has no "=": write key=value (e.g. trainer.total_epochs=2)`);
  }
  const key = text.slice(0, eq).trim();
  if (!key) throw new Error(`override "${text}" has an empty key`);
  return { key, value: text.slice(eq + 1) };
}

export function formatOverride(o: Override): string {
  return o.value === null ? o.key : `${o.key}=${o.value}`;
}

/**
 * Apply `later` onto `base`: an override of a key already present replaces it in place (keeping the
 * base's prefix unless the later one gives its own); new keys are appended in order; `~key` removes
 * the key and is kept so the trainer deletes it from its own config too.
 */
export function mergeOverrides(base: Override[], later: Override[]): Override[] {
  const out = base.map((o) => ({ ...o }));
  for (const o of later) {
    const k = overrideKey(o.key);
    const i = out.findIndex((x) => overrideKey(x.key) === k);
    const found = out[i];
    if (o.key.startsWith('~')) {
      if (i >= 0) out.splice(i, 1);
      out.push({ ...o });
    } else if (found) {
      const prefix = o.key === k ? found.key.slice(0, found.key.length - k.length) : '';
      out[i] = { key: prefix ? prefix + k : o.key, value: o.value };
    } else {
      out.push({ ...o });
    }
  }
  return out;
}

/** Flatten a nested object (e.g. gad-data.yaml's `trainer:` section) to dotted Hydra overrides. */
export function flattenToOverrides(obj: Record<string, unknown>, prefix = ''): Override[] {
  const out: Override[] = [];
  for (const [k, v] of Object.entries(obj)) {
    const key = prefix ? `${prefix}.${k}` : k;
    if (isRecord(v)) out.push(...flattenToOverrides(v, key));
    else out.push({ key, value: hydraValue(v) });
  }
  return out;
}

/** The value text of `key` (prefix ignored) in a list of overrides, or undefined. */
export function lookupOverride(list: Override[], key: string): string | undefined {
  for (const o of [...list].reverse()) if (overrideKey(o.key) === key && o.value !== null) return o.value;
  return undefined;
}

/** Read a scalar Hydra value back (unquote strings; numbers and booleans as text). */
export function unquoteHydra(v: string): string {
  const t = v.trim();
  if (t.length >= 2 && ((t[0] === '"' && t.endsWith('"')) || (t[0] === "'" && t.endsWith("'")))) {
    return t
      .slice(1, -1)
      .replace(/\\(["'\\])/g, '$1')
      .replace(/\\\$\{/g, '${');
  }
  return t;
}

/** POSIX shell quoting of one word: as is when safe, else single-quoted (src/core/quote/shell.ts). */
export const shellQuote = shellWord;
