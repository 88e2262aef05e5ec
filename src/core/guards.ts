/**
 * Type guards for values read from outside (JSON, parquet cells, thrown errors), and `must` for what the code
 * itself guarantees: a broken guarantee is a bug in gad-data (exit 3, naming it), never a silent `undefined`.
 */
import { GadError } from './errors.js';

/** A JSON-like mapping: a non-null object that is not an array. */
export function isRecord(v: unknown): v is Record<string, unknown> {
  return !!v && typeof v === 'object' && !Array.isArray(v);
}

/** Any non-null object (arrays included), to read optional fields of. */
export function isObject(v: unknown): v is Record<string, unknown> {
  return !!v && typeof v === 'object';
}

/** The `code` of a Node system error (`ENOENT`, `EEXIST`, …), else undefined. */
export function errnoCode(e: unknown): string | undefined {
  return isObject(e) && typeof e.code === 'string' ? e.code : undefined;
}

/** The `path` of a Node system error, else undefined. */
export function errnoPathOf(e: unknown): string | undefined {
  return isObject(e) && typeof e.path === 'string' ? e.path : undefined;
}

/** The message of a thrown value (an Error's message, else the value as text). */
export function errorMessage(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/** `x`, which the code guarantees is there; a GadError (exit 3, a bug) naming `what` when it is not. */
export function must<T>(x: T | null | undefined, what: string): T {
  if (x === null || x === undefined)
    throw new GadError(`internal error: ${what} (a bug in gad-data; please report it)`, { exitCode: 3 });
  return x;
}
