/**
 * `gad-data validate FILES...`: check parquet files made by others against what verl / EasyR1 read (schema,
 * then every row: analyze-row.ts), with a summary per file and the first offending rows. The pieces: the usage
 * checks (options-check.ts), one file read and checked (validate-file.ts, its rows: read-rows.ts), the text
 * (validate-render.ts).
 */
import { columnsFor, makeCtx } from './context.js';
import { checkValidateOptions } from './options-check.js';
import { validateFile } from './validate-file.js';
import { totalsLine } from './validate-render.js';
import type { FileSummary, ValidateOptions, ValidateResult } from './validate-types.js';
import { violationSink } from './violation-sink.js';

/**
 * `gad-data validate FILES... --target verl|easyr1 [--model M] [--max-prompt-length N]`.
 * Exit code: 0 clean (warnings allowed), 1 violations, 2 a file cannot be read at all.
 */
export async function validateFiles(files: string[], opts: ValidateOptions): Promise<ValidateResult> {
  checkValidateOptions(files, opts);
  const base = await makeCtx(opts.target, {
    ...opts,
    maxPromptLength: opts.maxPromptLength ?? null,
    maxResponseLength: opts.maxResponseLength ?? null,
  });
  const cols = columnsFor(opts.target, opts);
  const sink = violationSink(opts.maxViolations ?? 1000);
  const summaries: FileSummary[] = [];
  const lines: string[] = [];
  let exitCode: 0 | 1 | 2 = 0;
  for (const file of files) {
    const done = await validateFile({ file, opts, base, cols, sink });
    summaries.push(done.summary);
    lines.push(...done.lines);
    if (done.exitCode > exitCode) exitCode = done.exitCode;
  }
  lines.push(totalsLine(summaries, exitCode));
  return {
    exitCode,
    summary: {
      target: opts.target,
      model: base.profile?.name ?? null,
      pipeline: base.pipeline,
      maxPromptLength: opts.maxPromptLength ?? null,
      files: summaries,
      rows: summaries.reduce((a, s) => a + s.rowsChecked, 0),
      rowsWithErrors: summaries.reduce((a, s) => a + s.rowsWithErrors, 0),
      problems: sink.totals,
    },
    violations: sink.violations,
    text: lines.join('\n'),
  };
}
