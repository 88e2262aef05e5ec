/** The report as the terminal table `build` and `gad-data report` print. */
import { DROP_REASONS, type Stats } from '../core/types.js';
import { fmtNum, fmtPct } from './numbers.js';
import type { Report } from './report.js';
import { configuredLevel } from './levels.js';

function pad(s: string, n: number, right = true): string {
  const len = [...s].length;
  if (len >= n) return s;
  return right ? ' '.repeat(n - len) + s : s + ' '.repeat(n - len);
}

/** The table's columns: the row label, the row count, then each statistic with its width. */
const LABEL_WIDTH = 22;
const ROWS_WIDTH = 8;
const STAT_COLUMNS = [
  ['min', 7],
  ['p50', 8],
  ['p90', 8],
  ['p95', 8],
  ['p99', 8],
  ['max', 8],
] as const;

/** A compact plain-text table of the report. `color` adds ANSI colours (the caller decides, e.g. from NO_COLOR / isTTY). */
export function renderReportTerminal(report: Report, opts: { color?: boolean } = {}): string {
  const c = opts.color ?? false;
  const bold = (s: string) => (c ? `\x1b[1m${s}\x1b[22m` : s);
  const dim = (s: string) => (c ? `\x1b[2m${s}\x1b[22m` : s);
  const green = (s: string) => (c ? `\x1b[32m${s}\x1b[39m` : s);
  const red = (s: string) => (c ? `\x1b[31m${s}\x1b[39m` : s);
  const yellow = (s: string) => (c ? `\x1b[33m${s}\x1b[39m` : s);
  const r = report;
  const out: string[] = [];
  const head: string[] = [];
  if (r.model) head.push(`model ${r.model.name}`);
  if (r.target) head.push(`target ${r.target}`);
  if (r.pipeline) head.push(`pipeline ${r.pipeline.name}`);
  out.push(bold(r.title) + (head.length ? dim('  ' + head.join(' · ')) : ''));
  out.push(
    dim([pad('', LABEL_WIDTH, false), pad('rows', ROWS_WIDTH), ...STAT_COLUMNS.map(([k, w]) => pad(k, w))].join('')),
  );
  const line = (label: string, s: Stats | null, rows: string) =>
    [
      pad(label, LABEL_WIDTH, false),
      pad(rows, ROWS_WIDTH),
      ...(s && s.count ? STAT_COLUMNS.map(([k, w]) => pad(fmtNum(s[k], 0), w)) : [pad('–', STAT_COLUMNS[0][1])]),
    ].join('');
  const splits = Object.entries(r.splits);
  for (const [n, sr] of [...splits, ...(splits.length > 1 ? [['all', r.total] as const] : [])]) {
    out.push(line(`${n} prompt`, sr.tokens.prompt, fmtNum(sr.rows)));
    out.push(line(`${n}   text`, sr.tokens.text, ''));
    out.push(line(`${n}   image`, sr.tokens.image, ''));
    if (sr.tokens.response) out.push(line(`${n}   response`, sr.tokens.response, ''));
  }
  out.push('');
  out.push(
    dim('max_prompt_length  ') +
      r.candidates
        .map((k) => {
          const s = `${fmtNum(k.limit)}: ${fmtPct(k.fraction)}`;
          if (k.configured) {
            const level = configuredLevel(k, r.recommendation.keep);
            return (level === 'fine' ? green : level === 'warn' ? yellow : red)(s + ' (configured)');
          }
          return k.recommended ? green(s + ' (recommended)') : s;
        })
        .join(dim(' · ')),
  );
  const rec = r.recommendation;
  out.push(
    `recommended max_prompt_length ${bold(green(fmtNum(rec.maxPromptLength)))}` +
      (rec.maxResponseLength !== null ? `, max_response_length ${bold(green(fmtNum(rec.maxResponseLength)))}` : '') +
      dim(
        rec.tooFew
          ? ` (too few rows for the ${fmtPct(rec.keep, 0)} rule, which needs ≥ ${fmtNum(rec.minRows ?? 0)}: keeps the rows the build kept, capped at the configured limit)`
          : ` (smallest multiple of ${rec.multiple} keeping ≥ ${fmtPct(rec.keep, 0)})`,
      ),
  );
  if (r.total.responsesOverLimit !== null && r.limits.maxResponseLength !== null)
    out.push(
      `teacher responses over max_response_length ${fmtNum(r.limits.maxResponseLength)}: ${fmtNum(r.total.responsesOverLimit)}`,
    );
  const reasons = DROP_REASONS.filter((x) => r.drops.total[x] > 0);
  out.push(
    `dropped ${fmtNum(r.drops.count)}` +
      (reasons.length ? ': ' + reasons.map((x) => `${x} ${fmtNum(r.drops.total[x])}`).join(', ') : ''),
  );
  return out.join('\n') + '\n';
}
