/** The `partition` step of a partitioned build (src/partition): a row another part builds leaves the build here. */
import type { RowHook } from '../../partition/hooks.js';
import type { Step } from '../runner.js';

export function partitionStep<N>(hook: RowHook): Step<N> {
  return { name: 'partition', shapes: true, run: (row) => (hook.take(row.loop, row.sample) ? row : null) };
}
