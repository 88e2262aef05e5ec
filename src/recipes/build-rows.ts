/**
 * Reading a finished GAD build back for the recipe exports: its manifest, and its rows (prompt text with
 * `<image>` tags, the stored image bytes, the teacher response, the row id) straight from the shards with
 * hyparquet. Row ids come from the build's lengths.jsonl (one line per kept row, in shard order).
 */
import { createReadStream, existsSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { GadError } from '../core/errors.js';
import { errorMessage, isObject, isRecord } from '../core/guards.js';
import { sha256File } from '../core/hash.js';
import { packagePath } from '../core/paths.js';
import type { Manifest } from '../core/types.js';
import { type FormatPrompt, loadFormatPrompt } from '../model/chat-template.js';
import { readParquetRows } from '../ingest/parquet.js';
import { readManifestJson } from './read-build-manifest.js';
import type { BuiltCounts } from './derived-lengths.js';

export interface BuildImage {
  bytes: Uint8Array;
  /** The `path` field stored in the shard (may be null). */
  path: string | null;
}

export interface BuildRow {
  split: string;
  /** Position of the row within its split in the build (0-based, shard order). */
  position: number;
  id: string;
  /** The user prompt as the trainer sees it: format prompt applied, `<image>` where each image goes. */
  prompt: string;
  images: BuildImage[];
  /** The teacher response exactly as stored in the build (after the build's teacher.ending policy); '' in a build without one. */
  teacher: string;
  /**
   * Per image, the [w, h] the GAD stage's model processor resizes it to (the build's lengths.jsonl `resized`: what
   * the build counted for its trainer); null when the build did not record it.
   */
  gadSizes: Array<[number, number]> | null;
  /** The build's counts of the row (its lengths.jsonl line); null when a count is missing. */
  built: BuiltCounts | null;
  /** The prompt's message list as the trainer renders it (system turn included; the format prompt applied), `<image>` where each image goes. */
  messages: Array<{ role: string; content: string }>;
}

export interface OpenedBuild {
  dir: string;
  manifest: Manifest;
  /** sha256 of manifest.json, recorded in export.json so a later stage can tell the build changed. */
  manifestSha256: string;
  /** Splits in manifest order. */
  splits: string[];
  /** True when the build is the bundled sample (fixtures/sample). */
  embedded: boolean;
}

/** Read and check OUT/manifest.json: a GAD build (teacher responses, unless `needTeacher: false`) of a known target. */
export async function openBuild(dir: string, opts: { needTeacher?: boolean } = {}): Promise<OpenedBuild> {
  const abs = resolve(dir);
  const file = join(abs, 'manifest.json');
  const m = await readManifestJson(file, '--from');
  if (
    !m ||
    !Array.isArray(m.shards) ||
    !m.model?.family ||
    !m.columns?.prompt ||
    (m.target !== 'verl' && m.target !== 'easyr1')
  ) {
    throw new GadError(`${file} was not written by this gad-data version (no shards, model, columns or target)`, {
      hint: 'rebuild the data with `gad-data build`',
    });
  }
  if (opts.needTeacher !== false && (m.kind !== 'gad' || !m.columns.teacher)) {
    throw new GadError(`the build at ${abs} has no teacher responses (kind ${m.kind}): the GAD recipe needs them`, {
      hint: 'rebuild with teacher responses: gad-data build --teacher teacher.jsonl ... (or teacher.column)',
    });
  }
  const splits = [...new Set(m.shards.map((s) => s.split))];
  const embedded =
    (m.sources ?? []).length > 0 && m.sources.every((s) => String(s.spec).startsWith('<gad-data>/fixtures/sample/'));
  return { dir: abs, manifest: m, manifestSha256: await sha256File(file), splits, embedded };
}

/** The format prompt an EasyR1-target build stored raw problems for (EasyR1 applies it at train time). */
async function buildFormatPrompt(b: OpenedBuild): Promise<FormatPrompt> {
  const fp = b.manifest.formatPrompt;
  const file = fp.file ? (isAbsolute(fp.file) ? fp.file : resolve(b.dir, fp.file)) : null;
  const loaded =
    file === null ? await loadFormatPrompt(fp.name) : existsSync(file) ? await loadFormatPrompt(file) : null;
  if (!loaded) {
    throw new GadError(`the build's format prompt ${fp.file} was not found`, {
      hint: 'keep the build folder as `gad-data build` wrote it, or rebuild',
    });
  }
  if (loaded.sha256 !== fp.sha256) {
    throw new GadError(`the build's format prompt ${fp.file ?? fp.name} changed since the build (sha256 differs)`, {
      hint: 'rebuild the data',
    });
  }
  return loaded;
}

function str(v: unknown, what: string): string {
  if (typeof v === 'string') return v;
  if (v instanceof Uint8Array) return new TextDecoder('utf-8', { fatal: true }).decode(v);
  throw new GadError(`${what} is not a string in the build's shards`, {
    hint: 'rebuild the data with `gad-data build`',
  });
}

/** Row ids of one split in shard order, from OUT/lengths.jsonl. */
type IdRecord = { id: string; index: number; resized: Array<[number, number]> | null; built: BuiltCounts | null };

/** The counts of a lengths.jsonl line, when each is a whole number (the response's may be null). */
function builtCounts(r: Record<string, unknown>): BuiltCounts | null {
  const n = (v: unknown) => (typeof v === 'number' && Number.isSafeInteger(v) && v >= 0 ? v : null);
  const [textTokens, imageTokens, promptTokens] = [n(r.text_tokens), n(r.image_tokens), n(r.prompt_tokens)];
  if (textTokens === null || imageTokens === null || promptTokens === null) return null;
  return { textTokens, imageTokens, promptTokens, responseTokens: n(r.response_tokens) };
}

/** A list of [w, h] sizes, as lengths.jsonl's `resized` and `written`. */
export function isSizeList(v: unknown): v is Array<[number, number]> {
  return (
    Array.isArray(v) &&
    v.every((s) => Array.isArray(s) && s.length === 2 && typeof s[0] === 'number' && typeof s[1] === 'number')
  );
}

/** One lengths.jsonl line: an object with a string split and a numeric index (what the row reader relies on). */
function parseLengthsLine(line: string, where: string): Record<string, unknown> & { split: string; index: number } {
  let r: unknown;
  try {
    r = JSON.parse(line);
  } catch (e) {
    throw new GadError(`${where} is not valid JSON (${errorMessage(e)})`, {
      hint: 'keep the build folder as `gad-data build` wrote it, or rebuild',
    });
  }
  if (!isRecord(r) || typeof r.split !== 'string' || typeof r.index !== 'number')
    throw new GadError(`${where} is not a lengths line (no split or index)`, {
      hint: 'keep the build folder as `gad-data build` wrote it, or rebuild',
    });
  return { ...r, split: r.split, index: r.index };
}

async function idsBySplit(dir: string): Promise<Map<string, IdRecord[]>> {
  const file = join(dir, 'lengths.jsonl');
  if (!existsSync(file))
    throw new GadError(`${file} is missing`, {
      hint: 'keep the build folder as `gad-data build` wrote it, or rebuild',
    });
  const out = new Map<string, IdRecord[]>();
  const rl = createInterface({ input: createReadStream(file), crlfDelay: Infinity });
  let lineNo = 0;
  for await (const line of rl) {
    if (!line.trim()) continue;
    lineNo++;
    const r = parseLengthsLine(line, `${file} line ${lineNo}`);
    let list = out.get(r.split);
    if (!list) out.set(r.split, (list = []));
    list.push({
      id: String(r.id),
      index: r.index,
      resized: isSizeList(r.resized) ? r.resized : null,
      built: builtCounts(r),
    });
  }
  return out;
}

/** A message list cell: every turn with its text (the recipe exports take one user turn; `generate` sends them all). */
function messageList(p: unknown[], where: string): Array<{ role: string; content: string }> {
  return p.map((x, k) => {
    const o = isObject(x) ? x : undefined;
    return {
      role: str(o?.role, `${where} message ${k} role`),
      content: str(o?.content, `${where} message ${k} content`),
    };
  });
}

/**
 * Every kept row of the build, split by split in manifest order, each row's images with their stored bytes.
 * `allTurns`: a prompt of several turns (a system turn) is read whole instead of refused.
 */
export async function* readBuildRows(b: OpenedBuild, opts: { allTurns?: boolean } = {}): AsyncGenerator<BuildRow> {
  const m = b.manifest;
  const ids = await idsBySplit(b.dir);
  const fp = m.target === 'easyr1' ? await buildFormatPrompt(b) : null;
  const cols = m.columns;
  // Only the columns read below (data_source, ability, reward_model and id are not decoded); a column missing from
  // a shard reads as undefined either way.
  const columns = [cols.prompt, cols.images, 'extra_info', ...(cols.teacher ? [cols.teacher] : [])];
  for (const split of b.splits) {
    const list = ids.get(split) ?? [];
    let position = 0;
    for (const shard of m.shards.filter((s) => s.split === split)) {
      const path = resolve(b.dir, shard.file);
      if (!existsSync(path))
        throw new GadError(`shard ${shard.file} of the build is missing`, {
          hint: 'rebuild the data with `gad-data build`',
        });
      for await (const row of readParquetRows(path, { columns })) {
        const where = `${shard.file} row ${position}`;
        const rec = list[position];
        if (!rec)
          throw new GadError(`${where} has no line in lengths.jsonl`, {
            hint: 'the build folder is inconsistent: rebuild it',
          });
        const info = isObject(row.extra_info) ? row.extra_info : undefined;
        if (info && info.index !== undefined && info.index !== null && Number(info.index) !== rec.index) {
          throw new GadError(
            `${where}: extra_info.index ${Number(info.index)} differs from lengths.jsonl (${rec.index})`,
            { hint: 'the build folder is inconsistent: rebuild it' },
          );
        }
        let prompt: string;
        let messages: BuildRow['messages'];
        const p = row[cols.prompt];
        if (Array.isArray(p) && opts.allTurns) {
          messages = messageList(p, where);
          prompt = messages.findLast((x) => x.role === 'user')?.content ?? '';
        } else if (Array.isArray(p)) {
          const [first] = p;
          if (p.length !== 1 || !isObject(first) || first.role !== 'user') {
            throw new GadError(`${where}: the prompt is not one user message`, {
              hint: 'the recipe exports single-turn prompts; rebuild with gad-data build',
            });
          }
          prompt = str(first.content, `${where} prompt content`);
          messages = [{ role: 'user', content: prompt }];
        } else {
          prompt = str(p, `${where} ${cols.prompt}`);
          if (fp) prompt = fp.render(prompt);
          messages = [{ role: 'user', content: prompt }];
        }
        const cell = row[cols.images];
        const images: BuildImage[] = (Array.isArray(cell) ? cell : []).map((im, k) => {
          const o = isObject(im) ? im : undefined;
          if (!(o?.bytes instanceof Uint8Array))
            throw new GadError(`${where}: image ${k} has no embedded bytes`, {
              hint: 'rebuild the data with `gad-data build`',
            });
          return { bytes: o.bytes, path: o.path == null ? null : str(o.path, `${where} image ${k} path`) };
        });
        const teacher = cols.teacher ? str(row[cols.teacher], `${where} ${cols.teacher}`) : '';
        const gadSizes = rec.resized && rec.resized.length === images.length ? rec.resized : null;
        yield { split, position, id: rec.id, prompt, images, teacher, gadSizes, messages, built: rec.built };
        position++;
      }
    }
    if (position !== list.length) {
      throw new GadError(`split ${split}: the shards hold ${position} rows but lengths.jsonl lists ${list.length}`, {
        hint: 'the build folder is inconsistent: rebuild it',
      });
    }
  }
}

/** fixtures/sample/student.jsonl: the bundled sample's student responses. */
export function bundledStudentFile(): string {
  return packagePath('fixtures', 'sample', 'student.jsonl');
}
