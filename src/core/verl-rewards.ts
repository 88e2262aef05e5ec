import type { Manifest } from './types.js';

/**
 * The `data_source` values verl's default reward (`verl.utils.reward_score.default_compute_score`) knows.
 * For any other value it raises NotImplementedError at the first reward step, unless the launch names a
 * `custom_reward_function.path`. Data, read from verl's source (volcengine/verl, the commit below).
 */
export const VERL_DEFAULT_REWARD = {
  repo: 'volcengine/verl',
  commit: 'b178a3cd56f58b2d502255daba591e92833930a7',
  file: 'verl/utils/reward_score/__init__.py',
  /** Exact values. */
  dataSources: [
    'openai/gsm8k',
    'lighteval/MATH',
    'DigitalLearningGmbH/MATH-lighteval',
    'HuggingFaceH4/MATH-500',
    'math_dapo',
    'math',
    'math_dapo_reasoning',
    'numina_aops_forum',
    'numina_synthetic_math',
    'numina_amc_aime',
    'numina_synthetic_amc',
    'numina_cn_k12',
    'numina_olympiads',
    'codecontests',
    'apps',
    'codeforces',
    'taco',
    'hiyouga/geometry3k',
    'searchR1_nq',
    'searchR1_triviaqa',
    'searchR1_popqa',
    'searchR1_hotpotqa',
    'searchR1_2wikimultihopqa',
    'searchR1_musique',
    'searchR1_bamboogle',
  ],
  /** Values matched by prefix (`data_source.startswith("aime")`). */
  prefixes: ['aime'],
} as const;

/** True when verl's default reward function scores rows of this data_source. */
function verlHasDefaultReward(dataSource: string): boolean {
  return (
    VERL_DEFAULT_REWARD.dataSources.some((s) => s === dataSource) ||
    VERL_DEFAULT_REWARD.prefixes.some((p) => dataSource.startsWith(p))
  );
}

/** The data_source values of `sources` verl's default reward does not know. */
export function withoutVerlDefaultReward(sources: readonly string[]): string[] {
  return sources.filter((s) => !verlHasDefaultReward(s));
}

/** What to do about data_source values without a default reward (for messages). */
export function verlRewardFix(unknown: readonly string[]): string {
  return `verl's default reward raises NotImplementedError for data_source ${unknown.map((s) => JSON.stringify(s)).join(', ')}: rebuild with --data-source set to a value verl scores (e.g. hiyouga/geometry3k, openai/gsm8k, lighteval/MATH), or give a reward function: custom_reward_function.path=my_reward.py (custom_reward_function.name=compute_score)`;
}

/** verl GRPO builds: the data_source values verl's default reward cannot score, as a warning (null: none, or not recorded). */
function dataSourceWarning(m: Pick<Manifest, 'target' | 'kind' | 'dataSources'>): string | null {
  if (m.target !== 'verl' || m.kind !== 'grpo' || !m.dataSources) return null;
  const unknown = withoutVerlDefaultReward(m.dataSources);
  return unknown.length ? verlRewardFix(unknown) : null;
}

/** GAD builds: teacher responses that do not end with <|im_end|> as the student rollouts do (null: all do). */
export function teacherEndingWarning(m: Pick<Manifest, 'teacherEnding'>): string | null {
  const te = m.teacherEnding;
  if (!te || te.total === 0 || te.endingWithImEnd === te.total) return null;
  return `${te.endingWithImEnd} of ${te.total} teacher responses end with <|im_end|> while student rollouts do: the discriminator can learn the ending instead of the answer; rebuild with --teacher-ending append (teacher.ending: append)`;
}

/** What the trainer would trip over in this build (the build prints these as warnings). */
export function launchWarnings(m: Manifest): string[] {
  return [dataSourceWarning(m), teacherEndingWarning(m)].filter((w): w is string => w !== null);
}
