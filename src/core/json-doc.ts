/**
 * JSON documents gad-data reads back (journals, sidecars, manifests, server answers), parsed and checked against a
 * zod schema of what the reader uses. A damaged or edited file is a GadError (exit 2) naming the file, the line and
 * the field that is wrong, never a stack trace from a field read off a value of another shape.
 */
import { readFileSync } from 'node:fs';
import type { z } from 'zod';
import { GadError, describeError } from './errors.js';

export interface JsonDocWhere {
  /** The file as shown in the message. */
  file: string;
  /** 1-based line of a JSON-lines file. */
  line?: number;
  /** What the document is, e.g. `a generate journal entry`. */
  what: string;
  /** The fix the message suggests. */
  hint: string;
}

function where(w: JsonDocWhere): string {
  return w.line === undefined ? w.file : `${w.file} line ${w.line}`;
}

/** The first issue of a failed check, as `field: message`. */
export function firstIssue(error: z.ZodError): string {
  const issue = error.issues[0];
  if (!issue) return 'unexpected content';
  const path = issue.path.map(String).join('.');
  return path ? `${path}: ${issue.message}` : issue.message;
}

/** A value already parsed, checked against `schema`. */
export function checkJsonDoc<S extends z.ZodType>(value: unknown, schema: S, w: JsonDocWhere): z.output<S> {
  const r = schema.safeParse(value);
  if (!r.success)
    throw new GadError(`${where(w)} is not ${w.what} (${firstIssue(r.error)}): the file was edited or damaged`, {
      hint: w.hint,
      exitCode: 2,
    });
  return r.data;
}

/** `text` parsed as JSON and checked against `schema`. */
export function parseJsonDoc<S extends z.ZodType>(text: string, schema: S, w: JsonDocWhere): z.output<S> {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    throw new GadError(`${where(w)} is not valid JSON (${describeError(e)}): the file was edited or damaged`, {
      hint: w.hint,
      exitCode: 2,
    });
  }
  return checkJsonDoc(value, schema, w);
}

/** The file at `path` (shown as `w.file`) read, parsed and checked against `schema`. */
export function readJsonDoc<S extends z.ZodType>(path: string, schema: S, w: JsonDocWhere): z.output<S> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new GadError(`${w.file} cannot be read (${describeError(e)})`, { hint: w.hint, exitCode: 2 });
  }
  return parseJsonDoc(text, schema, w);
}
