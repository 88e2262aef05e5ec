import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { packagePath } from '../../src/core/paths.js';
import { planTraining } from '../../src/train/plan.js';
import { readVerlRecord } from '../helpers/verl-record.js';
import { fakeVerlEnv, makeFakeBuild } from '../helpers/train.js';

// The user's own seed GAD launch script (single node, Qwen3-VL), kept verbatim as a fixture. It is run
// through real bash with the recording fake verl first on PYTHONPATH: bash expands its variables and
// quoting exactly as on the user's machine, and the fake `verl.trainer.main_ppo` records the argv and the
// environment python3 received. `gad-data train --profile verl-gad` must plan the same overrides and
// environment, key by key, given the same environment, except for the values the data decides.
const SEED = packagePath('test', 'fixtures', 'seed', 'seed-gad-qwen3vl.sh');

/** What the seed script gives python3: its Hydra overrides (key → value, prefix kept in the key) and its env. */
function runSeed(
  root: string,
  env: Record<string, string>,
): { overrides: Map<string, string>; order: string[]; env: Record<string, string> } {
  const record = join(root, 'seed-record.json');
  const r = spawnSync('bash', [SEED], { env: fakeVerlEnv(record, env), encoding: 'utf8', timeout: 600_000 });
  assert.equal(r.status, 0, `the seed script failed: ${r.stderr}`);
  const rec = readVerlRecord({ file: record });
  assert.equal(rec.module, 'verl.trainer.main_ppo');
  return { ...toMap(rec.argv.slice(1)), env: rec.env };
}

function toMap(args: string[]): { overrides: Map<string, string>; order: string[] } {
  const overrides = new Map<string, string>();
  const order: string[] = [];
  for (const a of args) {
    const eq = a.indexOf('=');
    assert.ok(eq > 0, `override without "=": ${a}`);
    const key = a.slice(0, eq);
    assert.ok(!overrides.has(key), `key set twice: ${key}`);
    overrides.set(key, a.slice(eq + 1));
    order.push(key);
  }
  return { overrides, order };
}

/**
 * Every allowed difference between the seed script and the dry run, with the reason. Anything else that
 * differs (a missing key, an extra key, another value) fails the test.
 */
function dataDecided(
  outDir: string,
  m: ReturnType<typeof makeFakeBuild>['manifest'],
  filesFromEnv: boolean,
): Map<string, { seed: string | undefined; ours: string; why: string }> {
  const files = (split: string) =>
    '[' +
    m.shards
      .filter((s) => s.split === split)
      .map((s) => `"${join(outDir, s.file)}"`)
      .join(',') +
    ']';
  const d = new Map<string, { seed: string | undefined; ours: string; why: string }>();
  if (!filesFromEnv) {
    d.set('data.train_files', {
      seed: '/mnt/exp/datasets/gad_single_image_train.parquet',
      ours: files('train'),
      why: "the build's train shards",
    });
    d.set('data.val_files', {
      seed: '/mnt/exp/datasets/gad_single_image_test.parquet',
      ours: files('test'),
      why: "the build's validation shards",
    });
  }
  d.set('data.prompt_key', {
    seed: undefined,
    ours: 'prompt',
    why: "the build's prompt column (the seed relies on verl's default, the same name)",
  });
  d.set('data.image_key', {
    seed: undefined,
    ours: 'images',
    why: "the build's image column (the seed relies on verl's default, the same name)",
  });
  d.set('++data.image_patch_size', {
    seed: undefined,
    ours: String(m.model.patchSize),
    why: "the model's patch size the images were resized for",
  });
  d.set('data.filter_overlong_prompts', {
    seed: 'True',
    ours: 'False',
    why: 'the build counted every prompt exactly and dropped the overlong ones (--keep-filter-overlong turns it on)',
  });
  d.set('data.truncation', {
    seed: 'right',
    ours: 'error',
    why: 'no built prompt is over the limit: one that is would be a counting bug to see, not a prompt to cut',
  });
  return d;
}

function compare(seed: Map<string, string>, ours: Map<string, string>, allowed: ReturnType<typeof dataDecided>): void {
  const problems: string[] = [];
  for (const key of new Set([...seed.keys(), ...ours.keys()])) {
    const s = seed.get(key);
    const o = ours.get(key);
    const a = allowed.get(key);
    if (a) {
      if (s !== a.seed || o !== a.ours)
        problems.push(`${key}: seed ${s}, ours ${o}; allowed difference (${a.why}) is seed ${a.seed} → ours ${a.ours}`);
      continue;
    }
    if (s !== o) problems.push(`${key}: seed ${s ?? '(not set)'}, ours ${o ?? '(not set)'}`);
  }
  assert.deepEqual(problems, []);
}

const GEN = '/ckpt/generator_warmup/checkpoint-1200';
const DISC = '/ckpt/discriminator_warmup/checkpoint-600';

describe('verl-gad reproduces the seed GAD script', () => {
  it('with no overrides: every override and exported variable equals the seed, except the values the data decides', async () => {
    const b = makeFakeBuild({
      family: 'qwen3-vl',
      splits: { train: 2, test: 1 },
      maxPromptLength: 4096,
      maxResponseLength: 4096,
    });
    try {
      const env = { MODEL_PATH: GEN, REWARD_MODEL_PATH: DISC };
      const seed = runSeed(b.root, env);
      const plan = await planTraining({ profile: 'verl-gad', data: b.outDir, env: { PATH: process.env.PATH, ...env } });
      assert.deepEqual(plan.command.slice(0, 3), ['python3', '-m', 'verl.trainer.main_ppo']);
      const ours = toMap(plan.command.slice(3));
      compare(seed.overrides, ours.overrides, dataDecided(b.outDir, b.manifest, false));
      // The same order as the script (the data-decided keys the seed does not set sit next to their section).
      const common = ours.order.filter((k) => seed.overrides.has(k));
      assert.deepEqual(
        common,
        seed.order.filter((k) => ours.overrides.has(k)),
      );
      for (const k of ['HYDRA_FULL_ERROR', 'TOKENIZERS_PARALLELISM', 'NCCL_TIMEOUT'])
        assert.equal(plan.env[k], seed.env[k], k);
      assert.deepEqual(Object.keys(plan.env).sort(), ['HYDRA_FULL_ERROR', 'NCCL_TIMEOUT', 'TOKENIZERS_PARALLELISM']);
      assert.equal(plan.env.NCCL_TIMEOUT, '36000');
    } finally {
      b.cleanup();
    }
  });

  it("reads the script's variables from the environment as the script does (SAVE_DIR follows EXP_NAME)", async () => {
    const b = makeFakeBuild({
      family: 'qwen3-vl',
      splits: { train: 1, test: 1 },
      maxPromptLength: 4096,
      maxResponseLength: 4096,
    });
    try {
      const env = {
        MODEL_PATH: GEN,
        REWARD_MODEL_PATH: DISC,
        TRAIN_FILES: '/data/a.parquet',
        VAL_FILES: '/data/b.parquet',
        EXP_NAME: 'my_run',
        SWANLAB_PROJECT: 'proj',
        TRAIN_BATCH_SIZE: '64',
        VAL_BATCH_SIZE: '50',
        PPO_MINI_BATCH_SIZE: '16',
        ROLLOUT_N: '4',
        ACTOR_LR: '2e-6',
        CRITIC_LR: '3e-6',
        GEN_TP: '1',
      };
      const seed = runSeed(b.root, env);
      const plan = await planTraining({ profile: 'verl-gad', data: b.outDir, env: { PATH: process.env.PATH, ...env } });
      const ours = toMap(plan.command.slice(3));
      compare(seed.overrides, ours.overrides, dataDecided(b.outDir, b.manifest, true));
      assert.equal(ours.overrides.get('trainer.default_local_dir'), '/tmp/my_run');
      assert.equal(ours.overrides.get('data.train_batch_size'), '64');
      assert.ok(plan.notes.some((n) => /\$TRAIN_FILES is set/.test(n)));
    } finally {
      b.cleanup();
    }
  });

  it("lengths come from the build, and the token budgets are raised when prompt + response exceed the seed's 12288", async () => {
    const b = makeFakeBuild({
      family: 'qwen3-vl',
      splits: { train: 1, test: 1 },
      maxPromptLength: 10000,
      maxResponseLength: 8192,
    });
    try {
      const plan = await planTraining({
        profile: 'verl-gad',
        data: b.outDir,
        env: { PATH: process.env.PATH, MODEL_PATH: GEN, REWARD_MODEL_PATH: DISC },
      });
      const o = toMap(plan.command.slice(3)).overrides;
      assert.equal(o.get('data.max_prompt_length'), '10000');
      assert.equal(o.get('data.max_response_length'), '8192');
      assert.equal(o.get('actor_rollout_ref.rollout.response_length'), '8192');
      for (const k of [
        'actor_rollout_ref.actor.ppo_max_token_len_per_gpu',
        'critic.ppo_max_token_len_per_gpu',
        'actor_rollout_ref.rollout.log_prob_max_token_len_per_gpu',
        'actor_rollout_ref.ref.log_prob_max_token_len_per_gpu',
      ]) {
        assert.equal(o.get(k), '18192', k);
      }
      assert.equal(o.get('actor_rollout_ref.rollout.prompt_length'), '16384');
      assert.ok(plan.notes.some((n) => /raised from the seed's 12288 to 18192/.test(n)));
      // A smaller $MAX_PROMPT_LENGTH does not lower the budget below what the build's rows need.
      const p2 = await planTraining({
        profile: 'verl-gad',
        data: b.outDir,
        env: { PATH: process.env.PATH, MODEL_PATH: GEN, REWARD_MODEL_PATH: DISC, MAX_PROMPT_LENGTH: '1024' },
      });
      const o2 = toMap(p2.command.slice(3)).overrides;
      assert.equal(o2.get('data.max_prompt_length'), '1024');
      assert.equal(o2.get('actor_rollout_ref.actor.ppo_max_token_len_per_gpu'), '18192');
      assert.ok(
        p2.notes.some((n) => /\$MAX_PROMPT_LENGTH=1024 differs from the build's limit 10000/.test(n)),
        p2.notes.join('\n'),
      );
    } finally {
      b.cleanup();
    }
  });
});
