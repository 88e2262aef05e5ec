/** The row → `Sample` conversion: one input row (parquet or JSON) read through the resolved column mapping. */
import { dirname } from 'node:path';
import type { Drop, ImageRef, Sample } from '../core/types.js';
import { IMAGE_TAG, rowImageTags } from '../core/image-tag.js';
import type { ResolvedColumns } from './column-map.js';
import { getPath } from './columns.js';
import { extraValues, jsonText } from './extra.js';
import { readImageCell, type ImageContext } from './image-cells.js';
import type { PlannedFile, PlannedSource } from './source-plan.js';
import { asText, promptText } from './prompt.js';
import { scalarKey, teacherKey, type TeacherTable } from './teacher.js';
import type { InputFormat } from './formats/input-format-table.js';
import type { RealPath } from './real-path.js';
import { isObject, must } from '../core/guards.js';
import { applyStudent } from './student-response.js';
import type { RowIdTable } from '../core/row-id-table.js';

/** What one row is read with: its split, source and file, the resolved columns, and the build-wide settings. */
export interface RowContext {
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
  /** id_key value → the first row that carried it (split, index), across every split of the build (hashed, row-id-table.ts). */
  ids: RowIdTable;
  /** (split, id) → the first row of this split, for ids first carried by a row of another split (ids need only be unique per split). */
  idsAgain: RowIdTable;
  /** Columns whose cells are kept unchanged on the Sample (null: pass-through is off). */
  passthrough: string[] | null;
  /** The input format whose reader gives the row's prompt cell and teacher response (formats/index.ts). */
  format: InputFormat;
  /** Rows counted by what the format did with them (for the summary). */
  counts: Map<string, number>;
  /** Image files' realpaths for the containment rule, one `realpath` per folder (real-path.ts). */
  realPath?: RealPath;
}

/**
 * One input row as a `Sample`: id, data_source, extra, answer, teacher response, prompt (aliases rewritten to
 * `<image>`), images, and `<image>` placed when the text has none. Drops only a row it cannot read (`bad_row`,
 * `image_outside_root`) or a repeated id (`duplicate_id`); every other rule is the filter chain's.
 */
export function toSample(row: Record<string, unknown>, index: number, ctx: RowContext): Sample {
  const { cols } = ctx;
  const source = ctx.source.spec.spec;
  const idCell = cols.id ? getPath(row, cols.id) : null;
  const idRaw = cols.id ? scalarKey(idCell) : null;
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
  // An id that is a list or an object is no id: it used to become `file#row` silently (a teacher join then missed).
  if (idRaw === null && idCell !== null && idCell !== undefined) {
    return dropped({
      reason: 'bad_row',
      detail: `row ${index} of ${source}: its id (id_key ${cols.id}) is ${Array.isArray(idCell) ? 'a list' : `a ${typeof idCell === 'object' ? 'JSON object' : typeof idCell}`}, not a string or number; give every row a scalar id`,
      value: cols.id ?? null,
      limit: null,
    });
  }

  const repeat = idRaw === null ? null : repeatedId(idRaw, index, ctx);
  if (repeat) return dropped(repeat);

  // extra: pass-through of the columns not used above, when small and JSON-serialisable
  base.extra = extraValues({ row, used: usedColumns(ctx), where: ctx.file.path, warnOnce: ctx.warnOnce });

  // answer
  if (cols.answer) {
    const a = asText(row[cols.answer]);
    if (a !== undefined) base.answer = a;
    else base.answer = jsonText(row[cols.answer]);
  } else if (cols.groundTruth) {
    const rm = row.reward_model;
    const gt = isObject(rm) ? asText(rm.ground_truth) : null;
    base.answer = gt === undefined ? null : gt;
  }

  // the prompt cell and teacher response, as the input format reads them
  const read = ctx.format.read(row, cols);
  for (const c of read.counts ?? []) ctx.counts.set(c, (ctx.counts.get(c) ?? 0) + 1);

  // teacher
  if (read.teacher !== undefined) {
    base.teacherResponse = read.teacher;
  } else if (ctx.teacher) {
    const key = ctx.teacher.idKey ? (idRaw === null ? null : teacherKey(ctx.teacher, ctx.split, idRaw)) : String(index);
    base.teacherResponse = key === null ? null : (ctx.teacher.responses.get(key) ?? null);
  }

  // student (ms-swift's rejected_response): the row's student answer in a GAD build (student-response.ts)
  const studentDrop = applyStudent({
    read,
    sample: base,
    gad: !!(ctx.teacher || cols.teacher),
    studentColumn: ctx.format.studentColumn ?? null,
    count: (c) => ctx.counts.set(c, (ctx.counts.get(c) ?? 0) + 1),
    where: `row ${index} of ${source}`,
  });
  if (studentDrop) return dropped(studentDrop);

  // prompt
  const p = promptText(read.prompt);
  if ('error' in p) return dropped({ reason: 'bad_row', detail: `column ${cols.prompt}: ${p.error}` });
  for (const what of p.lost ?? []) {
    ctx.warnOnce(
      `prompt-lost:${ctx.source.spec.spec}:${what}`,
      `${ctx.source.spec.spec}: column ${cols.prompt}: ${what} in a prompt message is NOT written (only each message's role and its text and image parts are kept; row ${index} is the first)`,
    );
  }
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
    base.promptMessage = must(p.promptMessage, 'a message-list prompt without the index of its user message');
  }
  // An empty prompt, an <image> count that differs from the images, a missing teacher response: rules of the
  // filter chain (rules/row-rules.ts), checked the same way by build and validate. Ingest drops unreadable rows only.

  // images (an absolute path outside the roots read by the input format's rule is counted for the summary)
  const acceptsImage = ctx.format.acceptsImage;
  let accepted = false;
  const imageDirOrBase = acceptsImage
    ? { ...imageContext(ctx), acceptOutside: (t: string) => (acceptsImage(t) ? (accepted = true) : false) }
    : imageContext(ctx);
  const im = readImageCell(
    cols.images ? row[cols.images] : null,
    imageDirOrBase,
    cols.imageBytes ? (row[cols.imageBytes] ?? null) : undefined,
  );
  if ('drop' in im) return dropped(im.drop);
  if (accepted) ctx.counts.set('images_written_by_tool', (ctx.counts.get('images_written_by_tool') ?? 0) + 1);
  base.images = im.images as ImageRef[];

  // <image> placement and count (over every turn of a message list, as verl counts them)
  const n = base.images.length;
  const tags = rowImageTags(text, messages);
  if (tags === 0 && n > 0) {
    if (ctx.placement === 'prepend') base.problem = IMAGE_TAG.repeat(n) + text;
    else if (ctx.placement === 'append') base.problem = text + IMAGE_TAG.repeat(n);
    const promptTurn = messages?.[base.promptMessage ?? -1];
    if (promptTurn) promptTurn.content = base.problem;
  }

  const teacherNotFound = (t: NonNullable<typeof ctx.teacher>): string =>
    t.idKey
      ? `no teacher response for id '${idRaw ?? '(empty id)'}'${t.splitKey ? ` of split '${ctx.split}'` : ''} in ${t.file}`
      : `no teacher response for row ${index} in ${t.file}`;
  if (base.teacherResponse === null) {
    // Not a drop here (the no_teacher_response rule decides); where ingest looked, for the drop's detail.
    base.teacherMissing = read.missing
      ? read.missing
      : cols.teacher
        ? `column ${cols.teacher} is empty`
        : teacherNotFound(must(ctx.teacher, 'a missing teacher response without a teacher column or file'));
  }
  return base;
}

/** The columns a row's `extra` leaves out (the ones read above), the same for every row of a context. */
const usedByContext = new WeakMap<RowContext, Set<string>>();
function usedColumns(ctx: RowContext): Set<string> {
  let used = usedByContext.get(ctx);
  if (!used) {
    const c = ctx.cols;
    const names = [c.prompt, c.answer, c.images, c.id, c.imageBytes, c.teacher, c.dataSource, ...ctx.format.consumed];
    used = new Set(names.filter(Boolean) as string[]);
    usedByContext.set(ctx, used);
  }
  return used;
}

/** Where a row's image paths may lead (image-cells.ts), the same for every row of a context. */
const imagesByContext = new WeakMap<RowContext, ImageContext>();
function imageContext(ctx: RowContext): ImageContext {
  let im = imagesByContext.get(ctx);
  if (!im) {
    const { cols } = ctx;
    im = {
      imageDir: ctx.imageDir,
      baseDir: ctx.file.kind === 'parquet' ? null : dirname(ctx.file.path),
      where: ctx.file.path,
      imageKey: cols.images ?? cols.imageBytes ?? 'images',
      // allowed roots for where image files may resolve: image_dir when set, else the data file's folder; the Hub cache
      roots: [...(ctx.imageDir ? [] : [dirname(ctx.file.path)]), ...(ctx.file.cacheRoot ? [ctx.file.cacheRoot] : [])],
      allowOutside: ctx.allowOutsidePaths,
      realPath: ctx.realPath,
    };
    imagesByContext.set(ctx, im);
  }
  return im;
}

/**
 * An id names one row of its split: the teacher file is joined on it (a GAD build would give two rows one response)
 * and --test-ratio assigns by it. The first row carrying an id claims it (whatever happens to that row later); a
 * later row of the same split with the same id is a `duplicate_id` drop. Across splits an id may recur (verl's
 * extra_info.index counts from 0 in each split), unless the teacher file is joined on the id alone (no split
 * column): then both rows would get one response. Reading the same row again (same split and index) is not a repeat.
 */
function repeatedId(id: string, index: number, ctx: RowContext): Drop | null {
  const first = ctx.ids.claim(id, ctx.split, index);
  if (first === null) return null;
  const idKey = ctx.cols.id;
  if (first.split === ctx.split) {
    if (first.index === index) return null;
    return {
      reason: 'duplicate_id',
      detail: `id '${id}' (id_key ${idKey}) is already the id of row ${first.index} of split '${first.split}'; ids must be unique within a split (a GAD build would give both rows one teacher response)`,
      value: id,
      limit: `${first.split}#${first.index}`,
    };
  }
  const teacher = ctx.teacher;
  if (teacher?.idKey && !teacher.splitKey) {
    return {
      reason: 'duplicate_id',
      detail: `id '${id}' (id_key ${idKey}) is also the id of row ${first.index} of split '${first.split}', and the teacher file ${teacher.file} has no split column to tell their responses apart; add a 'split' field (train / test) to each response (teacher.split_key), then ids need only be unique within a split`,
      value: id,
      limit: `${first.split}#${first.index}`,
    };
  }
  const again = `${ctx.split}\u0000${id}`;
  const seen = ctx.idsAgain.claim(again, ctx.split, index)?.index;
  if (seen === undefined) return null;
  if (seen === index) return null;
  return {
    reason: 'duplicate_id',
    detail: `id '${id}' (id_key ${idKey}) is already the id of row ${seen} of split '${ctx.split}'; ids must be unique within a split (a GAD build would give both rows one teacher response)`,
    value: id,
    limit: `${ctx.split}#${seen}`,
  };
}
