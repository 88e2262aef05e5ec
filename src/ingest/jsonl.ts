/** JSON lines and JSON files, streamed line by line (a broken line is reported, not fatal). */
import { readFile, stat } from 'node:fs/promises';
import { GadError } from '../core/errors.js';
import { parseJsonExact } from './json-numbers.js';
import { tooDeep } from './depth.js';
import { errorMessage, isRecord } from '../core/guards.js';
import { fileChunks } from '../core/file-chunks.js';

export type JsonRow =
  { ok: true; row: Record<string, unknown>; line: number } | { ok: false; line: number; error: string };

async function ensureFile(path: string): Promise<number> {
  try {
    const st = await stat(path);
    if (!st.isFile()) throw new Error('not a file');
    return st.size;
  } catch (e) {
    throw new GadError(`file not found: ${path}`, { cause: e });
  }
}

/** Strict UTF-8: invalid bytes are an error, not silently replaced by U+FFFD (which would reach the trainer as garbage). */
const utf8Strict = new TextDecoder('utf-8', { fatal: true });

/**
 * Lines of a file as raw bytes, streamed. Splitting on byte 0x0A is safe in UTF-8 (no multi-byte sequence
 * contains it); each line is decoded on its own, so one line with invalid bytes does not spoil the others.
 */
async function* byteLines(path: string): AsyncGenerator<Buffer> {
  // The start of a line that spans chunks, kept as a list and joined once its end arrives: a 20 MB line costs
  // one copy, not one per 64 kB chunk (quadratic: 16 s for 20 MB).
  let pending: Buffer[] = [];
  for await (const chunk of fileChunks(path)) {
    let buf: Buffer = chunk;
    let nl: number;
    while ((nl = buf.indexOf(0x0a)) !== -1) {
      if (pending.length) {
        pending.push(buf.subarray(0, nl));
        yield Buffer.concat(pending);
        pending = [];
      } else yield buf.subarray(0, nl);
      buf = buf.subarray(nl + 1);
    }
    if (buf.length) pending.push(buf);
  }
  if (pending.length) yield Buffer.concat(pending);
}

/**
 * Rows of a .jsonl file; `line` is 1-based. Blank lines are skipped; a line that is not a JSON object, or
 * not valid UTF-8, is yielded as an error (the caller drops that row as `bad_row` and goes on).
 */
export async function* readJsonlRows(path: string): AsyncGenerator<JsonRow> {
  await ensureFile(path);
  let line = 0;
  for await (const raw of byteLines(path)) {
    line++;
    let text: string;
    try {
      text = utf8Strict.decode(raw.length && raw[raw.length - 1] === 0x0d ? raw.subarray(0, raw.length - 1) : raw);
    } catch {
      yield {
        ok: false,
        line,
        error: `line ${line} is not valid UTF-8 (byte ${invalidUtf8Offset(raw)} of the line); re-encode the file as UTF-8`,
      };
      continue;
    }
    const t = line === 1 ? text.replace(/^\uFEFF/, '') : text;
    if (!t.trim()) continue;
    let v: unknown;
    try {
      // Numbers keep their text (a big integer, 1.0): see numbers.ts.
      v = parseJsonExact(t);
    } catch (e) {
      yield { ok: false, line, error: `line ${line} is not valid JSON (${errorMessage(e)})` };
      continue;
    }
    if (!isRecord(v)) {
      yield { ok: false, line, error: `line ${line} is not a JSON object` };
      continue;
    }
    const deep = tooDeep(v);
    if (deep) {
      yield { ok: false, line, error: `line ${line}: ${deep}` };
      continue;
    }
    yield { ok: true, row: v, line };
  }
}

/** 0-based offset of the first invalid byte of `b` (for messages): the lenient decode marks it with U+FFFD. */
function invalidUtf8Offset(b: Uint8Array): number {
  const lenient = new TextDecoder().decode(b);
  const i = lenient.indexOf('\uFFFD');
  return i < 0 ? 0 : Buffer.byteLength(lenient.slice(0, i));
}

/**
 * Rows of a .json file: a JSON array of objects (or `{"data": [...]}`), else read as JSON lines like
 * HF datasets does. A JSON array is parsed whole (use .jsonl for large data).
 */
export async function* readJsonRows(path: string): AsyncGenerator<JsonRow> {
  await ensureFile(path);
  const bytes = await readFile(path);
  let text: string;
  try {
    text = utf8Strict.decode(bytes).replace(/^\uFEFF/, '');
  } catch {
    // JSON lines in a .json file: read line by line, so only the bad line is dropped.
    if (bytes.toString('latin1', 0, 4096).trimStart()[0] !== '[') {
      yield* readJsonlRows(path);
      return;
    }
    // A JSON array cannot be read row by row past a bad byte: the whole file is unusable input.
    throw new GadError(`${path} is not valid UTF-8 (first invalid byte at offset ${invalidUtf8Offset(bytes)})`, {
      hint: 're-encode the file as UTF-8 (e.g. iconv -f latin1 -t utf-8), or write it as .jsonl so a bad line only drops that row',
    });
  }
  const first = text.trimStart()[0];
  if (first === '[' || first === '{') {
    let v: unknown;
    try {
      v = parseJsonExact(text);
    } catch {
      v = undefined;
    }
    if (v !== undefined) {
      let list: unknown[];
      if (Array.isArray(v)) list = v;
      else if (isRecord(v)) {
        const lists = Object.values(v).filter((x) => Array.isArray(x));
        list = lists.length === 1 && Array.isArray(lists[0]) ? lists[0] : [v];
      } else list = [v];
      for (const [i, r] of list.entries()) {
        const deep = isRecord(r) ? tooDeep(r) : null;
        if (!isRecord(r)) yield { ok: false, line: i + 1, error: `item ${i} is not a JSON object` };
        else if (deep) yield { ok: false, line: i + 1, error: `item ${i}: ${deep}` };
        else yield { ok: true, row: r, line: i + 1 };
      }
      return;
    }
  }
  yield* readJsonlRows(path);
}
