/**
 * The `precheck` step: the row rules that need no image (validate/rules.ts), before format reads the images. A row
 * they drop is marked (`sample.drop`), so format skips it; it is counted once, by the filter step.
 */
import type { FilterChain } from '../../validate/filters.js';
import type { Step } from '../runner.js';

export function precheckStep<N>(chain: FilterChain): Step<N> {
  return {
    name: 'precheck',
    run(row) {
      chain.precheck(row.sample);
      return row;
    },
  };
}
