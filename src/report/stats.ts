import type { Stats } from '../core/types.js';
import { must } from '../core/guards.js';

/**
 * Percentile of an ascending-sorted array, `p` in [0, 100].
 *
 * Definition: linear interpolation between closest ranks, exactly numpy's default
 * (`numpy.percentile(a, p)`, method="linear", Hyndman & Fan type 7):
 * h = (n − 1)·p/100, result = x[⌊h⌋] + (h − ⌊h⌋)·(x[⌊h⌋+1] − x[⌊h⌋]).
 * So p50 of [1, 2, 3, 4] is 2.5 and p90 of 1..10 is 9.1. An empty array gives NaN.
 */
export function percentile(sortedValues: ArrayLike<number>, p: number): number {
  const n = sortedValues.length;
  if (n === 0) return Number.NaN;
  if (!(p >= 0 && p <= 100)) throw new RangeError(`percentile: p must be in [0, 100], got ${p}`);
  const h = ((n - 1) * p) / 100;
  const lo = Math.floor(h);
  const hi = Math.min(lo + 1, n - 1);
  const a = must(sortedValues[lo], `percentile: value ${lo} of ${n}`);
  const b = must(sortedValues[hi], `percentile: value ${hi} of ${n}`);
  return a + (h - lo) * (b - a);
}

/** Sorts a copy ascending (numerically). */
export function sortedCopy(values: ArrayLike<number>): Float64Array {
  const out = Float64Array.from(values);
  out.sort();
  return out;
}

/** Decimals kept in the percentiles and means of `Stats` (report.json, manifest.json, validate --json). */
export const STATS_DECIMALS = 2;

/** `v` rounded half away from zero to `STATS_DECIMALS` decimals (396.39999999999986 → 396.4). */
export function roundStat(v: number): number {
  const f = 10 ** STATS_DECIMALS;
  const r = (Math.sign(v) * Math.round(Math.abs(v) * f + 1e-9)) / f;
  return Object.is(r, -0) ? 0 : r;
}

/**
 * count, min, p50/p90/p95/p99 (numpy linear, see `percentile`), max and mean of the values; percentiles and
 * mean rounded to `STATS_DECIMALS` decimals (token counts are integers, so min, max and count are exact).
 * An empty input gives count 0 and every other field 0.
 */
export function summarize(values: ArrayLike<number>): Stats {
  const n = values.length;
  if (n === 0) return { count: 0, min: 0, p50: 0, p90: 0, p95: 0, p99: 0, max: 0, mean: 0 };
  const s = sortedCopy(values);
  let sum = 0;
  for (const x of s) sum += x;
  return {
    count: n,
    min: must(s[0], 'summarize: the smallest value'),
    p50: roundStat(percentile(s, 50)),
    p90: roundStat(percentile(s, 90)),
    p95: roundStat(percentile(s, 95)),
    p99: roundStat(percentile(s, 99)),
    max: must(s[n - 1], 'summarize: the largest value'),
    mean: roundStat(sum / n),
  };
}

/** Number of values ≤ limit (a trainer keeps a row when its length is ≤ the limit). */
export function countAtMost(sortedValues: ArrayLike<number>, limit: number): number {
  let lo = 0;
  let hi = sortedValues.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (must(sortedValues[mid], `countAtMost: value ${mid}`) <= limit) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * The recommended limit: the smallest positive multiple of `multiple` (default 256) such that at least
 * `keep` (default 0.99) of the values are ≤ it. An empty input gives `multiple`.
 */
export function recommendLimit(values: ArrayLike<number>, opts: { keep?: number; multiple?: number } = {}): number {
  const keep = opts.keep ?? 0.99;
  const multiple = opts.multiple ?? 256;
  if (!(keep > 0 && keep <= 1)) throw new RangeError(`recommendLimit: keep must be in (0, 1], got ${keep}`);
  if (!(Number.isInteger(multiple) && multiple > 0))
    throw new RangeError(`recommendLimit: multiple must be a positive integer, got ${multiple}`);
  const n = values.length;
  if (n === 0) return multiple;
  const s = sortedCopy(values);
  // The smallest k with k/n ≥ keep (integer arithmetic guarded against float error), then the value at rank k.
  let need = Math.ceil(keep * n - 1e-9);
  if (need < 1) need = 1;
  if (need > n) need = n;
  const v = must(s[need - 1], `recommendLimit: value ${need - 1} of ${n}`);
  return Math.max(multiple, Math.ceil(v / multiple) * multiple);
}

/** A "nice" bin width (1, 2, 5 × 10^k) giving about `target` bins over [min, max]. */
export function niceBinWidth(min: number, max: number, target = 40): number {
  const span = Math.max(1, max - min);
  const raw = span / Math.max(1, target);
  const mag = 10 ** Math.floor(Math.log10(raw));
  for (const m of [1, 2, 2.5, 5, 10]) {
    const w = m * mag;
    if (w >= raw) return Math.max(1, w);
  }
  return Math.max(1, 10 * mag);
}
