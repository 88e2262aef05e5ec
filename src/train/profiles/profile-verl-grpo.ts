/** `verl-grpo`: verl's GRPO launch on a build for verl, scored by verl's default reward unless one is given. */
import { VERL_DEFAULT_REWARD, verlRewardFix, withoutVerlDefaultReward } from '../../core/verl-rewards.js';
import { lookupOverride, unquoteHydra } from '../hydra.js';
import type { PreflightCheck } from '../launch-plan.js';
import type { BuildProfile } from './trainer-profile.js';

export const verlGrpoProfile: BuildProfile = {
  name: 'verl-grpo',
  docs: 'docs/train.md#verl-grpo-and-verls-default-reward',
  probe: { module: 'verl', install: 'verl (pip install verl, or the GAD fork for verl-gad)' },
  input: 'build',
  target: 'verl',
  role: 'policy',
  batchKey: 'data.train_batch_size',
  plan: async (plan, opts, ctx) => (await import('../plan-verl.js')).planVerl(plan, opts, ctx),
  // Rollouts are scored with verl's default reward unless a custom reward function is given.
  checks: async (plan, m): Promise<PreflightCheck[]> => {
    const custom = plan.overrides ? lookupOverride(plan.overrides, 'custom_reward_function.path') : undefined;
    const customPath = custom === undefined ? '' : unquoteHydra(custom);
    const verlAt = `verl ${VERL_DEFAULT_REWARD.commit.slice(0, 7)}`;
    if (customPath && customPath !== 'null')
      return [{ check: 'reward', ok: true, message: `custom_reward_function.path=${customPath}` }];
    if (!m.dataSources) {
      return [
        {
          check: 'reward',
          ok: true,
          warn: true,
          message:
            "the build did not record its data_source values (built by an older gad-data): not checked against verl's default reward; rebuild to check",
        },
      ];
    }
    const unknown = withoutVerlDefaultReward(m.dataSources);
    return [
      unknown.length
        ? { check: 'reward', ok: false, message: `${verlRewardFix(unknown)} (pass it after --)` }
        : {
            check: 'reward',
            ok: true,
            message: `verl's default reward scores data_source ${m.dataSources.join(', ')} (known to ${verlAt})`,
          },
    ];
  },
};
