/** `verl-gad`: the GAD seed script's verl launch (generator + discriminator), on a GAD build for verl. */
import { teacherEndingWarning } from '../../core/verl-rewards.js';
import type { BuildProfile } from './trainer-profile.js';

export const verlGadProfile: BuildProfile = {
  name: 'verl-gad',
  docs: 'docs/train.md#verl-gad-the-seed-gad-script-value-for-value',
  probe: { module: 'verl', install: 'verl (pip install verl, or the GAD fork for verl-gad)' },
  input: 'build',
  target: 'verl',
  role: 'generator',
  batchKey: 'data.train_batch_size',
  plan: async (plan, opts, ctx) => (await import('../plan-verl.js')).planVerl(plan, opts, ctx),
  buildProblem: (m) =>
    m.kind !== 'gad'
      ? 'profile verl-gad needs teacher responses but this build has none (kind grpo): join teacher data in the build, or use --profile verl-grpo'
      : null,
  // verl-gad trains on the discriminator's score (and validates with ROUGE-L against the teacher response), so it
  // needs no data_source reward: its checks are the teacher responses'.
  checks: async (plan, m) => {
    const { teacherSourceCheck } = await import('../teacher-source.js');
    const out = [teacherSourceCheck(m, plan.cwd)];
    const w = teacherEndingWarning(m);
    if (w) out.push({ check: 'teacher ending', ok: true, warn: true, message: w });
    return out;
  },
};
