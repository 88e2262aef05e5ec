/**
 * Reads one file's rows for `validate FILES` (analyze-row.ts checks each) into its summary: problems counted and
 * sent to the sink, the first `firstN` offending rows printed, token and teacher-ending counts. A file that breaks
 * while being read is marked unusable.
 */
import { describeError } from '../core/errors.js';
import { summarize } from '../report/stats.js';
import { analyzeFile } from './analyze-row.js';
import type { Ctx } from './context.js';
import type { FileSummary, ProblemCode } from './validate-types.js';
import type { ViolationSink } from './violation-sink.js';
import { promptTokensLine } from './validate-render.js';

export async function readRows(p: {
  file: string;
  ctx: Ctx;
  summary: FileSummary;
  sink: ViolationSink;
  lines: string[];
  firstN: number;
  concurrency: number;
}): Promise<void> {
  const { file, ctx, summary: s, sink, lines } = p;
  const count = (c: ProblemCode) => (s.problems[c] = (s.problems[c] ?? 0) + 1);
  const tokens: Record<'prompt' | 'text' | 'image' | 'response', number[]> = {
    prompt: [],
    text: [],
    image: [],
    response: [],
  };
  const teacher = { total: 0, endingWithImEnd: 0 };
  let shown = 0;
  try {
    for await (const { row, a } of analyzeFile(file, ctx, p.concurrency)) {
      s.rowsChecked++;
      if (a.tokens) {
        tokens.prompt.push(a.tokens.prompt);
        tokens.text.push(a.tokens.text);
        tokens.image.push(a.tokens.image);
      }
      if (typeof a.response === 'number') tokens.response.push(a.response);
      if (a.hasTeacher) {
        teacher.total++;
        if (a.teacherEndsWithImEnd) teacher.endingWithImEnd++;
      }
      if (!a.problems.length) continue;
      s.rowsWithErrors++;
      for (const problem of a.problems) {
        count(problem.code);
        sink.push({ file, row, code: problem.code, severity: 'error', problem: problem.detail });
      }
      if (shown < p.firstN) {
        shown++;
        lines.push(`  row ${row}: ${a.problems.map((q) => `${q.code}: ${q.detail}`).join('; ')}`);
      }
    }
  } catch (e) {
    s.unusable = true;
    count('unreadable');
    const msg = describeError(e);
    sink.push({ file, row: -1, code: 'unreadable', severity: 'error', problem: msg });
    lines.push(`  ✗ unusable: ${msg}`);
  }
  if (s.rowsWithErrors > shown) lines.push(`  … ${s.rowsWithErrors - shown} more offending row(s)`);
  if (ctx.profile && tokens.prompt.length) {
    s.tokens = {
      prompt: summarize(tokens.prompt),
      text: summarize(tokens.text),
      image: summarize(tokens.image),
      response: tokens.response.length ? summarize(tokens.response) : null,
    };
    lines.push(promptTokensLine(s.tokens.prompt, ctx.profile, ctx.pipeline));
  }
  if (ctx.hasTeacher) {
    s.teacher = teacher;
    lines.push(`  teacher responses: ${teacher.total}, ${teacher.endingWithImEnd} end with <|im_end|>`);
  }
}
