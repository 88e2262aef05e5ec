/**
 * After a build: a split the trainer cannot use. A split that ends up empty (verl stops with "Validation dataloader
 * is empty!"), or that loses more than `max_split_drop_ratio` of its rows to one reason (a wrong column name,
 * absolute image paths, ids that repeat), is a problem: the build exits 1 and says the reason, the first dropped
 * row's detail and the fix (the output is still written, nothing is lost).
 */
import type { DropReason, Manifest } from '../core/types.js';
import type { DropRecord } from '../rules/filter-chain.js';
import { DROP_FIXES } from './drop-fixes.js';

export interface SplitProblem {
  split: string;
  rowsIn: number;
  rowsOut: number;
  /** The reason that took the largest share, or null when the split had no rows in at all. */
  reason: DropReason | null;
  dropped: number;
  /** What is wrong, in one sentence. */
  message: string;
  /** The first row dropped for `reason`, as in dropped.jsonl. */
  first: DropRecord | null;
  fix: string;
}

/** The problems of a build's splits (empty, or more than `maxShare` of its rows dropped for one reason). */
export function splitProblems(p: {
  splits: Manifest['splits'];
  firstDrops: Map<string, Map<DropReason, DropRecord>>;
  maxShare: number;
}): SplitProblem[] {
  const out: SplitProblem[] = [];
  for (const [split, s] of Object.entries(p.splits)) {
    const reasons = (Object.entries(s.dropped) as Array<[DropReason, number]>).sort((a, b) => b[1] - a[1]);
    const pct = (n: number) => `${((100 * n) / s.rowsIn).toFixed(1)}%`;
    const problem = (reason: DropReason | null, n: number, message: string): SplitProblem => ({
      split,
      rowsIn: s.rowsIn,
      rowsOut: s.rowsOut,
      reason,
      dropped: n,
      message,
      first: reason ? (p.firstDrops.get(split)?.get(reason) ?? null) : null,
      fix: reason ? DROP_FIXES[reason] : `give split '${split}' rows (check its files), or leave it out of the build`,
    });
    if (s.rowsOut === 0) {
      const [reason, n] = reasons[0] ?? [null, 0];
      out.push(
        problem(
          reason,
          n,
          s.rowsIn === 0
            ? `split '${split}' is empty: its input has no rows`
            : `split '${split}' is empty: all ${s.rowsIn} rows were dropped (${reasons.map(([r, k]) => `${r} ${k}`).join(', ')})`,
        ),
      );
      continue;
    }
    for (const [reason, n] of reasons) {
      if (n / s.rowsIn <= p.maxShare) break;
      out.push(
        problem(
          reason,
          n,
          `split '${split}' lost ${n} of ${s.rowsIn} rows (${pct(n)}) to ${reason}, more than max_split_drop_ratio ${p.maxShare} allows`,
        ),
      );
    }
  }
  return out;
}
