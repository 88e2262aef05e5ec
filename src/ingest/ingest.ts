/**
 * openIngest: every source of every split turned into one deterministic stream of `Sample`s per split,
 * read a row group (or a line) at a time.
 */
import { readdirSync } from 'node:fs';
import { stat } from 'node:fs/promises';
import { basename, dirname, extname, relative, resolve } from 'node:path';
import { glob } from 'tinyglobby';
import type { ColumnType, Drop, ImageRef, Manifest, PassthroughColumn, PromptMessage, Sample } from '../core/types.js';
import { GadError } from '../core/errors.js';
import { IMAGE_TAG, rowImageTags } from '../core/image-tag.js';
import { sha256File, sha256FileAndLines } from '../core/hash.js';
import { parseSourceSpec, pickSplit, type SourceSpec } from './spec.js';
import { resolveLayout } from './data-files.js';
import { readParquetRows, readParquetSchema, type ParquetColumn } from './parquet.js';
import { readJsonRows, readJsonlRows } from './jsonl.js';
import { readImageCell } from './images.js';
import { loadTeacher, scalarKey, type TeacherTable } from './teacher.js';
import { JsonNumber, pyFloatRepr } from './numbers.js';
import { stringify as losslessStringify } from 'lossless-json';
import { HubRepoUnreachable } from './hub/errors.js';
import { resolveHubOptions, type HubOptions } from './hub/options.js';
import { resolveHubSplit } from './hub/resolve-split.js';
import type { DownloadProgress } from './hub/download.js';
import { JsonTypeInference, getPath, schemaHasPath } from './columns.js';

export interface ColumnMap {
  /** EasyR1 prompt_key: a string column or verl's `prompt` message list. Default `problem` (falls back to `prompt`). */
  prompt: string;
  /** answer_key, default `answer` (falls back to verl's `reward_model.ground_truth`). */
  answer: string;
  /** image_key, default `images` (falls back to `image`). */
  images: string;
  /** id_key: a column whose value identifies the row (joins the teacher file). */
  id?: string;
  /** image_bytes_key: a separate list<binary> column beside a path column (data-juicer's `image_bytes`). */
  imageBytes?: string;
  /** teacher_key: a source column holding the teacher response. */
  teacher?: string;
  /** data_source column (default `data_source` when present). */
  dataSource?: string;
}

export const DEFAULT_COLUMNS: ColumnMap = { prompt: 'problem', answer: 'answer', images: 'images' };

export interface IngestOptions {
  splits: Array<{ split: string; specs: string[] }>;
  columns: ColumnMap;
  imageDir?: string;
  /** Where `<image>` goes when the text has none but the row has images (default `prepend`, as hiyouga/geometry3k). */
  imagePlacement?: 'prepend' | 'append' | 'none';
  /** Other image placeholders rewritten to `<image>` (default: data-juicer's `<__dj__image>`). */
  imageTokenAliases?: string[];
  cwd?: string;
  /** Read image paths that lead outside image_dir / the data file's folder / the Hub cache (default false: `image_outside_root` drop). */
  allowOutsidePaths?: boolean;
  teacher?: { file: string; idKey?: string; responseKey?: string };
  hub?: HubOptions;
  onProgress?: DownloadProgress;
  onWarning?: (message: string) => void;
  /** Keep every input column the build does not consume (and its type) on each Sample (`passthrough`). */
  passthrough?: boolean;
  /** A source without an image column is an error (else its rows are text-only). */
  requireImage?: boolean;
}

export interface OpenedIngest {
  /** The input columns kept unchanged on each Sample (`passthrough` option), in input order, with their types. */
  passthrough: PassthroughColumn[];
  sources: Manifest['sources'];
  /** Rows per split from parquet footers and jsonl line counts (for progress); null when a split has a .json source. */
  rowCount: Record<string, number | null>;
  /** Rows of one split in a deterministic order, `index` 0.. within the split. */
  rows(split: string): AsyncGenerator<Sample>;
  /** The teacher file read (absolute path, sha256, size), or null. */
  teacher: { file: string; sha256: string; bytes: number } | null;
}

const EXTRA_MAX_CHARS = 16384;

type FileKind = 'parquet' | 'jsonl' | 'json';

interface PlannedFile {
  path: string;
  kind: FileKind;
  /** Hub files: the repo's cache folder (snapshots/ and the blobs/ they link to), an allowed root for image paths. */
  cacheRoot?: string;
  /** Rows from the footer (parquet). */
  rows: number | null;
  /** Parquet schema (null for json). */
  schema: ParquetColumn[] | null;
  /** The `huggingface` features of the parquet footer, when present. */
  features?: Record<string, unknown> | null;
}

interface PlannedSource {
  spec: SourceSpec;
  /** Repo id for hub sources (data_source default). */
  repo: string | null;
  files: PlannedFile[];
  /** Root for relative image paths when no image_dir (jsonl/json: the file's folder). */
  manifest: Manifest['sources'][number];
}

interface ResolvedColumns {
  prompt: string;
  answer: string | null;
  groundTruth: boolean;
  /** null: the source has no image column (text-only rows). */
  images: string | null;
  id: string | null;
  imageBytes: string | null;
  teacher: string | null;
  dataSource: string | null;
}

function fileKindOf(p: string): FileKind | null {
  const e = extname(p).toLowerCase();
  return e === '.parquet' ? 'parquet' : e === '.jsonl' ? 'jsonl' : e === '.json' ? 'json' : null;
}

function listDir(root: string): string[] {
  const out: string[] = [];
  const walk = (rel: string) => {
    for (const e of readdirSync(resolve(root, rel), { withFileTypes: true })) {
      if (e.name.startsWith('.')) continue;
      const r = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory()) walk(r);
      else if (fileKindOf(e.name)) out.push(r);
    }
  };
  walk('');
  return out.sort();
}

/** Resolve the column names against what a file has; GadError naming the config key when one is missing. */
function resolveColumns(
  have: string[],
  types: Map<string, string> | null,
  cols: ColumnMap,
  where: string,
  warn: (m: string) => void,
  opts: { requireImage?: boolean; schema?: ColumnType[] | null; firstRow?: Record<string, unknown> } = {},
): ResolvedColumns {
  const list = have.join(', ');
  const missing = (key: string, col: string) =>
    new GadError(`column '${col}' (${key}) not found in ${where}; columns: ${list}`, {
      hint: `set ${key} to one of: ${list}`,
    });
  let prompt = cols.prompt;
  if (!have.includes(prompt)) {
    if (prompt === DEFAULT_COLUMNS.prompt && have.includes('prompt')) {
      prompt = 'prompt';
    } else throw missing('prompt_key', prompt);
  }
  let images: string | null = cols.images;
  if (!have.includes(images)) {
    if (images === DEFAULT_COLUMNS.images && have.includes('image')) images = 'image';
    else if (!cols.imageBytes) {
      if (opts.requireImage) throw missing('image_key', images);
      warn(
        `${where}: no image column '${images}' (image_key): its rows are text-only (no image tokens); set image_key if the images are in another column, or require_image to refuse text-only rows`,
      );
      images = null;
    }
  }
  let answer: string | null = cols.answer;
  let groundTruth = false;
  if (!have.includes(answer)) {
    answer = null;
    if (have.includes('reward_model')) groundTruth = true;
    else warn(`${where}: no answer column '${cols.answer}' (answer_key); answers are left empty`);
  }
  const id = cols.id ?? null;
  if (id && !have.includes(id)) {
    // A dotted key names a nested field (verl's `extra_info.index`).
    const nested =
      id.includes('.') &&
      (opts.schema ? schemaHasPath(opts.schema, id) : opts.firstRow ? getPath(opts.firstRow, id) !== undefined : false);
    if (!nested) throw missing('id_key', id);
  }
  const imageBytes = cols.imageBytes ?? null;
  if (imageBytes && !have.includes(imageBytes)) throw missing('image_bytes_key', imageBytes);
  const teacher = cols.teacher ?? null;
  if (teacher && !have.includes(teacher)) throw missing('teacher_key', teacher);
  const dataSource = cols.dataSource ?? (have.includes('data_source') ? 'data_source' : null);
  if (cols.dataSource && !have.includes(cols.dataSource)) throw missing('data_source_key', cols.dataSource);
  if (types) {
    // A whole column of the wrong type (e.g. an int64 prompt_key, a double image_key) is a mapping mistake:
    // one clear error naming the column, instead of every row dropped for the same reason.
    const textual = (t: string) =>
      t === 'string' || t === 'binary' || t === 'json' || t.startsWith('fixed_size_binary');
    const wrongType = (key: string, col: string, want: string, ok: (t: string) => boolean) => {
      const t = types.get(col);
      if (t === undefined || ok(t)) return;
      const fits = [...types].filter(([n, ty]) => n !== col && ok(ty)).map(([n]) => n);
      throw new GadError(`column '${col}' (${key}) in ${where} has type ${t}; it must hold ${want}`, {
        hint: fits.length
          ? `set ${key} to the right column (candidates: ${fits.join(', ')})`
          : `set ${key} to the column holding ${want}`,
      });
    };
    wrongType('prompt_key', prompt, 'text (string) or a message list', (t) => textual(t) || t.startsWith('list<'));
    if (images && have.includes(images))
      wrongType(
        'image_key',
        images,
        'images (list<struct<bytes, path>>, a struct, bytes or path strings)',
        (t) => textual(t) || t.startsWith('list<') || t.startsWith('struct<'),
      );
    if (teacher)
      wrongType('teacher_key', teacher, 'text (string) or a message list', (t) => textual(t) || t.startsWith('list<'));
  }
  if (types && !imageBytes && images) {
    const t = types.get(images);
    if (t === 'string' || t === 'list<string>') {
      const bin = [...types].find(([n, ty]) => n !== images && (ty === 'list<binary>' || ty === 'binary'));
      if (bin) {
        throw new GadError(
          `images in ${where}: column '${images}' holds paths (${t}) and column '${bin[0]}' holds image bytes (${bin[1]}); ingest does not guess which to use`,
          {
            hint: `set image_bytes_key: ${bin[0]} to take the bytes from '${bin[0]}' (paths from '${images}' are kept as names)`,
          },
        );
      }
    }
  }
  return { prompt, answer, groundTruth, images, id, imageBytes, teacher, dataSource };
}

function asText(v: unknown): string | null | undefined {
  if (v === null || v === undefined) return null;
  if (typeof v === 'string') return v;
  if (v instanceof Uint8Array) return Buffer.from(v).toString('utf8');
  if (typeof v === 'number' || typeof v === 'bigint' || typeof v === 'boolean') return String(v);
  // A JSON number String() cannot carry (9007199254740993, 1.0, 1e5): Python's str() of it, as the trainer sees it.
  if (v instanceof JsonNumber) return v.text;
  return undefined;
}

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

/** Text of a message's content: a string, or a list of parts (`{type:'text', text}` / `{type:'image'}` → `<image>`). */
function contentText(c: unknown): string | undefined {
  if (typeof c === 'string') return c;
  if (c instanceof Uint8Array) return Buffer.from(c).toString('utf8');
  if (Array.isArray(c)) {
    let s = '';
    for (const part of c) {
      if (typeof part === 'string') s += part;
      else if (part && typeof part === 'object') {
        const p = part as { type?: unknown; text?: unknown };
        if (p.type === 'image' || p.type === 'image_url') s += IMAGE_TAG;
        else if (typeof p.text === 'string') s += p.text;
      }
    }
    return s;
  }
  return undefined;
}

/**
 * The prompt text from a string cell or a message list (the first user message). A message list is also
 * returned whole (every turn, contents as text), as verl renders it. `validate` reads prompt cells with it too.
 */
export function promptText(
  v: unknown,
): { text: string | null; messages?: PromptMessage[]; promptMessage?: number } | { error: string } {
  // A number or boolean is not a prompt (a wrong cell type, e.g. a jsonl row with "problem": 42): bad_row.
  if (typeof v === 'number' || typeof v === 'bigint' || typeof v === 'boolean')
    return { error: `the prompt cell is a ${typeof v} (${String(v)}), not text` };
  if (v instanceof JsonNumber) return { error: `the prompt cell is a number (${v.text}), not text` };
  if (v instanceof Uint8Array) {
    // A binary prompt column: its bytes must be UTF-8 (a lenient decode would send U+FFFD garbage to the trainer).
    try {
      return { text: strictUtf8.decode(v) };
    } catch {
      return { error: 'the prompt bytes are not valid UTF-8' };
    }
  }
  const t = asText(v);
  if (t !== undefined) return { text: t };
  if (Array.isArray(v)) {
    const at = v.findIndex((m) => m && typeof m === 'object' && (m as { role?: unknown }).role === 'user');
    if (at < 0) return v.length ? { error: 'the prompt message list has no user message' } : { text: null };
    const messages: PromptMessage[] = [];
    for (let i = 0; i < v.length; i++) {
      const m = v[i] as { role?: unknown; content?: unknown } | null;
      const role = m && typeof m === 'object' ? asText(m.role) : undefined;
      if (typeof role !== 'string') return { error: `prompt message ${i} has no role` };
      const c = contentText(m!.content);
      if (c === undefined)
        return { error: `the content of prompt message ${i} (${role}) is neither text nor a list of parts` };
      messages.push({ role, content: c });
    }
    return { text: messages[at]!.content, messages, promptMessage: at };
  }
  return { error: `the prompt cell is a ${typeof v}, not text or a message list` };
}

const JSON_NUMBER_TEXT = {
  test: (v: unknown) => v instanceof JsonNumber,
  stringify: (v: unknown) => (v as JsonNumber).source,
};

function jsonSafe(v: unknown, depth = 0): { ok: true; value: unknown } | { ok: false } {
  if (v === null || v === undefined) return { ok: true, value: null };
  if (typeof v === 'string' || typeof v === 'boolean' || v instanceof JsonNumber) return { ok: true, value: v };
  if (typeof v === 'number') return { ok: true, value: Number.isFinite(v) ? v : null };
  if (typeof v === 'bigint')
    return {
      ok: true,
      value: v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v.toString(),
    };
  if (v instanceof Date) return { ok: true, value: v.toISOString() };
  if (v instanceof Uint8Array || depth > 8) return { ok: false };
  if (Array.isArray(v)) {
    const out: unknown[] = [];
    for (const x of v) {
      const r = jsonSafe(x, depth + 1);
      if (!r.ok) return r;
      out.push(r.value);
    }
    return { ok: true, value: out };
  }
  if (typeof v === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v as Record<string, unknown>)) {
      const r = jsonSafe(x, depth + 1);
      if (!r.ok) return r;
      out[k] = r.value;
    }
    return { ok: true, value: out };
  }
  return { ok: false };
}

interface RowContext {
  split: string;
  source: PlannedSource;
  file: PlannedFile;
  cols: ResolvedColumns;
  dataSourceDefault: string;
  imageDir: string | null;
  allowOutsidePaths: boolean;
  placement: 'prepend' | 'append' | 'none';
  aliases: string[];
  teacher: TeacherTable | null;
  warnOnce: (key: string, m: string) => void;
  /** id_key value → the first row that carried it (split, index), across every split of the build. */
  ids: Map<string, { split: string; index: number }>;
  /** Columns whose cells are kept unchanged on the Sample (null: pass-through is off). */
  passthrough: string[] | null;
}

function toSample(row: Record<string, unknown>, index: number, ctx: RowContext): Sample {
  const { cols } = ctx;
  const source = ctx.source.spec.spec;
  const idRaw = cols.id ? scalarKey(getPath(row, cols.id)) : null;
  const id = idRaw ?? `${source}#${index}`;
  const ds = cols.dataSource ? asText(row[cols.dataSource]) : null;
  const base: Sample = {
    split: ctx.split,
    index,
    id,
    source,
    dataSource: typeof ds === 'string' && ds ? ds : ctx.dataSourceDefault,
    problem: '',
    answer: null,
    images: [],
    extra: {},
  };
  if (ctx.teacher || cols.teacher) base.teacherResponse = null;
  if (ctx.passthrough) {
    base.passthrough = {};
    for (const c of ctx.passthrough) base.passthrough[c] = row[c] ?? null;
  }
  const dropped = (drop: Drop): Sample => ({ ...base, drop });

  // An id names one row: the teacher file is joined on it (a GAD build would give two rows one response) and
  // --test-ratio assigns by it. The first row carrying an id claims it (whatever happens to that row later);
  // a later row with the same id is dropped. Reading the same row again (same split and index) is not a repeat.
  if (idRaw !== null) {
    const first = ctx.ids.get(idRaw);
    if (first === undefined) ctx.ids.set(idRaw, { split: ctx.split, index });
    else if (first.split !== ctx.split || first.index !== index) {
      return dropped({
        reason: 'duplicate_id',
        detail: `id '${idRaw}' (id_key ${cols.id}) is already the id of row ${first.index} of split '${first.split}'; ids must be unique (a GAD build would give both rows one teacher response)`,
        value: idRaw,
        limit: `${first.split}#${first.index}`,
      });
    }
  }

  // extra: pass-through of the columns not used above, when small and JSON-serialisable
  const used = new Set(
    [cols.prompt, cols.answer, cols.images, cols.id, cols.imageBytes, cols.teacher, cols.dataSource].filter(
      Boolean,
    ) as string[],
  );
  for (const [k, v] of Object.entries(row)) {
    if (used.has(k)) continue;
    const r = jsonSafe(v);
    if (!r.ok) {
      ctx.warnOnce(`extra:${k}`, `${ctx.file.path}: column '${k}' holds binary data and is not passed through`);
      continue;
    }
    if (
      typeof r.value === 'string' ? r.value.length > EXTRA_MAX_CHARS : JSON.stringify(r.value).length > EXTRA_MAX_CHARS
    ) {
      ctx.warnOnce(
        `extra:${k}`,
        `${ctx.file.path}: column '${k}' has values over ${EXTRA_MAX_CHARS} characters and is not passed through`,
      );
      continue;
    }
    base.extra[k] = r.value;
  }

  // answer
  if (cols.answer) {
    const a = asText(row[cols.answer]);
    if (a !== undefined) base.answer = a;
    else {
      const j = jsonSafe(row[cols.answer]);
      // Numbers inside keep their text as written (lossless-json writes a JsonNumber's source).
      base.answer = j.ok ? (losslessStringify(j.value, null, undefined, [JSON_NUMBER_TEXT]) ?? null) : null;
    }
  } else if (cols.groundTruth) {
    const rm = row.reward_model as { ground_truth?: unknown } | null | undefined;
    const gt = rm && typeof rm === 'object' ? asText(rm.ground_truth) : null;
    base.answer = gt === undefined ? null : gt;
  }

  // teacher
  if (cols.teacher) {
    const t = asText(row[cols.teacher]);
    base.teacherResponse = typeof t === 'string' ? t : null;
  } else if (ctx.teacher) {
    const key = ctx.teacher.idKey ? idRaw : String(index);
    base.teacherResponse = key === null ? null : (ctx.teacher.responses.get(key) ?? null);
  }

  // prompt
  const p = promptText(row[cols.prompt]);
  if ('error' in p) return dropped({ reason: 'bad_row', detail: `column ${cols.prompt}: ${p.error}` });
  let text = p.text ?? '';
  base.rawProblem = text;
  const messages = p.messages?.map((m) => ({ ...m }));
  for (const a of ctx.aliases) {
    const rewrite = (t: string) => (t.includes(a) ? t.split(a).join(IMAGE_TAG) : t);
    if (text.includes(a) || messages?.some((m) => m.content.includes(a))) {
      text = rewrite(text);
      if (messages) for (const m of messages) m.content = rewrite(m.content);
      ctx.warnOnce(`alias:${a}`, `${ctx.source.spec.spec}: image placeholder '${a}' rewritten to '${IMAGE_TAG}'`);
    }
  }
  base.problem = text;
  if (messages) {
    base.messages = messages;
    base.promptMessage = p.promptMessage!;
  }
  // An empty prompt, an <image> count that differs from the images, a missing teacher response: rules of the
  // filter chain (validate/rules.ts), checked the same way by build and validate. Ingest drops unreadable rows only.

  // images
  const imageDirOrBase = {
    imageDir: ctx.imageDir,
    baseDir: ctx.file.kind === 'parquet' ? null : dirname(ctx.file.path),
    where: ctx.file.path,
    imageKey: cols.images ?? cols.imageBytes ?? 'images',
    // allowed roots for where image files may resolve: image_dir when set, else the data file's folder; the Hub cache
    roots: [...(ctx.imageDir ? [] : [dirname(ctx.file.path)]), ...(ctx.file.cacheRoot ? [ctx.file.cacheRoot] : [])],
    allowOutside: ctx.allowOutsidePaths,
  };
  const im = readImageCell(
    cols.images ? row[cols.images] : null,
    imageDirOrBase,
    cols.imageBytes ? (row[cols.imageBytes] ?? null) : undefined,
  );
  if ('drop' in im) return dropped(im.drop);
  base.images = im.images as ImageRef[];

  // <image> placement and count (over every turn of a message list, as verl counts them)
  const n = base.images.length;
  const tags = rowImageTags(text, messages);
  if (tags === 0 && n > 0) {
    if (ctx.placement === 'prepend') base.problem = IMAGE_TAG.repeat(n) + text;
    else if (ctx.placement === 'append') base.problem = text + IMAGE_TAG.repeat(n);
    if (messages) messages[base.promptMessage!]!.content = base.problem;
  }

  if (base.teacherResponse === null) {
    // Not a drop here (the no_teacher_response rule decides); where ingest looked, for the drop's detail.
    base.teacherMissing = cols.teacher
      ? `column ${cols.teacher} is empty`
      : ctx.teacher!.idKey
        ? `no teacher response for id '${idRaw ?? '(empty id)'}' in ${ctx.teacher!.file}`
        : `no teacher response for row ${index} in ${ctx.teacher!.file}`;
  }
  return base;
}

async function planSource(
  spec: SourceSpec,
  outSplit: string,
  opts: IngestOptions,
  hub: Awaited<ReturnType<typeof resolveHubOptions>> | null,
  warn: (m: string) => void,
): Promise<PlannedSource> {
  const cwd = opts.cwd ?? process.cwd();
  const files: Array<{ path: string; kind: FileKind; manifestPath: string; knownSha?: string; cacheRoot?: string }> =
    [];
  let repo: string | null = null;
  let manifest: Manifest['sources'][number];
  if (spec.kind === 'hub') {
    repo = spec.repo!;
    const r = await resolveHubSplit(repo, spec.split ?? outSplit, hub!, {
      config: spec.config ?? null,
      onProgress: opts.onProgress,
      onWarning: warn,
    }).catch((e: unknown) => {
      if (!(e instanceof HubRepoUnreachable) || spec.config) throw e;
      // `owner/name` is also a relative path: say both readings instead of only "fetch failed"
      throw new GadError(
        `source ${spec.spec}: no local file or folder ${resolve(cwd, spec.repo!)}, and the Hub dataset ${repo} cannot be used: ${e.message}`,
        {
          hint: `for a local path, check it against the working directory ${cwd} (relative paths are resolved there, as EasyR1 does; write ./${spec.repo} to mean a path); for a Hub dataset, ${e.hint ?? 'check the id'}`,
          cause: e,
        },
      );
    });
    // the snapshot file is <repo cache>/snapshots/<commit>/<repoPath>
    for (const f of r.files)
      files.push({
        path: f.localPath,
        kind: 'parquet',
        manifestPath: f.repoPath,
        cacheRoot: resolve(f.localPath, ...f.repoPath.split('/').map(() => '..'), '..', '..'),
      });
    manifest = {
      split: outSplit,
      spec: spec.spec,
      kind: 'hub',
      repo,
      ...(r.config !== 'default' || spec.config ? { config: r.config } : {}),
      revision: r.revision,
      commit: r.commit,
      files: [],
    };
  } else if (spec.kind === 'dir') {
    const all = listDir(spec.path!);
    const exts = new Set(all.map((p) => fileKindOf(p)));
    if (!all.length) throw new GadError(`folder ${spec.spec} holds no .parquet, .jsonl or .json files`);
    if (exts.size > 1) {
      throw new GadError(
        `folder ${spec.spec} mixes file types (${[...exts].join(', ')}); the files of a folder must share one extension`,
        {
          hint: 'point at the files with a glob (e.g. dir/*.parquet) or split them into folders',
        },
      );
    }
    // EasyR1: load_dataset("parquet", data_dir=dir, split=...) → datasets' file-name conventions (no card)
    const { splits } = resolveLayout(all, null, null, spec.spec);
    let want = spec.split ?? outSplit;
    if (!spec.split && !splits.has(want) && splits.size === 1) want = [...splits.keys()][0]!;
    for (const p of pickSplit(
      splits,
      want,
      spec.spec,
      spec.split ? spec.spec.slice(0, spec.spec.length - spec.split.length - 1) : spec.spec,
    )) {
      const abs = resolve(spec.path!, p);
      files.push({ path: abs, kind: fileKindOf(p)!, manifestPath: relative(cwd, abs) || p });
    }
    manifest = { split: outSplit, spec: spec.spec, kind: 'dir', files: [] };
  } else if (spec.kind === 'glob') {
    const found = (
      await glob(relative(cwd, spec.path!).split('\\').join('/') || spec.path!, {
        cwd,
        absolute: true,
        onlyFiles: true,
      })
    )
      .filter((p) => fileKindOf(p))
      .sort();
    if (!found.length)
      throw new GadError(`glob ${spec.spec} matches no .parquet, .jsonl or .json file`, {
        hint: 'check the pattern and the working directory',
      });
    const exts = new Set(found.map((p) => fileKindOf(p)));
    const kind = exts.size === 1 ? [...exts][0]! : 'parquet';
    for (const p of found) files.push({ path: p, kind: fileKindOf(p)!, manifestPath: relative(cwd, p) });
    manifest = { split: outSplit, spec: spec.spec, kind: kind === 'parquet' ? 'parquet' : kind, files: [] };
  } else {
    if (spec.split && spec.split !== outSplit && spec.split !== 'train') {
      warn(`${spec.spec}: a single file has no splits; all its rows go to split '${outSplit}'`);
    }
    files.push({
      path: spec.path!,
      kind: spec.kind as FileKind,
      manifestPath: relative(cwd, spec.path!) || basename(spec.path!),
    });
    manifest = { split: outSplit, spec: spec.spec, kind: spec.kind as FileKind, files: [] };
  }
  const planned: PlannedFile[] = [];
  for (const f of files) {
    let rows: number | null = null;
    let schema: ParquetColumn[] | null = null;
    let features: Record<string, unknown> | null = null;
    if (f.kind === 'parquet') {
      const s = await readParquetSchema(f.path);
      rows = s.rows;
      schema = s.columns;
      features = hfFeaturesOf(s.keyValue.huggingface);
    }
    const { size } = await stat(f.path);
    let digest: string;
    if (f.kind === 'jsonl') {
      // Lines counted in the hashing pass: a row total for progress (blank lines, skipped later, included).
      const h = await sha256FileAndLines(f.path);
      digest = h.sha256;
      rows = h.lines;
    } else digest = await sha256File(f.path);
    planned.push({
      path: f.path,
      kind: f.kind,
      rows,
      schema,
      features,
      ...(f.cacheRoot ? { cacheRoot: f.cacheRoot } : {}),
    });
    manifest.files.push({ path: f.manifestPath, bytes: size, sha256: digest });
  }
  return { spec, repo, files: planned, manifest };
}

/** The `features` of a parquet footer's `huggingface` metadata (`{"info": {"features": {...}}}`), or null. */
function hfFeaturesOf(meta: string | undefined): Record<string, unknown> | null {
  if (!meta) return null;
  try {
    const j = JSON.parse(meta) as { info?: { features?: unknown } };
    const f = j.info?.features;
    return f && typeof f === 'object' && !Array.isArray(f) ? (f as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

/** Columns a build consumes (they become the prompt, answer, images, teacher response, data_source). */
function consumedColumns(c: ResolvedColumns): Set<string> {
  return new Set([c.prompt, c.answer, c.images, c.imageBytes, c.teacher, c.dataSource].filter((x): x is string => !!x));
}

function defaultDataSource(src: PlannedSource): string {
  if (src.repo) return src.repo;
  const p = src.spec.path ?? src.spec.spec;
  return basename(p).replace(/\.(parquet|jsonl|json)$/i, '');
}

/**
 * Open every source of every split: resolve specs, download Hub files into the cache, read parquet
 * footers, check the column mapping against each file's schema, load the teacher file. Rows are read
 * later, lazily, by `rows(split)`.
 */
export async function openIngest(opts: IngestOptions): Promise<OpenedIngest> {
  const cwd = opts.cwd ?? process.cwd();
  const warned = new Set<string>();
  const warn = (m: string) => opts.onWarning?.(m);
  const warnOnce = (key: string, m: string) => {
    if (warned.has(key)) return;
    warned.add(key);
    warn(m);
  };
  const columns: ColumnMap = {
    ...DEFAULT_COLUMNS,
    ...Object.fromEntries(Object.entries(opts.columns ?? {}).filter(([, v]) => v !== undefined && v !== '')),
  } as ColumnMap;
  if (!columns.id && opts.teacher?.idKey) columns.id = opts.teacher.idKey;
  const imageDir = opts.imageDir ? resolve(cwd, opts.imageDir) : null;
  const placement = opts.imagePlacement ?? 'prepend';
  const aliases = opts.imageTokenAliases ?? ['<__dj__image>'];
  if (!opts.splits?.length)
    throw new GadError('no sources configured', { hint: 'give at least one split with sources (data.train_files)' });

  const specs = opts.splits.map((s) => ({ split: s.split, specs: s.specs.map((x) => parseSourceSpec(x, cwd)) }));
  const needHub = specs.some((s) => s.specs.some((x) => x.kind === 'hub'));
  const hub = needHub ? await resolveHubOptions(opts.hub) : null;

  const plans = new Map<string, PlannedSource[]>();
  const rowCount: Record<string, number | null> = {};
  const sources: Manifest['sources'] = [];
  for (const s of specs) {
    if (plans.has(s.split))
      throw new GadError(`split '${s.split}' is configured twice`, { hint: 'list all its sources once' });
    if (!s.specs.length) throw new GadError(`split '${s.split}' has no sources`);
    const list: PlannedSource[] = [];
    let count: number | null = 0;
    for (const spec of s.specs) {
      const p = await planSource(spec, s.split, opts, hub, warn);
      list.push(p);
      sources.push(p.manifest);
      for (const f of p.files) count = count === null || f.rows === null ? null : count + f.rows;
    }
    plans.set(s.split, list);
    rowCount[s.split] = count;
  }

  // column mapping checked against every parquet schema now (clear errors before any row is read)
  const colsByFile = new Map<string, ResolvedColumns>();
  for (const list of plans.values()) {
    for (const src of list) {
      for (const f of src.files) {
        if (!f.schema) continue;
        const types = new Map(f.schema.map((c) => [c.name, c.type]));
        const where = src.spec.kind === 'hub' ? `${src.spec.spec} (${basename(f.path)})` : f.path;
        colsByFile.set(
          f.path,
          resolveColumns([...types.keys()], types, columns, where, (m) => warnOnce(`cols:${where}`, m), {
            requireImage: opts.requireImage,
            schema: f.schema,
          }),
        );
        const c = colsByFile.get(f.path)!;
        if (c.prompt !== columns.prompt)
          warnOnce(
            `prompt:${src.spec.spec}`,
            `${src.spec.spec}: no column '${columns.prompt}'; using the '${c.prompt}' message list as the prompt (set prompt_key to choose)`,
          );
        if (c.images !== columns.images && c.images)
          warnOnce(
            `images:${src.spec.spec}`,
            `${src.spec.spec}: no column '${columns.images}'; using '${c.images}' for images (set image_key to choose)`,
          );
      }
    }
  }

  // Pass-through: every column a build does not consume, with its type (parquet: the footer's; JSON: inferred
  // over all rows, in a first pass), unioned over the files in input order.
  const passthrough: PassthroughColumn[] = [];
  const passNames = new Map<string, string[]>();
  if (opts.passthrough) {
    const byName = new Map<string, PassthroughColumn>();
    const files = [...plans.values()]
      .flatMap((l) => l.map((src) => ({ src, files: src.files })))
      .flatMap(({ src, files }) => files.map((f) => ({ src, f })));
    const seenIn = new Map<string, number>();
    for (const { src, f } of files) {
      let types: ColumnType[];
      let cols: ResolvedColumns;
      if (f.schema) {
        types = f.schema;
        cols = colsByFile.get(f.path)!;
      } else {
        const inf = new JsonTypeInference();
        let first: Record<string, unknown> | null = null;
        for await (const r of f.kind === 'jsonl' ? readJsonlRows(f.path) : readJsonRows(f.path)) {
          if (!r.ok) continue;
          first ??= r.row;
          inf.add(r.row);
        }
        const got = inf.columns();
        types = got.columns;
        const have = [...types.map((c) => c.name), ...got.conflicts];
        cols = resolveColumns(have, null, columns, f.path, (m) => warnOnce(`cols:${f.path}`, m), {
          requireImage: opts.requireImage,
          firstRow: first ?? {},
        });
        colsByFile.set(f.path, cols);
        if (cols.prompt !== columns.prompt)
          warnOnce(
            `prompt:${src.spec.spec}`,
            `${src.spec.spec}: no key '${columns.prompt}'; using '${cols.prompt}' as the prompt (set prompt_key to choose)`,
          );
        const consumed = consumedColumns(cols);
        for (const k of got.conflicts) {
          if (!consumed.has(k))
            warnOnce(
              `conflict:${k}`,
              `${src.spec.spec}: key '${k}' holds values of different types in different rows (e.g. text and numbers); it is NOT passed through (make its values one type)`,
            );
        }
      }
      const consumed = consumedColumns(cols);
      const names: string[] = [];
      for (const c of types) {
        if (consumed.has(c.name)) continue;
        names.push(c.name);
        seenIn.set(c.name, (seenIn.get(c.name) ?? 0) + 1);
        const prev = byName.get(c.name);
        if (!prev) {
          const feature = f.features?.[c.name] ?? null;
          const entry = { name: c.name, column: c, feature };
          byName.set(c.name, entry);
          passthrough.push(entry);
        } else if (prev.column.type !== c.type) {
          throw new GadError(
            `column '${c.name}' has type ${prev.column.type} in one input file and ${c.type} in ${f.path}; it cannot be passed through as one column`,
            {
              hint: 'make the files agree on its type, or build with --no-passthrough (passthrough: false) to leave the other columns out',
            },
          );
        }
      }
      passNames.set(f.path, names);
    }
    // A column missing from some files is null in their rows.
    for (const p of passthrough)
      if ((seenIn.get(p.name) ?? 0) < files.length) p.column = { ...p.column, nullable: true };
  }

  let teacher: TeacherTable | null = null;
  if (opts.teacher) {
    const idKey = opts.teacher.idKey ?? columns.id ?? null;
    if (!idKey && plans.size > 1) {
      throw new GadError(
        'teacher responses without an id key can only be joined by row index for one split, but several splits are configured',
        {
          hint: 'set id_key (and teacher.id_key if the teacher file names it differently) so responses join by id',
        },
      );
    }
    teacher = await loadTeacher({ file: opts.teacher.file, idKey, responseKey: opts.teacher.responseKey, cwd });
    if (!idKey)
      warn(
        `teacher responses from ${opts.teacher.file} are joined by row index (line n ↔ row n of split '${[...plans.keys()][0]}'): set id_key to join by id`,
      );
  }

  const ids = new Map<string, { split: string; index: number }>();
  async function* rows(split: string): AsyncGenerator<Sample> {
    const list = plans.get(split);
    if (!list)
      throw new GadError(`split '${split}' is not configured; configured splits: ${[...plans.keys()].join(', ')}`);
    let index = 0;
    for (const src of list) {
      const dataSourceDefault = defaultDataSource(src);
      for (const file of src.files) {
        const base = {
          split,
          source: src,
          file,
          dataSourceDefault,
          imageDir,
          allowOutsidePaths: !!opts.allowOutsidePaths,
          placement,
          aliases,
          teacher,
          warnOnce,
          ids,
          passthrough: opts.passthrough ? (passNames.get(file.path) ?? []) : null,
        };
        if (file.kind === 'parquet') {
          const cols = colsByFile.get(file.path)!;
          // A float column reads as a JS number; Python (pyarrow) gives a float, whose str() is "1.0", not "1".
          const floatCols = (file.schema ?? [])
            .filter((c) => c.kind === 'primitive' && /^(float|double|float16)$/.test(c.type))
            .map((c) => c.name);
          for await (const row of readParquetRows(file.path)) {
            for (const c of floatCols) {
              const v = row[c];
              if (typeof v === 'number') {
                const text = pyFloatRepr(v);
                if (text !== String(v)) row[c] = new JsonNumber(Number.isFinite(v) ? String(v) : 'null', text, false);
              }
            }
            yield toSample(row, index, { ...base, cols });
            index++;
          }
        } else {
          let cols: ResolvedColumns | null = colsByFile.get(file.path) ?? null;
          const it = file.kind === 'jsonl' ? readJsonlRows(file.path) : readJsonRows(file.path);
          for await (const r of it) {
            if (!r.ok) {
              yield {
                split,
                index,
                id: `${src.spec.spec}#${index}`,
                source: src.spec.spec,
                dataSource: dataSourceDefault,
                problem: '',
                answer: null,
                images: [],
                extra: {},
                ...(teacher || columns.teacher ? { teacherResponse: null } : {}),
                drop: { reason: 'bad_row', detail: `${file.path}: ${r.error}`, value: r.line },
              };
              index++;
              continue;
            }
            if (!cols) {
              const where = `${file.path} (line ${r.line})`;
              cols = resolveColumns(Object.keys(r.row), null, columns, where, (m) => warnOnce(`cols:${file.path}`, m), {
                requireImage: opts.requireImage,
                firstRow: r.row,
              });
              if (cols.prompt !== columns.prompt)
                warnOnce(
                  `prompt:${src.spec.spec}`,
                  `${src.spec.spec}: no key '${columns.prompt}'; using '${cols.prompt}' as the prompt (set prompt_key to choose)`,
                );
            }
            yield toSample(r.row, index, { ...base, cols });
            index++;
          }
        }
      }
    }
  }

  return {
    sources,
    rowCount,
    rows,
    passthrough,
    teacher: teacher ? { file: teacher.file, sha256: teacher.sha256, bytes: teacher.bytes } : null,
  };
}
