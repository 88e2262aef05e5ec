/** Where `validate FILES` collects its violations: every one counted by code, the first `max` kept. */
import type { ProblemCode, Violation } from './validate-types.js';

export interface ViolationSink {
  /** The violations kept, in the order found (at most `max`). */
  readonly violations: Violation[];
  /** Every violation counted, by code. */
  readonly totals: Partial<Record<ProblemCode, number>>;
  push(v: Violation): void;
}

export function violationSink(max: number): ViolationSink {
  const violations: Violation[] = [];
  const totals: Partial<Record<ProblemCode, number>> = {};
  return {
    violations,
    totals,
    push(v) {
      totals[v.code] = (totals[v.code] ?? 0) + 1;
      if (violations.length < max) violations.push(v);
    },
  };
}
