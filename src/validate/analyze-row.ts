/**
 * One parquet row checked and measured as build would: the prompt cell read as ingest reads it, the row rules
 * of rules.ts on the row's view, the images (image-check.ts), the teacher response and the exact token counts,
 * then the measured rules. `analyzeFile` runs it over a file's rows in order.
 */
import type { Drop } from '../core/types.js';
import { countResponse, endsWithImEnd } from '../model/token-counts.js';
import { renderChat, buildMessages } from '../model/chat-template.js';
import { promptText as readPromptCell } from '../ingest/prompt.js';
import { readParquetRows } from '../ingest/parquet.js';
import { asText } from './cell.js';
import type { Ctx } from './context.js';
import { checkImage } from './image-check.js';
import { allDrops, rowRules, teacherPresent, type RowRule, type RowView } from '../rules/row-rules.js';
import type { RowAnalysis, RowProblem } from './validate-types.js';

/** Checks one row and measures it: the row rules of rules.ts on the row's view, in build's order. */
async function analyzeRow(row: Record<string, unknown>, ctx: Ctx, rules: readonly RowRule[]): Promise<RowAnalysis> {
  const problems: RowProblem[] = [];
  const out: RowAnalysis = { problems, hasTeacher: false };
  const fromDrop = (d: Drop): RowProblem => ({
    code: d.reason,
    detail: d.detail,
    value: d.value ?? null,
    limit: d.limit ?? null,
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
    const checked = await checkImage({ image: list[i], index: i, ctx });
    if (checked.problem) {
      imagesOk = false;
      problems.push(checked.problem);
    } else if (checked.tokens !== undefined) imageTokens.push(checked.tokens);
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

/** The row rules of a file's context (the same for every row). */
function rulesOf(ctx: Ctx): RowRule[] {
  return rowRules({
    maxPromptLength: ctx.maxPromptLength ?? Number.POSITIVE_INFINITY,
    maxResponseLength: ctx.maxResponseLength ?? Number.POSITIVE_INFINITY,
    singleImage: true,
    requireImage: !!ctx.requireImage,
    requireTeacher: ctx.hasTeacher,
  });
}

/** Runs `analyzeRow` over a file, `concurrency` rows at a time, results in row order. */
export async function* analyzeFile(
  file: string,
  ctx: Ctx,
  concurrency: number,
): AsyncGenerator<{ row: number; a: RowAnalysis }> {
  const rules = rulesOf(ctx);
  let batch: Array<Record<string, unknown>> = [];
  let n = 0;
  const columns = [
    ...(ctx.hasPromptCol === false ? [] : [ctx.cols.prompt]),
    ctx.cols.images,
    ...(ctx.hasTeacher ? ['teacher_response'] : []),
  ];
  const flush = async function* () {
    const res = await Promise.all(batch.map((r) => analyzeRow(r, ctx, rules)));
    for (const a of res) yield { row: n++, a };
    batch = [];
  };
  for await (const r of readParquetRows(file, { columns })) {
    batch.push(r);
    if (batch.length >= concurrency) yield* flush();
  }
  if (batch.length) yield* flush();
}
