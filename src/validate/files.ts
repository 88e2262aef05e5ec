/**
 * `gad-data validate FILES...`: check parquet files made by others against what verl / EasyR1 read (schema,
 * then every row: analyze-row.ts), with a summary per file and the first offending rows.
 */
import { GadError, describeError, usageError } from '../core/errors.js';
import { readParquetSchema, type ParquetSchemaInfo } from '../ingest/parquet.js';
import { analyzeFile } from './analyze-row.js';
import { columnsFor, makeCtx, type Ctx } from './context.js';
import { fmtNum } from '../report/numbers.js';
import { checkSchema, col } from './file-checks.js';
import { summarize } from '../report/stats.js';
import type { FileSummary, ProblemCode, ValidateOptions, ValidateResult, Violation } from './validate-types.js';

/**
 * `gad-data validate FILES... --target verl|easyr1 [--model M] [--max-prompt-length N]`.
 * Exit code: 0 clean (warnings allowed), 1 violations, 2 a file cannot be read at all.
 */
export async function validateFiles(files: string[], opts: ValidateOptions): Promise<ValidateResult> {
  if (!files.length) throw usageError('no files to validate', 'gad-data validate FILE.parquet... --target verl|easyr1');
  if (opts.target !== 'verl' && opts.target !== 'easyr1')
    throw usageError(`unknown target ${String(opts.target)}`, 'use --target verl or --target easyr1');
  for (const [flag, value] of [
    ['--max-prompt-length', opts.maxPromptLength],
    ['--max-response-length', opts.maxResponseLength],
  ] as const)
    if (value !== undefined && !opts.model)
      throw usageError(
        `${flag} needs --model to count tokens`,
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
