/**
 * The one count of row outcomes: per split, the rows kept and the rows dropped per reason. A row is booked here
 * once (by the filter chain when it decides, or by a resumed build's replay of the journal); everything else
 * that reports counts (the manifest's `splits`, the chain's `counts()` / `kept()`) is derived from it.
 */
import { DROP_REASONS, type DropReason } from './types.js';

interface SplitCount {
  kept: number;
  dropped: Map<DropReason, number>;
}

export class Tally {
  private readonly bySplit = new Map<string, SplitCount>();

  /** Book one row of `split`: dropped for `reason`, or kept (`null`). */
  book(split: string, reason: DropReason | null): void {
    const c = this.of(split);
    if (reason === null) c.kept++;
    else c.dropped.set(reason, (c.dropped.get(reason) ?? 0) + 1);
  }

  /** Splits booked so far, in the order first seen. */
  splits(): string[] {
    return [...this.bySplit.keys()];
  }

  /** Rows kept of a split. */
  kept(split: string): number {
    return this.bySplit.get(split)?.kept ?? 0;
  }

  /** Drops of a split per reason: every reason, zero when none. */
  drops(split: string): Record<DropReason, number> {
    const out = {} as Record<DropReason, number>;
    for (const r of DROP_REASONS) out[r] = this.bySplit.get(split)?.dropped.get(r) ?? 0;
    return out;
  }

  /** The manifest's form of a split: rows in and out, and the reasons that occurred (sorted by name). */
  summary(split: string): { rowsIn: number; rowsOut: number; dropped: Record<string, number> } {
    const c = this.bySplit.get(split);
    const dropped = [...(c?.dropped ?? [])].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    const rowsOut = c?.kept ?? 0;
    return { rowsIn: dropped.reduce((a, [, n]) => a + n, rowsOut), rowsOut, dropped: Object.fromEntries(dropped) };
  }

  private of(split: string): SplitCount {
    let c = this.bySplit.get(split);
    if (!c) this.bySplit.set(split, (c = { kept: 0, dropped: new Map() }));
    return c;
  }
}
