/** The text `validate FILES` prints: a file's token line and verdict, and the closing line over all files. */
import type { ModelProfile } from '../model/model-profile.js';
import type { ResizePipeline, Stats } from '../core/types.js';
import { fmtNum } from '../report/numbers.js';
import type { FileSummary } from './validate-types.js';

/** The prompt-token line of a file checked with a model. */
export function promptTokensLine(t: Stats, profile: ModelProfile, pipeline: ResizePipeline): string {
  return `  prompt tokens (${profile.name}, ${pipeline}): min ${fmtNum(t.min)} · p50 ${fmtNum(t.p50)} · p99 ${fmtNum(t.p99)} · max ${fmtNum(t.max)} over ${fmtNum(t.count)} row(s)`;
}

/** Problems of a file other than schema ones, by code (`code n, ...`), and all its errors (schema ones included). */
export function fileErrors(s: FileSummary): { errors: number; byCode: string } {
  const rowProblems = Object.entries(s.problems).filter(([k]) => k !== 'schema');
  const errors = s.schemaErrors + rowProblems.reduce((a, [, n]) => a + (n ?? 0), 0);
  const byCode = rowProblems.map(([k, n]) => `${k} ${n}`).join(', ');
  return { errors, byCode };
}

/** A readable file's last line: clean, or its schema errors and offending rows. */
export function fileVerdictLine(s: FileSummary): string {
  const { errors, byCode } = fileErrors(s);
  return errors === 0
    ? `  ✓ clean: ${s.rowsChecked} row(s) checked${s.warnings ? `, ${s.warnings} warning(s)` : ''}`
    : `  ✗ ${s.schemaErrors ? `${s.schemaErrors} schema error(s)` : ''}${s.schemaErrors && s.rowsWithErrors ? ', ' : ''}${s.rowsWithErrors ? `${s.rowsWithErrors} of ${s.rowsChecked} row(s) with problems (${byCode})` : ''}`;
}

/** The closing line over all files, by the exit code. */
export function totalsLine(summaries: FileSummary[], exitCode: 0 | 1 | 2): string {
  const rows = summaries.reduce((a, s) => a + s.rowsChecked, 0);
  const rowsWithErrors = summaries.reduce((a, s) => a + s.rowsWithErrors, 0);
  if (exitCode === 0) return `OK: ${summaries.length} file(s), ${rows} row(s), no violations`;
  if (exitCode === 1)
    return `FAILED: ${rowsWithErrors} row(s) with problems and ${summaries.reduce((a, s) => a + s.schemaErrors, 0)} schema error(s) in ${summaries.length} file(s) (exit 1)`;
  return `UNUSABLE: ${summaries.filter((s) => s.unusable).length} file(s) could not be read (exit 2)`;
}
