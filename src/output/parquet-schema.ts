/**
 * The row schemas the trainers read (see the trainer contract, §1–2), as Arrow types for the writer,
 * as HF `datasets` features for the parquet footer, and as plain rows.
 *
 * Choices, checked against what HF `datasets` writes and reads back with pyarrow:
 * - Column order and struct field order are those of the Python dicts in verl's geo3k preprocessing
 *   (`Dataset.from_dict(...).to_parquet()` keeps dict insertion order): `prompt` items are
 *   `{role, content}`, `reward_model` is `{style, ground_truth}`, `extra_info` is
 *   `{split, index, answer, question}`. (Files written through pandas, like ROLL's deepeyes, sort the
 *   struct fields alphabetically; the trainers read fields by name, so both load.)
 * - Lists are stored with the element field named `element`, which is what pyarrow reads back from
 *   files written by `datasets` itself; `datasets` compares the stored type with its feature type and
 *   trusts the footer metadata only when they are equal.
 * - Lists are described in the footer in the plain-list form (`[{"_type": "Image"}]`), which every
 *   `datasets` version reads (2.x/3.x as a Python list feature, 4.x/5.x as `List`); the newer
 *   `{"_type": "List"}` form is unknown to `datasets` < 4 and the `Sequence` form turns a list of
 *   structs into a struct of lists there.
 */
import type { PassthroughColumn, Sample, Target } from '../core/types.js';
import { GadError } from '../core/errors.js';
import {
  type DataType,
  type Feature,
  type Field,
  arrowTypeOf,
  coerceCell,
  f,
  featureOf,
  imageStruct,
  int64,
  list,
  passthroughFeature,
  str,
  struct,
  unsupportedType,
} from './arrow-types.js';

export interface SchemaOptions {
  target: Target;
  kind: 'gad' | 'grpo';
  /** verl: the messages column (`prompt`); easyr1: the problem text column (e.g. `problem`). */
  promptKey: string;
  /** easyr1: the answer column (`answer`); verl keeps the answer in `reward_model.ground_truth` and `extra_info.answer`. */
  answerKey: string;
  imageKey: string;
  /** verl `ability` when the sample has no `extra.ability` (geo3k: `math`). */
  ability?: string;
  /**
   * easyr1 only: what goes in the prompt column. `problem` (default): the raw problem, since EasyR1
   * renders its own `format_prompt` at load time; `formatted`: the already formatted text.
   */
  easyr1Prompt?: 'problem' | 'formatted';
  /**
   * verl only: input columns written unchanged (their Arrow type and HF feature kept). `reward_model` and
   * `extra_info` among them replace the built ones; see `planPassthrough` for the columns that cannot be kept.
   */
  passthrough?: PassthroughColumn[];
}

/** verl's default `data.image_key`: the image column of a verl build, whatever the input column was called. */
export const VERL_IMAGE_COLUMN = 'images';

/** Name of the GAD teacher column (fixed by the GAD verl fork). */
export const TEACHER_COLUMN = 'teacher_response';

interface ColumnSpec {
  name: string;
  type: DataType;
  feature: Feature;
}

/**
 * Which pass-through columns a verl build writes: not the columns it writes itself (`data_source`, the prompt,
 * `images`, `ability`, GAD's `teacher_response`), not types it cannot write. `reward_model` and `extra_info`
 * are kept (they replace the built ones). `left` says why each other column is left out, for a warning.
 */
export function planPassthrough(
  cols: readonly PassthroughColumn[],
  opts: Pick<SchemaOptions, 'kind' | 'promptKey'>,
): { keep: PassthroughColumn[]; left: Array<{ name: string; why: string }> } {
  const own = new Set([
    'data_source',
    opts.promptKey,
    VERL_IMAGE_COLUMN,
    'ability',
    ...(opts.kind === 'gad' ? [TEACHER_COLUMN] : []),
  ]);
  const keep: PassthroughColumn[] = [];
  const left: Array<{ name: string; why: string }> = [];
  for (const c of cols) {
    if (own.has(c.name)) {
      if (c.name !== 'ability') left.push({ name: c.name, why: `the verl output writes its own '${c.name}' column` });
      continue;
    }
    const bad = unsupportedType(c.column);
    if (bad) left.push({ name: c.name, why: `its ${bad} cannot be written` });
    else if ((c.name === 'reward_model' || c.name === 'extra_info') && c.column.kind !== 'struct')
      left.push({ name: c.name, why: `it is ${c.column.type}, verl needs a struct` });
    else keep.push(c);
  }
  return { keep, left };
}

function checkKeys(opts: SchemaOptions): void {
  const keys =
    opts.target === 'verl' ? [opts.promptKey, VERL_IMAGE_COLUMN] : [opts.promptKey, opts.answerKey, opts.imageKey];
  const fixed = opts.target === 'verl' ? ['data_source', 'ability', 'reward_model', 'extra_info'] : [];
  if (opts.kind === 'gad') fixed.push(TEACHER_COLUMN);
  const all = [...keys, ...fixed];
  const dup = all.find((k, i) => all.indexOf(k) !== i);
  if (dup !== undefined || keys.some((k) => !k)) {
    throw new GadError(`export: column names collide or are empty (${all.join(', ')})`, {
      hint: 'choose distinct prompt/answer/image keys that do not reuse a fixed column name',
    });
  }
}

/** The columns of a row, in the order they are written. */
export function columnSpecs(opts: SchemaOptions): ColumnSpec[] {
  checkKeys(opts);
  if (opts.target === 'verl') {
    const pass = new Map((opts.passthrough ?? []).map((p) => [p.name, p]));
    const slot = (name: string, type: DataType): ColumnSpec => {
      const p = pass.get(name);
      pass.delete(name);
      return p
        ? { name, type: arrowTypeOf(p.column), feature: passthroughFeature(p) }
        : { name, type, feature: featureOf(type) };
    };
    const out: ColumnSpec[] = [
      slot('data_source', str()),
      {
        name: opts.promptKey,
        type: list(struct([f('role', str()), f('content', str())])),
        feature: featureOf(list(struct([f('role', str()), f('content', str())]))),
      },
      { name: VERL_IMAGE_COLUMN, type: list(imageStruct()), feature: featureOf(list(imageStruct()), true) },
      slot('ability', str()),
      slot('reward_model', struct([f('style', str()), f('ground_truth', str())])),
      slot('extra_info', struct([f('split', str()), f('index', int64()), f('answer', str()), f('question', str())])),
    ];
    for (const p of pass.values())
      out.push({ name: p.name, type: arrowTypeOf(p.column), feature: passthroughFeature(p) });
    if (opts.kind === 'gad') out.push({ name: TEACHER_COLUMN, type: str(), feature: featureOf(str()) });
    return out;
  }
  const cols: Array<[string, DataType, boolean?]> = [
    [opts.promptKey, str()],
    [opts.answerKey, str()],
    [opts.imageKey, list(imageStruct()), true],
  ];
  if (opts.kind === 'gad') cols.push([TEACHER_COLUMN, str()]);
  return cols.map(([name, type, img]) => ({ name, type, feature: featureOf(type, img === true) }));
}

/** The fields of the written table, in order (the `huggingface` features go in the footer's key-value metadata). */
export function writtenFields(opts: SchemaOptions): Field[] {
  return columnSpecs(opts).map((c) => f(c.name, c.type));
}

/** The `huggingface` footer metadata: `{"info": {"features": {...}}}`, columns in written order. */
export function hfFeatures(opts: SchemaOptions): object {
  const features: Record<string, unknown> = {};
  for (const c of columnSpecs(opts)) features[c.name] = c.feature;
  return { info: { features } };
}

/**
 * The row as the trainer will see it (column name → value; `extra_info.index` is a bigint as stored
 * in int64). Needs `sample.formatted` (format stage) and, for GAD, `formatted.teacherResponse`.
 */
export function rowFor(sample: Sample, opts: SchemaOptions): Record<string, unknown> {
  checkKeys(opts);
  const fm = sample.formatted;
  if (!fm)
    throw new GadError(`export: row ${sample.id} (${sample.split} #${sample.index}) was not formatted`, {
      exitCode: 1,
    });
  if (sample.drop)
    throw new GadError(`export: row ${sample.id} is dropped (${sample.drop.reason}) and must not be written`, {
      exitCode: 1,
    });
  const images = fm.images.map((im) => ({ bytes: im.bytes, path: im.path }));
  const row: Record<string, unknown> = {};
  if (opts.target === 'verl') {
    const ability = typeof sample.extra.ability === 'string' ? sample.extra.ability : (opts.ability ?? 'math');
    row.data_source = sample.dataSource;
    // A message-list prompt keeps every turn (system included), as verl renders it.
    row[opts.promptKey] = fm.messages
      ? fm.messages.map((m) => ({ role: m.role, content: m.content }))
      : [{ role: 'user', content: fm.formatted }];
    row[VERL_IMAGE_COLUMN] = images;
    row.ability = ability;
    row.reward_model = { style: 'rule', ground_truth: sample.answer };
    // extra_info.question: the problem as the input held it (geo3k.py stores the raw problem there).
    row.extra_info = {
      split: sample.split,
      index: BigInt(sample.index),
      answer: sample.answer,
      question: sample.rawProblem ?? sample.problem,
    };
    for (const p of opts.passthrough ?? []) {
      if (p.name === 'data_source' || p.name === 'ability') continue;
      row[p.name] = coerceCell(sample.passthrough?.[p.name], p.column);
    }
  } else {
    row[opts.promptKey] = (opts.easyr1Prompt ?? 'problem') === 'formatted' ? fm.formatted : sample.problem;
    row[opts.answerKey] = sample.answer;
    row[opts.imageKey] = images;
  }
  if (opts.kind === 'gad') {
    const t = fm.teacherResponse ?? null;
    if (t === null) {
      throw new GadError(`export: GAD row ${sample.id} (${sample.split} #${sample.index}) has no teacher response`, {
        exitCode: 1,
        hint: 'validate should drop it with reason no_teacher_response',
      });
    }
    row[TEACHER_COLUMN] = t;
  }
  return row;
}

/** Rough in-memory size of a row (bytes), used to cut shards like HF's `max_shard_size`. */
export function rowBytes(row: Record<string, unknown>): number {
  let n = 0;
  const walk = (v: unknown): void => {
    if (v === null || v === undefined) n += 1;
    else if (typeof v === 'string') n += Buffer.byteLength(v) + 4;
    else if (v instanceof Uint8Array) n += v.byteLength + 4;
    else if (typeof v === 'bigint' || typeof v === 'number') n += 8;
    else if (Array.isArray(v)) {
      n += 4;
      for (const x of v) walk(x);
    } else if (typeof v === 'object') for (const x of Object.values(v as object)) walk(x);
  };
  walk(row);
  return n;
}
