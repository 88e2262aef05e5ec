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
  // the build's model goes along, so the note on a replaced model_path can say it is the build's
  plan: async (plan, opts, ctx) => (await import('../plan-easyr1.js')).planEasyR1(plan, opts, ctx),
};
