/** JSON lines and JSON files, streamed line by line (a broken line is reported, not fatal). */
import { createReadStream } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import { GadError } from '../core/errors.js';

export type JsonRow =
  | { ok: true; row: Record<string, unknown>; line: number }
  | { ok: false; line: number; error: string };

async function ensureFile(path: string): Promise<number> {
  try {
    const st = await stat(path);
    if (!st.isFile()) throw new Error('not a file');
    return st.size;
  } catch (e) {
    throw new GadError(`file not found: ${path}`, { cause: e });
  }
}

/** Rows of a .jsonl file; `line` is 1-based. Blank lines are skipped; a line that is not a JSON object is yielded as an error. */
export async function* readJsonlRows(path: string): AsyncGenerator<JsonRow> {
  await ensureFile(path);
  const rl = createInterface({ input: createReadStream(path, { encoding: 'utf8' }), crlfDelay: Infinity });
  let line = 0;
  for await (const text of rl) {
    line++;
    const t = line === 1 ? text.replace(/^\uFEFF/, '') : text;
    if (!t.trim()) continue;
    let v: unknown;
    try {
      v = JSON.parse(t);
    } catch (e) {
      yield { ok: false, line, error: `line ${line} is not valid JSON (${(e as Error).message})` };
      continue;
    }
    if (!v || typeof v !== 'object' || Array.isArray(v)) {
      yield { ok: false, line, error: `line ${line} is not a JSON object` };
      continue;
    }
    yield { ok: true, row: v as Record<string, unknown>, line };
  }
}

/**
 * Rows of a .json file: a JSON array of objects (or `{"data": [...]}`), else read as JSON lines like
 * HF datasets does. A JSON array is parsed whole (use .jsonl for large data).
 */
export async function* readJsonRows(path: string): AsyncGenerator<JsonRow> {
  await ensureFile(path);
  const text = (await readFile(path, 'utf8')).replace(/^\uFEFF/, '');
  const first = text.trimStart()[0];
  if (first === '[' || first === '{') {
    let v: unknown;
    try {
      v = JSON.parse(text);
    } catch {
      v = undefined;
    }
    if (v !== undefined) {
      let arr: unknown = v;
      if (!Array.isArray(v) && v && typeof v === 'object') {
        const lists = Object.entries(v as Record<string, unknown>).filter(([, x]) => Array.isArray(x));
        if (lists.length === 1) arr = lists[0]![1];
        else arr = [v];
      }
      const list = arr as unknown[];
      for (let i = 0; i < list.length; i++) {
        const r = list[i];
        if (!r || typeof r !== 'object' || Array.isArray(r)) yield { ok: false, line: i + 1, error: `item ${i} is not a JSON object` };
        else yield { ok: true, row: r as Record<string, unknown>, line: i + 1 };
      }
      return;
    }
  }
  yield* readJsonlRows(path);
}
