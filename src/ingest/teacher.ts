/** Teacher responses for GAD from a separate jsonl/json/parquet file, joined on an id or the row index. */
import { statSync } from 'node:fs';
import { extname, resolve } from 'node:path';
import { stat } from 'node:fs/promises';
import { GadError } from '../core/errors.js';
import { sha256File } from '../core/hash.js';
import { readJsonRows, readJsonlRows } from './jsonl.js';
import { readParquetRows, readParquetSchema } from './parquet.js';
import { asText } from './prompt.js';
import { getPath } from './columns.js';
import { isObject } from '../core/guards.js';

export interface TeacherTable {
  file: string;
  /** Join key column in the teacher file, or null when joined on the row index within the split. */
  idKey: string | null;
  /** The split column the join also keys on (responses keyed by `teacherKey(split, id)`), or null: by id alone. */
  splitKey: string | null;
  responseKey: string;
  responses: Map<string, string | null>;
  /** Responses whose split column names a split the build does not have (not joined), by that value. */
  otherSplits: Map<string, number>;
  /** sha256 and size of the file's bytes (what the build's resume hash covers). */
  sha256: string;
  bytes: number;
}

const RESPONSE_KEYS = ['teacher_response', 'response'];

/** The join key of a response: the id, or split and id when the teacher file has a split column. */
export function teacherKey(t: Pick<TeacherTable, 'splitKey'>, split: string, id: string): string {
  return t.splitKey ? `${split}\u0000${id}` : id;
}

/** A scalar cell as a join key: its text as Python's str() shows it (`asText`); null for none or a non-scalar. */
export function scalarKey(v: unknown): string | null {
  return asText(v) ?? null;
}

function textOf(v: unknown): string | null {
  if (v === null || v === undefined) return null;
  if (typeof v === 'string') return v;
  if (v instanceof Uint8Array) return Buffer.from(v).toString('utf8');
  // a message list: the assistant's content
  if (Array.isArray(v)) {
    const m: unknown = v.find((x) => isObject(x) && x.role === 'assistant');
    return isObject(m) && typeof m.content === 'string' ? m.content : null;
  }
  return null;
}

/**
 * Load the whole teacher file into a map key → response (text only, so it stays small next to the
 * image data). Duplicate keys are a GadError naming the key and the file.
 */
export async function loadTeacher(opts: {
  file: string;
  idKey?: string | null;
  /** The split column, used when the file has it (with an id key): responses join on (split, id). */
  splitKey?: string | null;
  /** The build's input splits: the only values the split column may hold. */
  splits?: string[];
  responseKey?: string;
  cwd?: string;
}): Promise<TeacherTable> {
  const file = resolve(opts.cwd ?? process.cwd(), opts.file);
  if (!statSync(file, { throwIfNoEntry: false })?.isFile()) {
    throw new GadError(`teacher file not found: ${opts.file}${opts.file === file ? '' : ` (resolved to ${file})`}`, {
      hint: 'check teacher.file in the config (or --teacher); relative paths are resolved against the working directory',
      exitCode: 2,
    });
  }
  const ext = extname(file).toLowerCase();
  // Hashed before reading: a file edited while it is read then fails the next --resume's check (never the reverse).
  const hashOf = async () => Promise.all([sha256File(file), stat(file).then((st) => st.size)]);
  const hashed = await hashOf().catch(() => null); // a missing file: the reader below says so
  let rows: AsyncGenerator<{ row: Record<string, unknown>; line: number } | null>;
  let columns: string[] | null = null;
  if (ext === '.parquet') {
    columns = (await readParquetSchema(file)).columns.map((c) => c.name);
    rows = (async function* () {
      let i = 0;
      for await (const r of readParquetRows(file)) yield { row: r, line: ++i };
    })();
  } else if (ext === '.jsonl' || ext === '.json') {
    const src = ext === '.jsonl' ? readJsonlRows(file) : readJsonRows(file);
    rows = (async function* () {
      for await (const r of src) {
        if (!r.ok) throw new GadError(`teacher file ${file}: ${r.error}`, { hint: 'fix or remove that line' });
        yield { row: r.row, line: r.line };
      }
    })();
  } else {
    throw new GadError(`teacher file ${file}: unsupported type '${ext}'`, {
      hint: 'use a .jsonl, .json or .parquet file',
    });
  }
  const idKey = opts.idKey ?? null;
  let splitKey: string | null = null;
  let responseKey = opts.responseKey ?? null;
  const responses = new Map<string, string | null>();
  const otherSplits = new Map<string, number>();
  let index = 0;
  for await (const item of rows) {
    if (!item) continue;
    const { row, line } = item;
    const have = columns ?? Object.keys(row);
    if (!responseKey) {
      responseKey = RESPONSE_KEYS.find((k) => have.includes(k)) ?? null;
      if (!responseKey) {
        throw new GadError(
          `teacher file ${file} has no response column (looked for ${RESPONSE_KEYS.join(', ')}); columns: ${have.join(', ')}`,
          {
            hint: 'set the teacher response key (teacher.response_key) to the column holding the teacher text',
          },
        );
      }
    } else if (index === 0 && !have.includes(responseKey)) {
      throw new GadError(`teacher file ${file} has no column '${responseKey}'; columns: ${have.join(', ')}`, {
        hint: 'set the teacher response key to one of them',
      });
    }
    if (idKey && index === 0 && !have.includes(idKey) && !(idKey.includes('.') && getPath(row, idKey) !== undefined)) {
      throw new GadError(`teacher file ${file} has no id column '${idKey}'; columns: ${have.join(', ')}`, {
        hint: 'set the teacher id key (teacher.id_key, --teacher-id-key) to the column that matches id_key of the source',
      });
    }
    if (index === 0 && idKey && opts.splitKey && getPath(row, opts.splitKey) !== undefined) splitKey = opts.splitKey;
    const id = idKey ? scalarKey(getPath(row, idKey)) : String(index);
    if (id === null) throw new GadError(`teacher file ${file}, row ${line}: the id column '${idKey}' is empty`);
    const split = splitKey ? teacherSplit({ row, splitKey, file, line }) : '';
    if (splitKey && opts.splits && !opts.splits.includes(split)) {
      otherSplits.set(split, (otherSplits.get(split) ?? 0) + 1);
      index++;
      continue;
    }
    const key = teacherKey({ splitKey }, split, id);
    if (responses.has(key)) {
      throw new GadError(
        `teacher file ${file} has a duplicate id '${id}'${splitKey ? ` in split '${split}'` : ''} (row ${line})`,
        {
          hint: splitKey
            ? 'keep one response per id and split'
            : `keep one response per id; if the ids repeat across splits (verl's extra_info.index counts from 0 in each split), add a '${opts.splitKey ?? 'split'}' field naming each response's split (train / test; teacher.split_key)`,
        },
      );
    }
    responses.set(key, textOf(row[responseKey]));
    index++;
  }
  if (!responseKey) throw new GadError(`teacher file ${file} is empty`);
  const [digest, size] = hashed ?? (await hashOf());
  return { file, idKey, splitKey, responseKey, responses, otherSplits, sha256: digest, bytes: size };
}

/** A response's split: the split column's value (an empty one is an error). */
function teacherSplit(p: { row: Record<string, unknown>; splitKey: string; file: string; line: number }): string {
  const v = scalarKey(getPath(p.row, p.splitKey));
  if (v === null || v === '') {
    throw new GadError(`teacher file ${p.file}, row ${p.line}: the split column '${p.splitKey}' is empty`, {
      hint: `write the split of each response as the build names it (--train: train, --val: test), or set teacher.split_key (--teacher-split-key) to null to join on the id alone`,
      exitCode: 2,
    });
  }
  return v;
}
