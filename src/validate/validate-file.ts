/**
 * One file of `validate FILES`: its parquet schema read and checked (file-checks.ts), then its rows (read-rows.ts)
 * when it has an image column, and its verdict line. A file that cannot be read is unusable (exit 2).
 */
import { GadError, describeError } from '../core/errors.js';
import { readParquetSchema, type ParquetSchemaInfo } from '../ingest/parquet.js';
import type { Columns, Ctx } from './context.js';
import { checkSchema, col } from './file-checks.js';
import { readRows } from './read-rows.js';
import type { FileSummary, ValidateOptions } from './validate-types.js';
import { fileErrors, fileVerdictLine } from './validate-render.js';
import type { ViolationSink } from './violation-sink.js';

export interface FileValidated {
  summary: FileSummary;
  /** The file's lines of the printed text. */
  lines: string[];
  /** 2 unusable, 1 with errors, 0 clean (warnings allowed). */
  exitCode: 0 | 1 | 2;
}

export async function validateFile(p: {
  file: string;
  opts: ValidateOptions;
  base: Omit<Ctx, 'cols' | 'hasTeacher'>;
  cols: Columns;
  sink: ViolationSink;
}): Promise<FileValidated> {
  const { file, opts, cols, sink } = p;
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
  const lines: string[] = [];
  let schema: ParquetSchemaInfo;
  try {
    schema = await readParquetSchema(file);
  } catch (e) {
    s.unusable = true;
    s.problems.unreadable = 1;
    const msg = e instanceof GadError ? e.message : describeError(e);
    sink.push({ file, row: -1, code: 'unreadable', severity: 'error', problem: msg });
    return { summary: s, lines: [`✗ ${file}: unusable: ${msg}`], exitCode: 2 };
  }
  s.rows = schema.rows;
  lines.push(`${file}: ${schema.rows} row(s), target ${opts.target}`);
  for (const problem of checkSchema(schema, opts.target, cols)) {
    if (problem.severity === 'error') s.schemaErrors++;
    else s.warnings++;
    s.problems.schema = (s.problems.schema ?? 0) + 1;
    sink.push({ file, row: -1, code: 'schema', severity: problem.severity, problem: problem.problem });
    lines.push(`  ${problem.severity === 'error' ? 'schema error' : 'warning'}: ${problem.problem}`);
  }
  if (col(schema, cols.images)) {
    const ctx: Ctx = {
      ...p.base,
      cols,
      hasTeacher: col(schema, 'teacher_response')?.type === 'string',
      hasPromptCol: !!col(schema, cols.prompt),
      decode: opts.decode ?? 'fast',
      requireImage: opts.requireImage ?? false,
    };
    const rows = { firstN: opts.firstN ?? 10, concurrency: opts.concurrency ?? 4 };
    await readRows({ file, ctx, summary: s, sink, lines, ...rows });
  }
  if (s.unusable) return { summary: s, lines, exitCode: 2 };
  lines.push(fileVerdictLine(s));
  return { summary: s, lines, exitCode: fileErrors(s).errors > 0 ? 1 : 0 };
}
