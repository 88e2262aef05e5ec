/**
 * openIngest: every source of every split turned into one deterministic stream of `Sample`s per split,
 * read a row group (or a line) at a time.
 */
import { readdirSync } from 'node:fs';
import { stat } from 'node:fs/promises';
import { basename, dirname, extname, relative, resolve } from 'node:path';
import { glob } from 'tinyglobby';
import type { Drop, ImageRef, Manifest, Sample } from '../core/types.js';
import { GadError } from '../core/errors.js';
import { IMAGE_TAG, countImageTags } from '../core/image-tag.js';
import { sha256File, sha256FileAndLines } from '../core/hash.js';
import { parseSourceSpec, pickSplit, type SourceSpec } from './spec.js';
import { resolveLayout } from './data-files.js';
import { readParquetRows, readParquetSchema, type ParquetColumn } from './parquet.js';
import { readJsonRows, readJsonlRows } from './jsonl.js';
import { readImageCell } from './images.js';
import { loadTeacher, scalarKey, type TeacherTable } from './teacher.js';
import { HubRepoUnreachable, resolveHubOptions, resolveHubSplit, type DownloadProgress, type HubOptions } from './hub.js';

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
  teacher?: { file: string; idKey?: string; responseKey?: string };
  hub?: HubOptions;
  onProgress?: DownloadProgress;
  onWarning?: (message: string) => void;
}

export interface OpenedIngest {
  sources: Manifest['sources'];
  /** Rows per split from parquet footers and jsonl line counts (for progress); null when a split has a .json source. */
  rowCount: Record<string, number | null>;
  /** Rows of one split in a deterministic order, `index` 0.. within the split. */
  rows(split: string): AsyncGenerator<Sample>;
}

const EXTRA_MAX_CHARS = 16384;

type FileKind = 'parquet' | 'jsonl' | 'json';

interface PlannedFile {
  path: string;
  kind: FileKind;
  /** Rows from the footer (parquet). */
  rows: number | null;
  /** Parquet schema (null for json). */
  schema: ParquetColumn[] | null;
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
  images: string;
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
function resolveColumns(have: string[], types: Map<string, string> | null, cols: ColumnMap, where: string, warn: (m: string) => void): ResolvedColumns {
  const list = have.join(', ');
  const missing = (key: string, col: string) =>
    new GadError(`column '${col}' (${key}) not found in ${where}; columns: ${list}`, { hint: `set ${key} to one of: ${list}` });
  let prompt = cols.prompt;
  if (!have.includes(prompt)) {
    if (prompt === DEFAULT_COLUMNS.prompt && have.includes('prompt')) {
      prompt = 'prompt';
    } else throw missing('prompt_key', prompt);
  }
  let images = cols.images;
  if (!have.includes(images)) {
    if (images === DEFAULT_COLUMNS.images && have.includes('image')) images = 'image';
    else if (!cols.imageBytes) throw missing('image_key', images);
  }
  let answer: string | null = cols.answer;
  let groundTruth = false;
  if (!have.includes(answer)) {
    answer = null;
    if (have.includes('reward_model')) groundTruth = true;
    else warn(`${where}: no answer column '${cols.answer}' (answer_key); answers are left empty`);
  }
  const id = cols.id ?? null;
  if (id && !have.includes(id)) throw missing('id_key', id);
  const imageBytes = cols.imageBytes ?? null;
  if (imageBytes && !have.includes(imageBytes)) throw missing('image_bytes_key', imageBytes);
  const teacher = cols.teacher ?? null;
  if (teacher && !have.includes(teacher)) throw missing('teacher_key', teacher);
  const dataSource = cols.dataSource ?? (have.includes('data_source') ? 'data_source' : null);
  if (cols.dataSource && !have.includes(cols.dataSource)) throw missing('data_source_key', cols.dataSource);
  if (types) {
    // A whole column of the wrong type (e.g. an int64 prompt_key, a double image_key) is a mapping mistake:
    // one clear error naming the column, instead of every row dropped for the same reason.
    const textual = (t: string) => t === 'string' || t === 'binary' || t === 'json' || t.startsWith('fixed_size_binary');
    const wrongType = (key: string, col: string, want: string, ok: (t: string) => boolean) => {
      const t = types.get(col);
      if (t === undefined || ok(t)) return;
      const fits = [...types].filter(([n, ty]) => n !== col && ok(ty)).map(([n]) => n);
      throw new GadError(`column '${col}' (${key}) in ${where} has type ${t}; it must hold ${want}`, {
        hint: fits.length ? `set ${key} to the right column (candidates: ${fits.join(', ')})` : `set ${key} to the column holding ${want}`,
      });
    };
    wrongType('prompt_key', prompt, 'text (string) or a message list', (t) => textual(t) || t.startsWith('list<'));
    if (have.includes(images)) wrongType('image_key', images, 'images (list<struct<bytes, path>>, a struct, bytes or path strings)', (t) => textual(t) || t.startsWith('list<') || t.startsWith('struct<'));
    if (teacher) wrongType('teacher_key', teacher, 'text (string) or a message list', (t) => textual(t) || t.startsWith('list<'));
  }
  if (types && !imageBytes) {
    const t = types.get(images);
    if (t === 'string' || t === 'list<string>') {
      const bin = [...types].find(([n, ty]) => n !== images && (ty === 'list<binary>' || ty === 'binary'));
      if (bin) {
        throw new GadError(
          `images in ${where}: column '${images}' holds paths (${t}) and column '${bin[0]}' holds image bytes (${bin[1]}); ingest does not guess which to use`,
          { hint: `set image_bytes_key: ${bin[0]} to take the bytes from '${bin[0]}' (paths from '${images}' are kept as names)` },
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

/** The prompt text from a string cell or a message list (the first user message). */
function promptText(v: unknown): { text: string | null } | { error: string } {
  // A number or boolean is not a prompt (a wrong cell type, e.g. a jsonl row with "problem": 42): bad_row.
  if (typeof v === 'number' || typeof v === 'bigint' || typeof v === 'boolean') return { error: `the prompt cell is a ${typeof v} (${String(v)}), not text` };
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
    const user = v.find((m) => m && typeof m === 'object' && (m as { role?: unknown }).role === 'user') as { content?: unknown } | undefined;
    if (!user) return v.length ? { error: 'the prompt message list has no user message' } : { text: null };
    const c = contentText(user.content);
    if (c === undefined) return { error: 'the user message content is neither text nor a list of parts' };
    return { text: c };
  }
  return { error: `the prompt cell is a ${typeof v}, not text or a message list` };
}

function jsonSafe(v: unknown, depth = 0): { ok: true; value: unknown } | { ok: false } {
  if (v === null || v === undefined) return { ok: true, value: null };
  if (typeof v === 'string' || typeof v === 'boolean') return { ok: true, value: v };
  if (typeof v === 'number') return { ok: true, value: Number.isFinite(v) ? v : null };
  if (typeof v === 'bigint') return { ok: true, value: v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v.toString() };
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
  placement: 'prepend' | 'append' | 'none';
  aliases: string[];
  teacher: TeacherTable | null;
  warnOnce: (key: string, m: string) => void;
}

function toSample(row: Record<string, unknown>, index: number, ctx: RowContext): Sample {
  const { cols } = ctx;
  const source = ctx.source.spec.spec;
  const idRaw = cols.id ? scalarKey(row[cols.id]) : null;
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
  const dropped = (drop: Drop): Sample => ({ ...base, drop });

  // extra: pass-through of the columns not used above, when small and JSON-serialisable
  const used = new Set([cols.prompt, cols.answer, cols.images, cols.id, cols.imageBytes, cols.teacher, cols.dataSource].filter(Boolean) as string[]);
  for (const [k, v] of Object.entries(row)) {
    if (used.has(k)) continue;
    const r = jsonSafe(v);
    if (!r.ok) {
      ctx.warnOnce(`extra:${k}`, `${ctx.file.path}: column '${k}' holds binary data and is not passed through`);
      continue;
    }
    if (typeof r.value === 'string' ? r.value.length > EXTRA_MAX_CHARS : JSON.stringify(r.value).length > EXTRA_MAX_CHARS) {
      ctx.warnOnce(`extra:${k}`, `${ctx.file.path}: column '${k}' has values over ${EXTRA_MAX_CHARS} characters and is not passed through`);
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
      base.answer = j.ok ? JSON.stringify(j.value) : null;
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
  for (const a of ctx.aliases) {
    if (text.includes(a)) {
      text = text.split(a).join(IMAGE_TAG);
      ctx.warnOnce(`alias:${a}`, `${ctx.source.spec.spec}: image placeholder '${a}' rewritten to '${IMAGE_TAG}'`);
    }
  }
  base.problem = text;
  if (!text.trim()) {
    return dropped({ reason: 'empty_prompt', detail: `column ${cols.prompt} is empty` });
  }

  // images
  const imageDirOrBase = {
    imageDir: ctx.imageDir,
    baseDir: ctx.file.kind === 'parquet' ? null : dirname(ctx.file.path),
    where: ctx.file.path,
    imageKey: cols.images,
  };
  const im = readImageCell(row[cols.images], imageDirOrBase, cols.imageBytes ? (row[cols.imageBytes] ?? null) : undefined);
  if ('drop' in im) return dropped(im.drop);
  base.images = im.images as ImageRef[];

  // <image> placement and count
  const n = base.images.length;
  const tags = countImageTags(text);
  if (tags === 0 && n > 0) {
    if (ctx.placement === 'prepend') base.problem = IMAGE_TAG.repeat(n) + text;
    else if (ctx.placement === 'append') base.problem = text + IMAGE_TAG.repeat(n);
  } else if (tags !== n) {
    return dropped({ reason: 'image_count_mismatch', detail: `the prompt has ${tags} ${IMAGE_TAG} tag(s) but the row has ${n} image(s)`, value: tags, limit: n });
  }

  if (base.teacherResponse === null) {
    const detail = cols.teacher
      ? `column ${cols.teacher} is empty`
      : ctx.teacher!.idKey
        ? `no teacher response for id '${idRaw ?? '(empty id)'}' in ${ctx.teacher!.file}`
        : `no teacher response for row ${index} in ${ctx.teacher!.file}`;
    return dropped({ reason: 'no_teacher_response', detail });
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
  const files: Array<{ path: string; kind: FileKind; manifestPath: string; knownSha?: string }> = [];
  let repo: string | null = null;
  let manifest: Manifest['sources'][number];
  if (spec.kind === 'hub') {
    repo = spec.repo!;
    const r = await resolveHubSplit(repo, spec.split ?? outSplit, hub!, { config: spec.config ?? null, onProgress: opts.onProgress, onWarning: warn }).catch((e: unknown) => {
      if (!(e instanceof HubRepoUnreachable) || spec.config) throw e;
      // `owner/name` is also a relative path: say both readings instead of only "fetch failed"
      throw new GadError(`source ${spec.spec}: no local file or folder ${resolve(cwd, spec.repo!)}, and the Hub dataset ${repo} cannot be used: ${e.message}`, {
        hint: `for a local path, check it against the working directory ${cwd} (relative paths are resolved there, as EasyR1 does; write ./${spec.repo} to mean a path); for a Hub dataset, ${e.hint ?? 'check the id'}`,
        cause: e,
      });
    });
    for (const f of r.files) files.push({ path: f.localPath, kind: 'parquet', manifestPath: f.repoPath });
    manifest = { split: outSplit, spec: spec.spec, kind: 'hub', repo, ...(r.config !== 'default' || spec.config ? { config: r.config } : {}), revision: r.revision, commit: r.commit, files: [] };
  } else if (spec.kind === 'dir') {
    const all = listDir(spec.path!);
    const exts = new Set(all.map((p) => fileKindOf(p)));
    if (!all.length) throw new GadError(`folder ${spec.spec} holds no .parquet, .jsonl or .json files`);
    if (exts.size > 1) {
      throw new GadError(`folder ${spec.spec} mixes file types (${[...exts].join(', ')}); the files of a folder must share one extension`, {
        hint: 'point at the files with a glob (e.g. dir/*.parquet) or split them into folders',
      });
    }
    // EasyR1: load_dataset("parquet", data_dir=dir, split=...) → datasets' file-name conventions (no card)
    const { splits } = resolveLayout(all, null, null, spec.spec);
    let want = spec.split ?? outSplit;
    if (!spec.split && !splits.has(want) && splits.size === 1) want = [...splits.keys()][0]!;
    for (const p of pickSplit(splits, want, spec.spec)) {
      const abs = resolve(spec.path!, p);
      files.push({ path: abs, kind: fileKindOf(p)!, manifestPath: relative(cwd, abs) || p });
    }
    manifest = { split: outSplit, spec: spec.spec, kind: 'dir', files: [] };
  } else if (spec.kind === 'glob') {
    const found = (await glob(relative(cwd, spec.path!).split('\\').join('/') || spec.path!, { cwd, absolute: true, onlyFiles: true })).filter((p) => fileKindOf(p)).sort();
    if (!found.length) throw new GadError(`glob ${spec.spec} matches no .parquet, .jsonl or .json file`, { hint: 'check the pattern and the working directory' });
    const exts = new Set(found.map((p) => fileKindOf(p)));
    const kind = exts.size === 1 ? [...exts][0]! : 'parquet';
    for (const p of found) files.push({ path: p, kind: fileKindOf(p)!, manifestPath: relative(cwd, p) });
    manifest = { split: outSplit, spec: spec.spec, kind: kind === 'parquet' ? 'parquet' : kind, files: [] };
  } else {
    if (spec.split && spec.split !== outSplit && spec.split !== 'train') {
      warn(`${spec.spec}: a single file has no splits; all its rows go to split '${outSplit}'`);
    }
    files.push({ path: spec.path!, kind: spec.kind as FileKind, manifestPath: relative(cwd, spec.path!) || basename(spec.path!) });
    manifest = { split: outSplit, spec: spec.spec, kind: spec.kind as FileKind, files: [] };
  }
  const planned: PlannedFile[] = [];
  for (const f of files) {
    let rows: number | null = null;
    let schema: ParquetColumn[] | null = null;
    if (f.kind === 'parquet') {
      const s = await readParquetSchema(f.path);
      rows = s.rows;
      schema = s.columns;
    }
    const { size } = await stat(f.path);
    let digest: string;
    if (f.kind === 'jsonl') {
      // Lines counted in the hashing pass: a row total for progress (blank lines, skipped later, included).
      const h = await sha256FileAndLines(f.path);
      digest = h.sha256;
      rows = h.lines;
    } else digest = await sha256File(f.path);
    planned.push({ path: f.path, kind: f.kind, rows, schema });
    manifest.files.push({ path: f.manifestPath, bytes: size, sha256: digest });
  }
  return { spec, repo, files: planned, manifest };
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
  const columns: ColumnMap = { ...DEFAULT_COLUMNS, ...Object.fromEntries(Object.entries(opts.columns ?? {}).filter(([, v]) => v !== undefined && v !== '')) } as ColumnMap;
  if (!columns.id && opts.teacher?.idKey) columns.id = opts.teacher.idKey;
  const imageDir = opts.imageDir ? resolve(cwd, opts.imageDir) : null;
  const placement = opts.imagePlacement ?? 'prepend';
  const aliases = opts.imageTokenAliases ?? ['<__dj__image>'];
  if (!opts.splits?.length) throw new GadError('no sources configured', { hint: 'give at least one split with sources (data.train_files)' });

  const specs = opts.splits.map((s) => ({ split: s.split, specs: s.specs.map((x) => parseSourceSpec(x, cwd)) }));
  const needHub = specs.some((s) => s.specs.some((x) => x.kind === 'hub'));
  const hub = needHub ? await resolveHubOptions(opts.hub) : null;

  const plans = new Map<string, PlannedSource[]>();
  const rowCount: Record<string, number | null> = {};
  const sources: Manifest['sources'] = [];
  for (const s of specs) {
    if (plans.has(s.split)) throw new GadError(`split '${s.split}' is configured twice`, { hint: 'list all its sources once' });
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
        colsByFile.set(f.path, resolveColumns([...types.keys()], types, columns, where, (m) => warnOnce(`cols:${where}`, m)));
        const c = colsByFile.get(f.path)!;
        if (c.prompt !== columns.prompt) warnOnce(`prompt:${src.spec.spec}`, `${src.spec.spec}: no column '${columns.prompt}'; using the '${c.prompt}' message list as the prompt (set prompt_key to choose)`);
        if (c.images !== columns.images && c.images) warnOnce(`images:${src.spec.spec}`, `${src.spec.spec}: no column '${columns.images}'; using '${c.images}' for images (set image_key to choose)`);
      }
    }
  }

  let teacher: TeacherTable | null = null;
  if (opts.teacher) {
    const idKey = opts.teacher.idKey ?? columns.id ?? null;
    if (!idKey && plans.size > 1) {
      throw new GadError('teacher responses without an id key can only be joined by row index for one split, but several splits are configured', {
        hint: 'set id_key (and teacher.id_key if the teacher file names it differently) so responses join by id',
      });
    }
    teacher = await loadTeacher({ file: opts.teacher.file, idKey, responseKey: opts.teacher.responseKey, cwd });
    if (!idKey) warn(`teacher responses from ${opts.teacher.file} are joined by row index (line n ↔ row n of split '${[...plans.keys()][0]}'): set id_key to join by id`);
  }

  async function* rows(split: string): AsyncGenerator<Sample> {
    const list = plans.get(split);
    if (!list) throw new GadError(`split '${split}' is not configured; configured splits: ${[...plans.keys()].join(', ')}`);
    let index = 0;
    for (const src of list) {
      const dataSourceDefault = defaultDataSource(src);
      for (const file of src.files) {
        const base = { split, source: src, file, dataSourceDefault, imageDir, placement, aliases, teacher, warnOnce };
        if (file.kind === 'parquet') {
          const cols = colsByFile.get(file.path)!;
          for await (const row of readParquetRows(file.path)) {
            yield toSample(row, index, { ...base, cols });
            index++;
          }
        } else {
          let cols: ResolvedColumns | null = null;
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
              cols = resolveColumns(Object.keys(r.row), null, columns, where, (m) => warnOnce(`cols:${file.path}`, m));
              if (cols.prompt !== columns.prompt) warnOnce(`prompt:${src.spec.spec}`, `${src.spec.spec}: no key '${columns.prompt}'; using '${cols.prompt}' as the prompt (set prompt_key to choose)`);
            }
            yield toSample(r.row, index, { ...base, cols });
            index++;
          }
        }
      }
    }
  }

  return { sources, rowCount, rows };
}
