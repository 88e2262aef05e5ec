/**
 * The sampling settings of a run: what the flags give, else the defaults a GAD run needs. The student samples
 * as the GAD rollout does (the verl-gad profile's `actor_rollout_ref.rollout.temperature`, at most the build's
 * max_response_length new tokens); the teacher is capped at max_response_length (in its own tokens: the exact
 * check in the student's tokens comes after) and otherwise samples at the server's defaults.
 */
import type { Manifest } from '../core/types.js';
import type { GenerateRole, Sampling } from './generate-types.js';

/** `actor_rollout_ref.rollout.temperature` of `train --profile verl-gad` (src/train/verl-gad.ts; a test checks they agree). */
export const GAD_ROLLOUT_TEMPERATURE = 0.8;

export function resolveSampling(role: GenerateRole, m: Manifest, given: Sampling = {}): Sampling {
  const out: Sampling = {};
  const temperature = given.temperature ?? (role === 'student' ? GAD_ROLLOUT_TEMPERATURE : undefined);
  if (temperature !== undefined) out.temperature = temperature;
  if (given.top_p !== undefined) out.top_p = given.top_p;
  out.max_tokens = given.max_tokens ?? m.limits.maxResponseLength;
  if (given.n !== undefined && given.n !== 1) out.n = given.n;
  if (given.seed !== undefined) out.seed = given.seed;
  if (given.stop?.length) out.stop = given.stop;
  return out;
}
