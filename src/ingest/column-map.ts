/**
 * The column mapping (`prompt_key`, `image_key`, …) resolved against the columns a source file has: the
 * fallbacks (`problem` → verl's `prompt`, `images` → `image`, `answer` → `reward_model.ground_truth`), and a
 * clear error naming the config key when a column is missing or of the wrong type.
 */
import { basename } from 'node:path';
import type { ColumnType } from '../core/types.js';
import { GadError } from '../core/errors.js';
import { getPath, schemaHasPath } from './columns.js';
import type { PlannedSource } from './source-plan.js';

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

export interface ResolvedColumns {
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

/** Resolve the column names against what a file has; GadError naming the config key when one is missing. */
export function resolveColumns(opts: {
  /** The file's column names. */
  have: string[];
  /** Column name → type (a parquet schema), or null (JSON: no types). */
  types: Map<string, string> | null;
  columns: ColumnMap;
  /** The file, as named in messages. */
  where: string;
  warn: (m: string) => void;
  requireImage?: boolean;
  /** For a dotted id_key: the schema it must lead into (parquet), or the first row (JSON). */
  schema?: ColumnType[] | null;
  firstRow?: Record<string, unknown>;
}): ResolvedColumns {
  const { have, types, columns: cols, where, warn } = opts;
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

/** Columns a build consumes (they become the prompt, answer, images, teacher response, data_source). */
export function consumedColumns(c: ResolvedColumns): Set<string> {
  return new Set([c.prompt, c.answer, c.images, c.imageBytes, c.teacher, c.dataSource].filter((x): x is string => !!x));
}

/**
 * The column mapping checked against every parquet schema before any row is read (clear errors first), with a
 * warning once per source when a fallback column is used. JSON files are resolved later (first pass or first row).
 */
export function resolveSchemaColumns(p: {
  plans: Iterable<PlannedSource[]>;
  columns: ColumnMap;
  requireImage?: boolean;
  warnOnce: (key: string, m: string) => void;
}): Map<string, ResolvedColumns> {
  const { columns, warnOnce } = p;
  const colsByFile = new Map<string, ResolvedColumns>();
  for (const list of p.plans) {
    for (const src of list) {
      for (const f of src.files) {
        if (!f.schema) continue;
        const types = new Map(f.schema.map((c) => [c.name, c.type]));
        const where = src.spec.kind === 'hub' ? `${src.spec.spec} (${basename(f.path)})` : f.path;
        colsByFile.set(
          f.path,
          resolveColumns({
            have: [...types.keys()],
            types,
            columns,
            where,
            warn: (m) => warnOnce(`cols:${where}`, m),
            requireImage: p.requireImage,
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
  return colsByFile;
}

/** The warning (once per source) when a JSON source's prompt comes from a fallback key. */
export function warnJsonPromptFallback(p: {
  cols: ResolvedColumns;
  columns: ColumnMap;
  source: string;
  warnOnce: (key: string, m: string) => void;
}): void {
  if (p.cols.prompt !== p.columns.prompt)
    p.warnOnce(
      `prompt:${p.source}`,
      `${p.source}: no key '${p.columns.prompt}'; using '${p.cols.prompt}' as the prompt (set prompt_key to choose)`,
    );
}
