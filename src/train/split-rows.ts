/**
 * Pre-flight: every split of the build has rows. An empty test split stops verl at start-up ("Validation
 * dataloader is empty!") and EasyR1 likewise; an empty train split trains nothing.
 */
import type { Manifest } from '../core/types.js';
import type { PreflightCheck } from './launch-plan.js';

/** The `splits` check (none when the manifest records no splits): FAIL naming each empty split, why, and what to do. */
export function splitRowsCheck(m: Manifest): PreflightCheck[] {
  // train first, then the others (the manifest keeps them sorted by name)
  const splits = Object.entries(m.splits ?? {}).sort(([a], [b]) => Number(b === 'train') - Number(a === 'train'));
  if (!splits.length) return [];
  const empty = splits.filter(([, s]) => s.rowsOut === 0);
  if (!empty.length)
    return [{ check: 'splits', ok: true, message: splits.map(([n, s]) => `${n} ${s.rowsOut} rows`).join(', ') }];
  const why = (s: Manifest['splits'][string]) => {
    const reasons = Object.entries(s.dropped).map(([r, n]) => `${r} ${n}`);
    return s.rowsIn ? `all ${s.rowsIn} rows dropped: ${reasons.join(', ')}` : 'no rows in its input';
  };
  return [
    {
      check: 'splits',
      ok: false,
      message: `${empty.map(([n, s]) => `split '${n}' is empty (${why(s)})`).join('; ')}: the trainer stops on an empty split; see the build's dropped.jsonl, fix the input and rebuild`,
    },
  ];
}
