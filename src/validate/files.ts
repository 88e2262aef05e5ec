/**
 * `gad-data validate FILES...` and `gad-data report FILES... --model M`: check parquet files made by others
 * against what verl / EasyR1 read, and measure their token lengths.
 */
import { resolve } from 'node:path';
import sharp from 'sharp';
import { GadError, describeError, usageError } from '../core/errors.js';
import type { Drop, DropReason, ResizePipeline, Stats, Target } from '../core/types.js';
import { readParquetRows, readParquetSchema, type ParquetColumn, type ParquetSchemaInfo } from '../ingest/parquet.js';
import { checkPng } from '../format/png-check.js';
import {
  inputImageDrop,
  countResponse,
  endsWithImEnd,
  loadFormatPrompt,
  loadModelProfile,
  PromptCounter,
  probeImage,
  renderChat,
  resizeFor,
  buildMessages,
  type ModelProfile,
} from '../format/index.js';
import { allDrops, rowRules, teacherPresent, type RowView } from './rules.js';
import { promptText as readPromptCell } from '../ingest/index.js';
import { MAX_ASPECT_RATIO, type PipelineBounds } from '../format/resize.js';
import { ReportBuilder, type Report } from './report.js';
import { summarize } from './stats.js';
import { fmtNum } from './html.js';
import { displayPath } from '../core/paths.js';

import { PIPELINES, defaultFormatPromptFor, defaultPipelineFor } from '../core/defaults.js';

export { defaultFormatPromptFor };

export { defaultPipelineFor };

export type ProblemCode = DropReason | 'schema' | 'unreadable';

export interface Violation {
  file: string;
  /** 0-based row number within the file; -1 for a file-level (schema) problem. */
  row: number;
  problem: string;
  code: ProblemCode;
  severity: 'error' | 'warning';
}

export interface ValidateOptions {
  target: Target;
  model?: string;
  maxPromptLength?: number;
  maxResponseLength?: number;
  promptKey?: string;
  imageKey?: string;
  answerKey?: string;
  /** Offending rows printed per file (default 10). */
  firstN?: number;
  /** Resize pipeline for image tokens (default: the target's, see `defaultPipelineFor`). */
  pipeline?: ResizePipeline;
  /** Format prompt applied to an EasyR1 prompt column before counting (default: the build's, `math`). */
  formatPrompt?: string;
  /** Most violations kept in the returned array (all are counted). Default 1000. */
  maxViolations?: number;
  /** Images decoded at once (default 4). */
  concurrency?: number;
  /**
   * How images are checked: `fast` (default) reads headers and checks PNGs to decode fully without building their
   * pixels (png-check.ts); `full` decodes every image; `none` reads headers only.
   */
  decode?: ImageCheck;
  /** A row without an image is a violation (`no_image`); default false: text-only rows are counted without image tokens. */
  requireImage?: boolean;
  /** The trainer's pixel bounds for the pipeline (build's data.min_pixels / max_pixels; PIPELINES says which step they set). */
  minPixels?: number;
  maxPixels?: number;
}

export type ImageCheck = 'fast' | 'full' | 'none';

export interface FileSummary {
  file: string;
  rows: number;
  rowsChecked: number;
  rowsWithErrors: number;
  schemaErrors: number;
  warnings: number;
  unusable: boolean;
  problems: Partial<Record<ProblemCode, number>>;
  tokens?: { prompt: Stats; text: Stats; image: Stats; response: Stats | null };
  teacher?: { total: number; endingWithImEnd: number };
}

export interface ValidateResult {
  exitCode: 0 | 1 | 2;
  summary: {
    target: Target;
    model: string | null;
    pipeline: ResizePipeline;
    maxPromptLength: number | null;
    files: FileSummary[];
    rows: number;
    rowsWithErrors: number;
    problems: Partial<Record<ProblemCode, number>>;
  };
  violations: Violation[];
  text: string;
}

interface Columns {
  prompt: string;
  images: string;
  answer: string;
}

interface RowProblem {
  code: ProblemCode;
  detail: string;
  value?: number | string | null;
  limit?: number | string | null;
}

interface RowAnalysis {
  problems: RowProblem[];
  tokens?: { text: number; image: number; prompt: number };
  response?: number | null;
  teacherEndsWithImEnd?: boolean;
  hasTeacher: boolean;
}

interface Ctx {
  target: Target;
  cols: Columns;
  profile: ModelProfile | null;
  counter: PromptCounter | null;
  pipeline: ResizePipeline;
  maxPromptLength: number | null;
  maxResponseLength: number | null;
  hasTeacher: boolean;
  requireImage?: boolean;
  /** False when the file has no prompt column (the row checks then cover the images only). */
  hasPromptCol?: boolean;
  decode?: ImageCheck;
  /** Pixel bounds of the pipeline's pre-resize step (from minPixels / maxPixels). */
  bounds: Partial<PipelineBounds>;
}

function col(schema: ParquetSchemaInfo, name: string): ParquetColumn | undefined {
  return schema.columns.find((c) => c.name === name);
}

function field(c: ParquetColumn | undefined, name: string): ParquetColumn | undefined {
  return c?.children.find((x) => x.name === name);
}

/** File-level checks: columns, types, nested fields. Returns problems (severity) in reading order. */
export function checkSchema(
  schema: ParquetSchemaInfo,
  target: Target,
  cols: Columns,
): Array<{ severity: 'error' | 'warning'; problem: string }> {
  const out: Array<{ severity: 'error' | 'warning'; problem: string }> = [];
  const err = (problem: string) => out.push({ severity: 'error', problem });
  const warn = (problem: string) => out.push({ severity: 'warning', problem });
  const names = schema.columns.map((c) => `${c.name}: ${c.type}`).join(', ');
  const prompt = col(schema, cols.prompt);
  if (!prompt)
    err(
      `no prompt column \`${cols.prompt}\` (columns: ${names})${target === 'verl' ? '; verl reads data.prompt_key (default `prompt`)' : '; set --prompt-key to EasyR1 data.prompt_key'}`,
    );
  else if (target === 'verl') {
    const el = prompt.kind === 'list' ? prompt.children[0] : undefined;
    if (!el || el.kind !== 'struct' || field(el, 'role')?.type !== 'string' || field(el, 'content')?.type !== 'string')
      err(
        `column \`${cols.prompt}\` is ${prompt.type}; verl needs list<struct<role: string, content: string>> (chat messages)`,
      );
  } else if (prompt.type !== 'string')
    err(`column \`${cols.prompt}\` is ${prompt.type}; EasyR1's prompt_key column must be a string`);

  const images = col(schema, cols.images);
  if (!images) err(`no image column \`${cols.images}\` (columns: ${names})`);
  else {
    const el = images.kind === 'list' ? images.children[0] : undefined;
    const isStruct = el?.kind === 'struct' && field(el, 'bytes')?.type === 'binary';
    const isPathList = el?.type === 'string';
    if (!isStruct) {
      if (target === 'easyr1' && isPathList)
        warn(
          `column \`${cols.images}\` holds path strings: EasyR1 needs data.image_dir to find them, and the paths must exist on the training machine`,
        );
      else
        err(
          `column \`${cols.images}\` is ${images.type}; ${target} needs list<struct<bytes: binary, path: string>> with the image bytes embedded`,
        );
    } else if (field(el, 'path') === undefined)
      warn(
        `column \`${cols.images}\` has no \`path\` field in its struct (HF datasets' Image feature is struct<bytes, path>)`,
      );
  }
  if (target === 'verl') {
    const ds = col(schema, 'data_source');
    if (!ds) err('no `data_source` column: verl picks the reward function by it');
    else if (ds.type !== 'string') err(`column \`data_source\` is ${ds.type}; verl needs a string`);
    const rm = col(schema, 'reward_model');
    const teacher = col(schema, 'teacher_response');
    if (!rm)
      (teacher ? warn : err)(
        `no \`reward_model\` column (struct<style, ground_truth>)${teacher ? ': GAD does not need it, GRPO reward functions do' : ': verl reward functions read reward_model.ground_truth'}`,
      );
    else if (rm.kind !== 'struct' || !field(rm, 'ground_truth'))
      err(`column \`reward_model\` is ${rm.type}; verl needs struct<style: string, ground_truth: string>`);
    if (teacher && teacher.type !== 'string') err(`column \`teacher_response\` is ${teacher.type}; GAD needs a string`);
    const ei = col(schema, 'extra_info');
    if (ei && ei.kind !== 'struct') warn(`column \`extra_info\` is ${ei.type}; verl expects a struct`);
  } else {
    const ans = col(schema, cols.answer);
    if (!ans) err(`no answer column \`${cols.answer}\` (EasyR1 data.answer_key; set --answer-key)`);
    else if (ans.type !== 'string') warn(`column \`${cols.answer}\` is ${ans.type}; EasyR1 compares it as a string`);
  }
  return out;
}

function asText(v: unknown): string | null {
  if (typeof v === 'string') return v;
  if (v instanceof Uint8Array) return new TextDecoder().decode(v);
  return null;
}

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
const isPng = (b: Uint8Array) => b.length >= 8 && PNG_SIGNATURE.every((x, k) => b[k] === x);

async function fullyDecodes(bytes: Uint8Array, how: ImageCheck, format: string): Promise<string | null> {
  if (how === 'none') return null;
  if (how === 'fast') {
    if (format !== 'png') return null;
    const png = checkPng(bytes);
    if (png) return png.ok ? null : png.problem;
  }
  try {
    await sharp(bytes, { failOn: 'truncated', limitInputPixels: false }).raw().toBuffer();
    return null;
  } catch (e) {
    return describeError(e);
  }
}

/** Checks one row and measures it: the row rules of rules.ts on the row's view, in build's order. */
async function analyzeRow(row: Record<string, unknown>, ctx: Ctx): Promise<RowAnalysis> {
  const problems: RowProblem[] = [];
  const out: RowAnalysis = { problems, hasTeacher: false };
  const fromDrop = (d: Drop): RowProblem => ({
    code: d.reason,
    detail: d.detail,
    value: d.value ?? null,
    limit: d.limit ?? null,
  });
  const rules = rowRules({
    maxPromptLength: ctx.maxPromptLength ?? Number.POSITIVE_INFINITY,
    maxResponseLength: ctx.maxResponseLength ?? Number.POSITIVE_INFINITY,
    singleImage: true,
    requireImage: !!ctx.requireImage,
    requireTeacher: ctx.hasTeacher,
  });
  // The prompt cell, read as ingest reads it (a message list: every turn; the user message is the prompt).
  let promptText: string | null = null;
  let messages: Array<{ role: string; content: string }> | null = null;
  const imgs = row[ctx.cols.images];
  const list = Array.isArray(imgs) ? (imgs as unknown[]) : [];
  const view: RowView = { problem: '', images: list.length };
  let readable = ctx.hasPromptCol !== false; // no prompt column: reported once as a schema error; images only
  if (readable) {
    const p = readPromptCell(row[ctx.cols.prompt]);
    if ('error' in p) {
      problems.push({ code: 'bad_row', detail: `\`${ctx.cols.prompt}\`: ${p.error}` });
      readable = false;
    } else {
      view.problem = p.text ?? '';
      if (p.messages) {
        messages = p.messages;
        view.messages = p.messages;
      }
      promptText = messages ? messages.map((m) => m.content).join('\n') : view.problem;
    }
  }
  if (ctx.hasTeacher) view.teacher = asText(row.teacher_response);
  // The row rules that need no image, in order (build checks them before reading the images).
  if (readable) problems.push(...allDrops(rules, view, 'row').map(fromDrop));
  // Images (format's problems: after the row rules, before the measured ones).
  const imageTokens: number[] = [];
  let imagesOk = true;
  for (let i = 0; i < list.length; i++) {
    const im = list[i];
    let bytes: Uint8Array | null = null;
    let path: string | null = null;
    if (im && typeof im === 'object' && !(im instanceof Uint8Array)) {
      const o = im as Record<string, unknown>;
      bytes = o.bytes instanceof Uint8Array ? o.bytes : null;
      path = asText(o.path);
    } else if (im instanceof Uint8Array) bytes = im;
    else path = asText(im);
    if (!bytes || bytes.byteLength === 0) {
      imagesOk = false;
      problems.push({
        code: 'image_undecodable',
        detail: `image ${i} has no embedded bytes${path ? ` (path only: ${path})` : ''}; ${ctx.target === 'verl' ? 'verl calls Image.open(BytesIO(bytes)) and crashes' : 'EasyR1 needs bytes or a path under data.image_dir'}`,
        value: path,
      });
      continue;
    }
    let w = 0;
    let h = 0;
    let format = '';
    // A PNG is checked whole without decoding (png-check.ts), which also gives its size: no second read of it.
    const png = (ctx.decode ?? 'fast') === 'fast' && isPng(bytes) ? checkPng(bytes) : null;
    if (png && !png.ok) {
      imagesOk = false;
      problems.push({
        code: 'image_undecodable',
        detail: `image ${i} fails to decode: ${png.problem}`,
        value: bytes.byteLength,
      });
      continue;
    }
    const verified = png !== null && png.ok && !png.exif;
    try {
      if (verified) [w, h, format] = [png.width, png.height, 'png'];
      else {
        const probe = await probeImage(bytes);
        w = probe.width;
        h = probe.height;
        format = probe.format;
      }
    } catch (e) {
      imagesOk = false;
      problems.push({
        code: 'image_undecodable',
        detail: `image ${i} is not a decodable image (${describeError(e)})`,
        value: bytes.byteLength,
      });
      continue;
    }
    // Format's header rules (a format Pillow cannot open, a decompression bomb), as the build checks them.
    const refused = inputImageDrop({ format, width: w, height: h });
    if (refused) {
      imagesOk = false;
      problems.push({
        code: refused.reason,
        detail: `image ${i}: ${refused.detail}`,
        value: refused.value ?? null,
        limit: refused.limit ?? null,
      });
      continue;
    }
    const bad = verified ? null : await fullyDecodes(bytes, ctx.decode ?? 'fast', format);
    if (bad) {
      imagesOk = false;
      problems.push({
        code: 'image_undecodable',
        detail: `image ${i} (${w}x${h}) fails to decode: ${bad}`,
        value: bytes.byteLength,
      });
      continue;
    }
    if (ctx.profile) {
      const r = resizeFor(w, h, ctx.pipeline, ctx.profile.geometry, ctx.bounds);
      if (!r.ok) {
        imagesOk = false;
        problems.push({
          code: r.reason,
          detail: `image ${i} (${w}x${h}): the ${ctx.pipeline} pipeline raises ${r.error}`,
          value: r.value,
          limit: r.limit,
        });
      } else imageTokens.push(r.tokens);
    } else {
      const ratio = Math.max(w, h) / Math.min(w, h);
      if (ratio > MAX_ASPECT_RATIO) {
        imagesOk = false;
        problems.push({
          code: 'aspect_ratio',
          detail: `image ${i} is ${w}x${h}: aspect ratio ${ratio.toFixed(1)} > ${MAX_ASPECT_RATIO} (the processor raises)`,
          value: ratio,
          limit: MAX_ASPECT_RATIO,
        });
      }
    }
  }
  // Teacher: measured when present (no_teacher_response is a row rule above).
  if (ctx.hasTeacher && view.teacher && !teacherPresent.check(view)) {
    out.hasTeacher = true;
    out.teacherEndsWithImEnd = endsWithImEnd(view.teacher);
    if (ctx.profile) {
      out.response = countResponse(ctx.profile, view.teacher);
      view.responseTokens = out.response;
    }
  }
  // Tokens.
  if (ctx.profile && ctx.counter && promptText !== null && imagesOk && imageTokens.length === list.length) {
    let textIds: number;
    let pads: number;
    if (ctx.target === 'verl' && messages) {
      // verl: every message's content split on <image> into image/text items, then the chat template.
      const msgs = messages.map((m) => ({ role: m.role, content: buildMessages(m.content)[0]!.content }));
      const ids = ctx.counter.encode(renderChat(ctx.profile, msgs));
      textIds = ids.length;
      pads = ids.filter((x) => x === ctx.profile!.specialTokens.imagePad).length;
    } else {
      const c = ctx.counter.count(promptText, imageTokens);
      textIds = c.renderedTokens;
      pads = c.nImagesInText;
    }
    const image = imageTokens.reduce((a, b) => a + b, 0);
    if (pads === imageTokens.length) {
      const text = textIds - pads;
      out.tokens = { text, image, prompt: text + image };
      view.tokens = { prompt: out.tokens.prompt, image };
    }
  }
  // The measured rules (prompt_too_long, response_too_long), in build's order.
  if (readable) problems.push(...allDrops(rules, view, 'measured').map(fromDrop));
  return out;
}

async function makeCtx(
  target: Target,
  opts: {
    model?: string;
    pipeline?: ResizePipeline;
    formatPrompt?: string;
    maxPromptLength?: number | null;
    maxResponseLength?: number | null;
    minPixels?: number;
    maxPixels?: number;
  },
): Promise<Omit<Ctx, 'cols' | 'hasTeacher'>> {
  const pipeline = opts.pipeline ?? defaultPipelineFor(target);
  // min/max pixels set the pipeline's pre-resize bounds, or the processor's own (PIPELINES, as build does).
  const keys = PIPELINES[pipeline].bounds;
  const bounds: Partial<PipelineBounds> = {};
  if (keys && opts.minPixels !== undefined) bounds[keys.minKey] = opts.minPixels;
  if (keys && opts.maxPixels !== undefined) bounds[keys.maxKey] = opts.maxPixels;
  const profile = opts.model
    ? await loadModelProfile(opts.model, keys ? {} : { minPixels: opts.minPixels, maxPixels: opts.maxPixels })
    : null;
  const counter = profile
    ? new PromptCounter(
        profile,
        await loadFormatPrompt(target === 'verl' ? 'none' : (opts.formatPrompt ?? defaultFormatPromptFor(target))),
      )
    : null;
  return {
    target,
    profile,
    counter,
    pipeline,
    bounds,
    maxPromptLength: opts.maxPromptLength ?? null,
    maxResponseLength: opts.maxResponseLength ?? null,
  };
}

function columnsFor(target: Target, opts: { promptKey?: string; imageKey?: string; answerKey?: string }): Columns {
  return {
    prompt: opts.promptKey ?? (target === 'verl' ? 'prompt' : 'problem'),
    images: opts.imageKey ?? 'images',
    answer: opts.answerKey ?? 'answer',
  };
}

/** Runs `analyzeRow` over a file, `concurrency` rows at a time, results in row order. */
async function* analyzeFile(
  file: string,
  ctx: Ctx,
  concurrency: number,
): AsyncGenerator<{ row: number; a: RowAnalysis }> {
  let batch: Array<Record<string, unknown>> = [];
  let n = 0;
  const columns = [
    ...(ctx.hasPromptCol === false ? [] : [ctx.cols.prompt]),
    ctx.cols.images,
    ...(ctx.hasTeacher ? ['teacher_response'] : []),
  ];
  const flush = async function* () {
    const res = await Promise.all(batch.map((r) => analyzeRow(r, ctx)));
    for (const a of res) yield { row: n++, a };
    batch = [];
  };
  for await (const r of readParquetRows(file, { columns })) {
    batch.push(r);
    if (batch.length >= concurrency) yield* flush();
  }
  if (batch.length) yield* flush();
}

/**
 * `gad-data validate FILES... --target verl|easyr1 [--model M] [--max-prompt-length N]`.
 * Exit code: 0 clean (warnings allowed), 1 violations, 2 a file cannot be read at all.
 */
export async function validateFiles(files: string[], opts: ValidateOptions): Promise<ValidateResult> {
  if (!files.length) throw usageError('no files to validate', 'gad-data validate FILE.parquet... --target verl|easyr1');
  if (opts.target !== 'verl' && opts.target !== 'easyr1')
    throw usageError(`unknown target ${String(opts.target)}`, 'use --target verl or --target easyr1');
  if (opts.maxPromptLength !== undefined && !opts.model)
    throw usageError(
      '--max-prompt-length needs --model to count tokens',
      'add --model qwen2.5-vl, --model qwen3-vl or a model folder',
    );
  if ((opts.minPixels !== undefined || opts.maxPixels !== undefined) && !opts.model)
    throw usageError(
      '--min-pixels / --max-pixels need --model to resize and count',
      'add --model qwen2.5-vl, --model qwen3-vl or a model folder',
    );
  const firstN = opts.firstN ?? 10;
  const maxViolations = opts.maxViolations ?? 1000;
  const base = await makeCtx(opts.target, {
    ...opts,
    maxPromptLength: opts.maxPromptLength ?? null,
    maxResponseLength: opts.maxResponseLength ?? null,
  });
  const cols = columnsFor(opts.target, opts);
  const violations: Violation[] = [];
  const summaries: FileSummary[] = [];
  const lines: string[] = [];
  const totals: Partial<Record<ProblemCode, number>> = {};
  let exitCode: 0 | 1 | 2 = 0;
  const push = (v: Violation) => {
    totals[v.code] = (totals[v.code] ?? 0) + 1;
    if (violations.length < maxViolations) violations.push(v);
  };

  for (const file of files) {
    const s: FileSummary = {
      file,
      rows: 0,
      rowsChecked: 0,
      rowsWithErrors: 0,
      schemaErrors: 0,
      warnings: 0,
      unusable: false,
      problems: {},
    };
    summaries.push(s);
    const count = (c: ProblemCode) => (s.problems[c] = (s.problems[c] ?? 0) + 1);
    let schema: ParquetSchemaInfo;
    try {
      schema = await readParquetSchema(file);
    } catch (e) {
      s.unusable = true;
      exitCode = 2;
      count('unreadable');
      const msg = e instanceof GadError ? e.message : describeError(e);
      push({ file, row: -1, code: 'unreadable', severity: 'error', problem: msg });
      lines.push(`✗ ${file}: unusable: ${msg}`);
      continue;
    }
    s.rows = schema.rows;
    lines.push(`${file}: ${schema.rows} row(s), target ${opts.target}`);
    const schemaProblems = checkSchema(schema, opts.target, cols);
    for (const p of schemaProblems) {
      if (p.severity === 'error') s.schemaErrors++;
      else s.warnings++;
      count('schema');
      push({ file, row: -1, code: 'schema', severity: p.severity, problem: p.problem });
      lines.push(`  ${p.severity === 'error' ? 'schema error' : 'warning'}: ${p.problem}`);
    }
    const hasPrompt = !!col(schema, cols.prompt);
    const hasImages = !!col(schema, cols.images);
    if (hasImages) {
      const ctx: Ctx = {
        ...base,
        cols,
        hasTeacher: col(schema, 'teacher_response')?.type === 'string',
        hasPromptCol: hasPrompt,
        decode: opts.decode ?? 'fast',
        requireImage: opts.requireImage ?? false,
      };
      const prompt: number[] = [];
      const text: number[] = [];
      const image: number[] = [];
      const response: number[] = [];
      let teacherTotal = 0;
      let teacherImEnd = 0;
      let shown = 0;
      try {
        for await (const { row, a } of analyzeFile(file, ctx, opts.concurrency ?? 4)) {
          s.rowsChecked++;
          if (a.tokens) {
            prompt.push(a.tokens.prompt);
            text.push(a.tokens.text);
            image.push(a.tokens.image);
          }
          if (typeof a.response === 'number') response.push(a.response);
          if (a.hasTeacher) {
            teacherTotal++;
            if (a.teacherEndsWithImEnd) teacherImEnd++;
          }
          if (a.problems.length) {
            s.rowsWithErrors++;
            for (const p of a.problems) {
              count(p.code);
              push({ file, row, code: p.code, severity: 'error', problem: p.detail });
            }
            if (shown < firstN) {
              shown++;
              lines.push(`  row ${row}: ${a.problems.map((p) => `${p.code}: ${p.detail}`).join('; ')}`);
            }
          }
        }
      } catch (e) {
        s.unusable = true;
        exitCode = 2;
        count('unreadable');
        const msg = describeError(e);
        push({ file, row: -1, code: 'unreadable', severity: 'error', problem: msg });
        lines.push(`  ✗ unusable: ${msg}`);
      }
      if (s.rowsWithErrors > shown) lines.push(`  … ${s.rowsWithErrors - shown} more offending row(s)`);
      if (base.profile && prompt.length) {
        s.tokens = {
          prompt: summarize(prompt),
          text: summarize(text),
          image: summarize(image),
          response: response.length ? summarize(response) : null,
        };
        const t = s.tokens.prompt;
        lines.push(
          `  prompt tokens (${base.profile.name}, ${base.pipeline}): min ${fmtNum(t.min)} · p50 ${fmtNum(t.p50)} · p99 ${fmtNum(t.p99)} · max ${fmtNum(t.max)} over ${fmtNum(t.count)} row(s)`,
        );
      }
      if (ctx.hasTeacher) {
        s.teacher = { total: teacherTotal, endingWithImEnd: teacherImEnd };
        lines.push(`  teacher responses: ${teacherTotal}, ${teacherImEnd} end with <|im_end|>`);
      }
    }
    const errors =
      s.schemaErrors +
      Object.entries(s.problems)
        .filter(([k]) => k !== 'schema')
        .reduce((a, [, n]) => a + (n ?? 0), 0);
    if (!s.unusable && errors > 0 && exitCode === 0) exitCode = 1;
    const byCode = Object.entries(s.problems)
      .filter(([k]) => k !== 'schema')
      .map(([k, n]) => `${k} ${n}`)
      .join(', ');
    if (!s.unusable)
      lines.push(
        errors === 0
          ? `  ✓ clean: ${s.rowsChecked} row(s) checked${s.warnings ? `, ${s.warnings} warning(s)` : ''}`
          : `  ✗ ${s.schemaErrors ? `${s.schemaErrors} schema error(s)` : ''}${s.schemaErrors && s.rowsWithErrors ? ', ' : ''}${s.rowsWithErrors ? `${s.rowsWithErrors} of ${s.rowsChecked} row(s) with problems (${byCode})` : ''}`,
      );
  }
  const rows = summaries.reduce((a, s) => a + s.rowsChecked, 0);
  const rowsWithErrors = summaries.reduce((a, s) => a + s.rowsWithErrors, 0);
  lines.push(
    exitCode === 0
      ? `OK: ${files.length} file(s), ${rows} row(s), no violations`
      : exitCode === 1
        ? `FAILED: ${rowsWithErrors} row(s) with problems and ${summaries.reduce((a, s) => a + s.schemaErrors, 0)} schema error(s) in ${files.length} file(s) (exit 1)`
        : `UNUSABLE: ${summaries.filter((s) => s.unusable).length} file(s) could not be read (exit 2)`,
  );
  return {
    exitCode,
    summary: {
      target: opts.target,
      model: base.profile?.name ?? null,
      pipeline: base.pipeline,
      maxPromptLength: opts.maxPromptLength ?? null,
      files: summaries,
      rows,
      rowsWithErrors,
      problems: totals,
    },
    violations,
    text: lines.join('\n'),
  };
}

/**
 * `gad-data report FILES... --model M`: token lengths of parquet files made elsewhere. The target is taken
 * from the prompt column's type when not given (a list of messages: verl; a string: EasyR1). Rows with
 * problems are counted as drops by reason; the others give the length statistics.
 */
export async function reportFromFiles(
  files: string[],
  opts: {
    model: string;
    target?: Target;
    formatPrompt?: string;
    pipeline?: ResizePipeline;
    promptKey?: string;
    imageKey?: string;
    maxPromptLength?: number;
    maxResponseLength?: number;
    minPixels?: number;
    maxPixels?: number;
    keep?: number;
    multiple?: number;
    concurrency?: number;
  },
): Promise<Report> {
  if (!files.length) throw usageError('no files to report on', 'gad-data report OUT_DIR | FILE.parquet... --model M');
  if (!opts.model)
    throw usageError(
      'report on parquet files needs --model to count tokens',
      'add --model qwen2.5-vl, --model qwen3-vl or a model folder',
    );
  const b = new ReportBuilder();
  let target: Target | undefined = opts.target;
  let ctxBase: Omit<Ctx, 'cols' | 'hasTeacher'> | null = null;
  let anyTeacher = false;
  for (const file of files) {
    const schema = await readParquetSchema(file);
    let t = target;
    if (!t) {
      const pc = col(schema, opts.promptKey ?? 'prompt');
      t = pc && pc.kind === 'list' ? 'verl' : 'easyr1';
    }
    target ??= t;
    const cols = columnsFor(t, opts);
    if (!col(schema, cols.prompt) || !col(schema, cols.images))
      throw new GadError(
        `${file}: no \`${cols.prompt}\` or \`${cols.images}\` column (columns: ${schema.columns.map((c) => c.name).join(', ')})`,
        {
          hint: 'pass --prompt-key / --image-key, or run `gad-data validate` on the file',
          exitCode: 2,
        },
      );
    if (!ctxBase || ctxBase.target !== t)
      ctxBase = await makeCtx(t, {
        ...opts,
        maxPromptLength: opts.maxPromptLength ?? null,
        maxResponseLength: opts.maxResponseLength ?? null,
      });
    // The report needs sizes, not pixels: headers only.
    const ctx: Ctx = {
      ...ctxBase,
      cols,
      hasTeacher: col(schema, 'teacher_response')?.type === 'string',
      decode: 'none',
    };
    anyTeacher ||= ctx.hasTeacher;
    const split = files.length > 1 ? (file.split(/[\\/]/).pop() ?? file).replace(/\.parquet$/, '') : 'file';
    const splitName = /(^|[-_.])(test|val|validation)([-_.]|$)/i.test(split)
      ? 'test'
      : /(^|[-_.])train([-_.]|$)/i.test(split)
        ? 'train'
        : split;
    for await (const { a } of analyzeFile(file, ctx, opts.concurrency ?? 4)) {
      const p = a.problems[0];
      if (p) {
        const reason: DropReason = p.code === 'schema' || p.code === 'unreadable' ? 'bad_row' : p.code;
        b.addDrop({
          split: splitName,
          reason,
          value: typeof p.value === 'number' || typeof p.value === 'string' ? p.value : null,
          limit: typeof p.limit === 'number' || typeof p.limit === 'string' ? p.limit : null,
          ...(a.tokens
            ? {
                prompt_tokens: a.tokens.prompt,
                text_tokens: a.tokens.text,
                image_tokens: a.tokens.image,
                response_tokens: a.response ?? null,
              }
            : {}),
        });
      } else if (a.tokens) {
        b.add({
          split: splitName,
          prompt_tokens: a.tokens.prompt,
          text_tokens: a.tokens.text,
          image_tokens: a.tokens.image,
          response_tokens: a.response ?? null,
        });
      } else {
        b.addDrop({ split: splitName, reason: 'bad_row' });
      }
    }
  }
  const prof = ctxBase?.profile;
  return b.build({
    title: `gad-data report: ${files.length === 1 ? (files[0]!.split(/[\\/]/).pop() ?? files[0]) : `${files.length} files`}`,
    input: { kind: 'files', files: files.map((f) => displayPath(resolve(f))) },
    target: target ?? null,
    kind: anyTeacher ? 'gad' : 'grpo',
    model: prof
      ? {
          name: prof.name,
          family: prof.family,
          factor: prof.geometry.factor,
          minPixels: prof.geometry.minPixels,
          maxPixels: prof.geometry.maxPixels,
        }
      : null,
    pipeline: ctxBase ? { name: ctxBase.pipeline } : null,
    maxPromptLength: opts.maxPromptLength ?? null,
    maxResponseLength: opts.maxResponseLength ?? null,
    keep: opts.keep,
    multiple: opts.multiple,
    splitOrder: ['train', 'test'],
  });
}
