/**
 * The length report of a recipe export (report.json and the terminal table): per split and series
 * (e.g. total / prompt / response, or chosen / rejected side by side) min / p50 / p90 / p95 / p99 / max,
 * what each candidate max_length keeps, and the recommended max_length — the build report's statistics
 * (numpy-linear percentiles, smallest multiple of 256 keeping ≥ 99%).
 */
import type { Stats } from '../core/types.js';
import { countAtMost, recommendLimit, sortedCopy, summarize } from '../report/stats.js';
import { must } from '../core/guards.js';

const RECIPE_CANDIDATES = [1024, 2048, 4096, 8192, 16384] as const;

export interface RecipeReport {
  format: 'gad-data-recipe-report';
  version: 1;
  kind: 'sft' | 'rm' | 'prompts';
  trainer: string;
  /** The --max-length rows were checked against. */
  maxLength: number;
  /** The series shown, in order. */
  series: string[];
  /** Per split (and `all`): rows written, rows dropped, statistics of the written rows per series. */
  splits: Record<string, { rows: number; dropped: number; stats: Record<string, Stats> }>;
  /** What each max_length keeps of the measured rows (written + dropped for length), by the `basis` series. */
  candidates: Array<{
    limit: number;
    kept: number;
    total: number;
    fraction: number;
    configured: boolean;
    recommended: boolean;
  }>;
  recommendation: { maxLength: number; keep: number; multiple: number; basis: string };
  drops: Record<string, number>;
  notes: string[];
}

/** Collects values per split and series while an export runs. */
export class LengthCollector {
  private readonly kept = new Map<string, Map<string, number[]>>();
  private readonly dropped = new Map<string, number>();
  /** Basis values of every measured row (kept or dropped for length). */
  private readonly measured: number[] = [];
  readonly drops: Record<string, number> = {};

  constructor(
    readonly series: string[],
    readonly basis: string,
  ) {}

  keep(split: string, values: Record<string, number>): void {
    let s = this.kept.get(split);
    if (!s) this.kept.set(split, (s = this.emptySeries()));
    for (const k of this.series) {
      const v = values[k];
      if (v !== undefined) s.get(k)?.push(v);
    }
    this.measured.push(must(values[this.basis], `recipe row without its basis ${this.basis}`));
  }

  /** One empty list of values per series, in series order. */
  private emptySeries(): Map<string, number[]> {
    return new Map<string, number[]>(this.series.map((k) => [k, []]));
  }

  drop(split: string, reason: string, basisValue?: number): void {
    this.dropped.set(split, (this.dropped.get(split) ?? 0) + 1);
    this.drops[reason] = (this.drops[reason] ?? 0) + 1;
    if (basisValue !== undefined) this.measured.push(basisValue);
  }

  report(opts: {
    kind: RecipeReport['kind'];
    trainer: string;
    maxLength: number;
    splits: string[];
    notes: string[];
  }): RecipeReport {
    const splits: RecipeReport['splits'] = {};
    const all = this.emptySeries();
    let allRows = 0;
    let allDropped = 0;
    for (const name of opts.splits) {
      const s = this.kept.get(name) ?? this.emptySeries();
      const stats: Record<string, Stats> = {};
      for (const k of this.series) {
        const values = s.get(k) ?? [];
        stats[k] = summarize(values);
        all.get(k)?.push(...values);
      }
      const [first] = this.series;
      const rows = first === undefined ? 0 : (s.get(first)?.length ?? 0);
      const dropped = this.dropped.get(name) ?? 0;
      splits[name] = { rows, dropped, stats };
      allRows += rows;
      allDropped += dropped;
    }
    const allStats: Record<string, Stats> = {};
    for (const [k, values] of all) allStats[k] = summarize(values);
    splits.all = { rows: allRows, dropped: allDropped, stats: allStats };
    const keep = 0.99;
    const multiple = 256;
    const rec = recommendLimit(this.measured, { keep, multiple });
    const sorted = sortedCopy(this.measured);
    const limits = [...new Set([...RECIPE_CANDIDATES, opts.maxLength, rec])].sort((a, b) => a - b);
    const candidates = limits.map((limit) => {
      const kept = countAtMost(sorted, limit);
      return {
        limit,
        kept,
        total: sorted.length,
        fraction: sorted.length ? kept / sorted.length : 1,
        configured: limit === opts.maxLength,
        recommended: limit === rec,
      };
    });
    return {
      format: 'gad-data-recipe-report',
      version: 1,
      kind: opts.kind,
      trainer: opts.trainer,
      maxLength: opts.maxLength,
      series: this.series,
      splits,
      candidates,
      recommendation: { maxLength: rec, keep, multiple, basis: this.basis },
      drops: { ...this.drops },
      notes: opts.notes,
    };
  }
}

const fmt = (n: number) => Math.round(n).toLocaleString('en-US');

/** The report as a fixed-width table (what the export prints). */
export function renderRecipeReport(r: RecipeReport): string {
  const cols = ['min', 'p50', 'p90', 'p95', 'p99', 'max'] as const;
  const label =
    Math.max(...Object.keys(r.splits).map((s) => s.length), 3) + 2 + Math.max(...r.series.map((s) => s.length));
  const lines = [`gad-data export ${r.kind} report  trainer ${r.trainer} · max_length ${fmt(r.maxLength)}`];
  lines.push(`${''.padEnd(label)}  ${'rows'.padStart(7)}${cols.map((c) => c.padStart(8)).join('')}`);
  for (const [split, s] of Object.entries(r.splits)) {
    r.series.forEach((k, i) => {
      const st = must(s.stats[k], `recipe report without the stats of ${k}`);
      const name = i === 0 ? `${split} ${k}` : `${' '.repeat(split.length)}   ${k}`;
      lines.push(
        `${name.padEnd(label)}  ${(i === 0 ? fmt(s.rows) : '').padStart(7)}${cols.map((c) => fmt(st[c]).padStart(8)).join('')}`,
      );
    });
  }
  lines.push('');
  lines.push(
    `max_length (${r.recommendation.basis})  ` +
      r.candidates
        .map(
          (c) =>
            `${fmt(c.limit)}: ${(c.fraction * 100).toFixed(1)}%${c.recommended ? ' (recommended)' : ''}${c.configured ? ' (configured)' : ''}`,
        )
        .join(' · '),
  );
  const drops = Object.entries(r.drops);
  const total = drops.reduce((a, [, n]) => a + n, 0);
  lines.push(`dropped ${total}${drops.length ? `: ${drops.map(([k, n]) => `${k} ${n}`).join(', ')}` : ''}`);
  for (const n of r.notes) lines.push(`note: ${n}`);
  return lines.join('\n');
}
