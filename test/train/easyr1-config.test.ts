import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { describe, it } from 'node:test';
import YAML from 'yaml';
import { build } from '../../src/pipeline/build.js';
import { readConfigFile, resolveConfig } from '../../src/config/config.js';
import { GadError } from '../../src/core/errors.js';
import { sha256 } from '../../src/core/hash.js';
import { packagePath } from '../../src/core/paths.js';
import { planTraining } from '../../src/train/plan.js';
import { makeFakeBuild } from '../helpers/train.js';
import { KEY_TREE, rejectedKeys } from '../helpers/easyr1-keys.js';

// EasyR1's main.py merges the config file onto OmegaConf.structured(PPOConfig()), which rejects any key
// PPOConfig does not have. The key tree of PPOConfig at a pinned EasyR1 commit is kept as data
// (test/fixtures/easyr1/ppo-config-keys.json, written by scripts/easyr1-key-tree.py from EasyR1's
// dataclass definitions); every key gad-data writes must be in it.

describe('EasyR1 config keys', () => {
  it('the key tree fixture is PPOConfig at a pinned commit (data, with the renamed keys)', () => {
    assert.match(KEY_TREE.commit, /^[0-9a-f]{40}$/);
    assert.ok(KEY_TREE.tree.keys?.worker?.keys?.actor?.keys?.ulysses_size);
    assert.equal(KEY_TREE.tree.keys?.worker?.keys?.actor?.keys?.ulysses_sequence_parallel_size, undefined);
    assert.ok(KEY_TREE.tree.keys?.worker?.keys?.reward?.keys?.reward_function);
    assert.deepEqual(rejectedKeys({ worker: { reward: { reward_type: 'function', score_function: 'x.py' } } }), [
      'worker.reward.reward_type: not a key of RewardConfig',
      'worker.reward.score_function: not a key of RewardConfig',
    ]);
  });

  it('train --profile easyr1 without --base-config writes a config PPOConfig loads, with the example config values', async () => {
    const b = makeFakeBuild({
      target: 'easyr1',
      kind: 'grpo',
      splits: { train: 1, test: 1 },
      formatPrompt: { name: 'math', file: 'format_prompt.jinja' },
    });
    try {
      const plan = await planTraining({
        profile: 'easyr1',
        data: b.outDir,
        modelPath: '/m/qwen',
        nGpus: 2,
        configOverrides: { 'worker.rollout.n': 3 },
        env: { PATH: process.env.PATH },
      });
      const cfg = YAML.parse(plan.configFile!.text) as Record<string, any>;
      assert.deepEqual(rejectedKeys(cfg), []);
      // EasyR1's examples/config.yaml at the fixture's commit (the values gad-data's copy had gone stale on).
      assert.equal(cfg.worker.actor.micro_batch_size_per_device_for_update, 1);
      assert.equal(cfg.worker.actor.micro_batch_size_per_device_for_experience, 2);
      assert.equal(cfg.worker.actor.ulysses_size, 1);
      assert.equal(cfg.worker.rollout.top_p, 1.0);
      assert.deepEqual(cfg.worker.rollout.val_override_config, { temperature: 0.6, top_p: 0.95, n: 1 });
      assert.equal(cfg.worker.reward.reward_function, './examples/reward_function/math.py:compute_score');
      assert.equal(cfg.data.val_batch_size, 1024);
      assert.equal(cfg.worker.rollout.n, 3);
      assert.equal(cfg.worker.actor.model.model_path, '/m/qwen');
    } finally {
      b.cleanup();
    }
  });
});

describe('the build records its --config and train --profile easyr1 uses it as the base', () => {
  it('EasyR1 config → build → train: worker/algorithm/trainer come from the file, data from the build; --base-config wins', async () => {
    const root = mkdtempSync(join(tmpdir(), 'gad-easyr1-cfg-'));
    try {
      const cfgPath = join(root, 'EasyR1', 'examples', 'config.yaml');
      mkdirSync(join(root, 'EasyR1', 'examples'), { recursive: true });
      const file = {
        data: {
          train_files: packagePath('fixtures', 'sample', 'train.jsonl'),
          val_files: packagePath('fixtures', 'sample', 'test.jsonl'),
          prompt_key: 'problem',
          answer_key: 'answer',
          image_key: 'images',
          max_prompt_length: 2048,
          max_response_length: 1024,
          rollout_batch_size: 64,
          format_prompt: 'math',
          shuffle: false,
        },
        algorithm: { adv_estimator: 'grpo', kl_coef: 0.02 },
        worker: {
          actor: { global_batch_size: 32, model: { model_path: 'Qwen/Qwen3-VL-8B-Instruct' } },
          rollout: { n: 4, top_p: 0.9 },
          reward: { reward_function: './examples/reward_function/math.py:compute_score' },
        },
        trainer: { total_epochs: 3, experiment_name: 'mine', logger: ['console'], n_gpus_per_node: 4 },
      };
      const text = YAML.stringify(file);
      writeFileSync(cfgPath, text);
      const outDir = join(root, 'out');
      const r = await build(
        resolveConfig({ file: readConfigFile(cfgPath), flags: { target: 'easyr1', out: outDir, model: 'qwen3-vl' } }),
        { onWarning: () => {} },
      );
      assert.deepEqual(r.manifest.configFile, { path: relative(outDir, cfgPath), sha256: sha256(text) });
      assert.equal(
        JSON.parse(readFileSync(join(outDir, 'manifest.json'), 'utf8')).configFile.path,
        join('..', 'EasyR1', 'examples', 'config.yaml'),
      );

      const plan = await planTraining({ profile: 'easyr1', data: outDir, env: { PATH: process.env.PATH } });
      const cfg = YAML.parse(plan.configFile!.text) as Record<string, any>;
      assert.deepEqual(rejectedKeys(cfg), []);
      assert.deepEqual(cfg.worker, file.worker);
      assert.deepEqual(cfg.algorithm, file.algorithm);
      assert.deepEqual(cfg.trainer, file.trainer);
      assert.equal(cfg.data.rollout_batch_size, 64);
      assert.equal(cfg.data.shuffle, false);
      assert.equal(cfg.data.max_prompt_length, r.manifest.limits.maxPromptLength);
      assert.equal(cfg.data.format_prompt, join(outDir, 'train', 'format_prompt.jinja'));
      assert.match(cfg.data.train_files, /train-00000-of-00001\.parquet$/);
      assert.equal(plan.models?.generator, 'Qwen/Qwen3-VL-8B-Instruct');
      assert.equal(plan.nGpusPerNode, 4);
      assert.ok(
        plan.notes.some((n) => /base config: \.\.\/EasyR1\/examples\/config\.yaml/.test(n)),
        plan.notes.join('\n'),
      );

      // --base-config still wins.
      const other = join(root, 'other.yaml');
      writeFileSync(other, YAML.stringify({ worker: { rollout: { n: 2 } }, trainer: { experiment_name: 'other' } }));
      const p2 = await planTraining({
        profile: 'easyr1',
        data: outDir,
        baseConfig: other,
        env: { PATH: process.env.PATH },
      });
      const c2 = YAML.parse(p2.configFile!.text) as Record<string, any>;
      assert.deepEqual(c2.worker, { rollout: { n: 2 } });
      assert.equal(c2.trainer.experiment_name, 'other');

      // The file changed since the build: used as it is now, with a note. Gone: an error naming the fix.
      writeFileSync(cfgPath, YAML.stringify({ ...file, trainer: { ...file.trainer, total_epochs: 5 } }));
      const p3 = await planTraining({ profile: 'easyr1', data: outDir, env: { PATH: process.env.PATH } });
      assert.equal((YAML.parse(p3.configFile!.text) as Record<string, any>).trainer.total_epochs, 5);
      assert.ok(p3.notes.some((n) => /changed since the build/.test(n)));
      rmSync(cfgPath);
      await assert.rejects(
        planTraining({ profile: 'easyr1', data: outDir, env: { PATH: process.env.PATH } }),
        (e: unknown) => {
          assert.ok(e instanceof GadError);
          assert.match(e.message, /made from the config .*config\.yaml, which cannot be read/);
          assert.match(e.hint ?? '', /--base-config/);
          return true;
        },
      );
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});
