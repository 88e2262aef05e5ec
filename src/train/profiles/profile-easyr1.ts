/** `easyr1`: EasyR1's launch (a config.yaml filled from the build) on a build for EasyR1. */
import type { BuildProfile } from './trainer-profile.js';

export const easyr1Profile: BuildProfile = {
  name: 'easyr1',
  docs: 'docs/train.md#easyr1-which-base-config',
  probe: { module: 'verl', install: 'EasyR1 (git clone hiyouga/EasyR1 && pip install -e .)' },
  input: 'build',
  target: 'easyr1',
  role: 'policy',
  batchKey: 'data.rollout_batch_size',
  // The EasyR1 planner has never been handed the build's model (its "(the build's model)" note never shows);
  // kept so, as before the table.
  plan: async (plan, opts, { buildModel: _buildModel, ...ctx }) =>
    (await import('../plan-easyr1.js')).planEasyR1(plan, opts, ctx),
};
