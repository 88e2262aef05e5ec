import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, it } from 'node:test';
import YAML from 'yaml';
import { GadError } from '../../src/core/errors.js';
import { easyr1DataPath } from '../../src/train/plan-easyr1.js';
import { formatDryRun, planTraining } from '../../src/train/plan.js';
import { hydraValue, mergeOverrides, parseOverride, shellQuote } from '../../src/train/hydra.js';
import { runTraining } from '../../src/train/run-training.js';
import { Capture, makeFakeBuild } from '../helpers/train.js';

const noEnv = { PATH: process.env.PATH } as NodeJS.ProcessEnv;

describe('hydra values and shell quoting', () => {
  it('writes Python booleans, plain numbers, quoted lists and quotes strings Hydra would misread', () => {
    assert.equal(hydraValue(true), 'True');
    assert.equal(hydraValue(false), 'False');
    assert.equal(hydraValue(1e-6), '0.000001');
    assert.equal(hydraValue(['a.parquet', 'b c.parquet']), '["a.parquet","b c.parquet"]');
    assert.equal(hydraValue('/data/out/train-00000-of-00001.parquet'), '/data/out/train-00000-of-00001.parquet');
    assert.equal(hydraValue('2024'), '"2024"');
    assert.equal(hydraValue('true'), '"true"');
    assert.equal(hydraValue('a,b'), '"a,b"');
    assert.equal(hydraValue('say "hi"'), '"say \\"hi\\""');
    assert.equal(hydraValue(null), 'null');
  });
  it('shell-quotes only what needs it, and the quoting round-trips through a real shell', async () => {
    assert.equal(shellQuote('a.b=c/d'), 'a.b=c/d');
    const word = `trainer.logger=["console","swanlab"] it's $HOME`;
    const q = shellQuote(word);
    const { execFileSync } = await import('node:child_process');
    const echoed = execFileSync('sh', ['-c', `printf %s ${q}`]).toString();
    assert.equal(echoed, word);
  });
  it('later overrides replace earlier ones in place, keep the ++ prefix, append new keys, and ~ deletes', () => {
    const base = [parseOverride('a.b=1'), parseOverride('++c=2'), parseOverride('d=3')];
    const merged = mergeOverrides(base, [
      parseOverride('c=5'),
      parseOverride('a.b=9'),
      parseOverride('e=1'),
      parseOverride('~d'),
    ]);
    assert.deepEqual(
      merged.map((o) => (o.value === null ? o.key : `${o.key}=${o.value}`)),
      ['a.b=9', '++c=5', 'e=1', '~d'],
    );
  });
});

describe('planTraining: verl-gad', () => {
  it('derives every data value from the manifest (Qwen3-VL: patch 16, sharded Hydra lists)', async () => {
    const b = makeFakeBuild({
      family: 'qwen3-vl',
      splits: { train: 3, test: 2 },
      maxPromptLength: 4096,
      maxResponseLength: 2048,
    });
    try {
      const plan = await planTraining({
        profile: 'verl-gad',
        data: b.outDir,
        env: { ...noEnv, MODEL_PATH: 'Qwen/Qwen3-VL-8B-Instruct', REWARD_MODEL_PATH: '/models/disc' },
      });
      assert.deepEqual(plan.command.slice(0, 3), ['python3', '-m', 'verl.trainer.main_ppo']);
      // The full list is compared key by key with the seed GAD script in seed.test.ts; here: what the data decides.
      const files = (split: string) =>
        '[' +
        b.manifest.shards
          .filter((s) => s.split === split)
          .map((s) => `"${resolve(b.outDir, s.file)}"`)
          .join(',') +
        ']';
      const args = plan.command.slice(3);
      for (const a of [
        `data.train_files=${files('train')}`,
        `data.val_files=${files('test')}`,
        'data.prompt_key=prompt',
        'data.image_key=images',
        'data.max_prompt_length=4096',
        'data.max_response_length=2048',
        'actor_rollout_ref.rollout.response_length=2048',
        'actor_rollout_ref.model.path=Qwen/Qwen3-VL-8B-Instruct',
        'critic.model.path=/models/disc',
      ])
        assert.ok(args.includes(a), a);
      assert.deepEqual(plan.env, { HYDRA_FULL_ERROR: '1', TOKENIZERS_PARALLELISM: 'true', NCCL_TIMEOUT: '36000' });
      assert.deepEqual(plan.models, { generator: 'Qwen/Qwen3-VL-8B-Instruct', discriminator: '/models/disc' });
    } finally {
      b.cleanup();
    }
  });

  it("a trainer: section recorded in the build's config is named in a note when -c does not give one", async () => {
    const b = makeFakeBuild();
    try {
      const path = join(b.outDir, 'manifest.json');
      const m = JSON.parse(readFileSync(path, 'utf8'));
      m.config = { trainer: { 'trainer.total_epochs': 2 } };
      writeFileSync(path, JSON.stringify(m));
      const base = { profile: 'verl-gad' as const, data: b.outDir, modelPath: '/m/g', rewardModelPath: '/m/d' };
      const plan = await planTraining(base);
      assert.ok(
        plan.notes.some((n) => /trainer: section \(trainer\.total_epochs\); it is not applied: pass -c/.test(n)),
        plan.notes.join(' | '),
      );
      const given = await planTraining({ ...base, configOverrides: { 'trainer.total_epochs': 2 } });
      assert.ok(!given.notes.some((n) => /trainer: section/.test(n)));
      assert.ok(given.command.includes('trainer.total_epochs=2'));
    } finally {
      b.cleanup();
    }
  });

  it('flags beat env, the trainer: section beats defaults, trailing overrides win; --keep-filter-overlong and env overrides', async () => {
    const b = makeFakeBuild();
    try {
      const plan = await planTraining({
        profile: 'verl-gad',
        data: b.outDir,
        python: '/opt/py/bin/python',
        modelPath: '/m/gen',
        rewardModelPath: '/m/disc',
        keepFilterOverlong: true,
        nGpus: 1,
        configOverrides: { trainer: { total_epochs: 2, project_name: 'mine' }, 'actor_rollout_ref.rollout.n': 4 },
        overrides: ['trainer.total_epochs=7', 'trainer.val_before_train=False', 'trainer.resume_mode=disable'],
        env: { ...noEnv, MODEL_PATH: '/env/gen', NCCL_TIMEOUT: '99' },
      });
      const args = plan.command.slice(3);
      assert.equal(plan.command[0], '/opt/py/bin/python');
      assert.ok(args.includes('actor_rollout_ref.model.path=/m/gen'));
      assert.ok(args.includes('data.filter_overlong_prompts=True'));
      assert.ok(args.includes('trainer.n_gpus_per_node=1'));
      assert.ok(args.includes('actor_rollout_ref.rollout.tensor_model_parallel_size=1'));
      assert.ok(args.includes('actor_rollout_ref.rollout.n=4'));
      assert.ok(args.includes('trainer.project_name=mine'));
      assert.equal(args.filter((a) => a.startsWith('trainer.total_epochs=')).length, 1);
      assert.ok(args.includes('trainer.total_epochs=7'));
      assert.equal(args[args.length - 1], 'trainer.resume_mode=disable');
      assert.equal(
        args.filter((a) => a.startsWith('trainer.val_before_train=')).join(),
        'trainer.val_before_train=False',
      );
      assert.ok(args.includes('++data.image_patch_size=14'));
      assert.equal(plan.env.NCCL_TIMEOUT, '99');
    } finally {
      b.cleanup();
    }
  });

  it('verl-grpo has no critic and no reward-loop switch; a missing validation split falls back to train with a note', async () => {
    const b = makeFakeBuild({ kind: 'grpo', splits: { train: 1 } });
    try {
      const plan = await planTraining({
        profile: 'verl-grpo',
        data: b.outDir,
        modelPath: 'Qwen/Qwen2.5-VL-7B-Instruct',
        env: noEnv,
      });
      const args = plan.command.slice(3);
      assert.ok(!args.some((a) => a.startsWith('critic.') || a.startsWith('reward_model.')));
      const train = `data.train_files=["${resolve(b.outDir, b.manifest.shards[0]!.file)}"]`;
      assert.ok(args.includes(train));
      assert.ok(args.includes(train.replace('train_files', 'val_files')));
      assert.ok(plan.notes.some((n) => /no validation split/.test(n)));
      assert.equal(plan.models?.discriminator, undefined);
    } finally {
      b.cleanup();
    }
  });

  it('a folder without manifest.json is a GadError naming the fix', async () => {
    const b = makeFakeBuild();
    try {
      await assert.rejects(
        planTraining({ profile: 'verl-gad', data: join(b.outDir, 'data'), env: noEnv }),
        (e: unknown) => {
          assert.ok(e instanceof GadError);
          assert.match(e.message, /no build manifest/);
          assert.match(e.hint ?? '', /gad-data build/);
          return true;
        },
      );
    } finally {
      b.cleanup();
    }
  });
});

describe('planTraining: easyr1', () => {
  it('writes a config whose data: section comes from the build and the rest from EasyR1 defaults', async () => {
    const b = makeFakeBuild({
      target: 'easyr1',
      kind: 'grpo',
      splits: { train: 2, test: 1 },
      formatPrompt: { name: 'math', file: 'format_prompt.jinja' },
    });
    try {
      const plan = await planTraining({
        profile: 'easyr1',
        data: b.outDir,
        modelPath: '/m/qwen',
        nGpus: 4,
        overrides: ['trainer.total_epochs=1'],
        env: noEnv,
      });
      const cfgPath = join(b.outDir, 'train', 'config.yaml');
      assert.deepEqual(plan.command, [
        'python3',
        '-m',
        'verl.trainer.main',
        `config=${cfgPath}`,
        'trainer.total_epochs=1',
      ]);
      const cfg = YAML.parse(plan.configFile!.text);
      assert.deepEqual(cfg.data, {
        train_files: `${join(b.outDir, 'data')}@train`,
        val_files: join(b.outDir, 'data', 'test-00000-of-00001.parquet'),
        prompt_key: 'problem',
        answer_key: 'answer',
        image_key: 'images',
        video_key: 'videos',
        image_dir: null,
        video_fps: 2.0,
        max_prompt_length: 3072,
        max_response_length: 1536,
        rollout_batch_size: 512,
        mini_rollout_batch_size: null,
        val_batch_size: 1024,
        format_prompt: join(b.outDir, 'train', 'format_prompt.jinja'),
        override_chat_template: null,
        shuffle: true,
        seed: 1,
        min_pixels: b.manifest.resize.minPixels,
        max_pixels: b.manifest.resize.maxPixels,
        filter_overlong_prompts: false,
      });
      assert.equal(cfg.worker.actor.model.model_path, '/m/qwen');
      assert.equal(cfg.trainer.n_gpus_per_node, 4);
      assert.equal(cfg.algorithm.adv_estimator, 'grpo');
      assert.equal(plan.files?.[0]!.text, readFileSync(join(b.outDir, 'format_prompt.jinja'), 'utf8'));
    } finally {
      b.cleanup();
    }
  });

  it('merges onto --base-config and the trainer: section; dry run writes the config and prints it', async () => {
    const b = makeFakeBuild({ target: 'easyr1', kind: 'grpo', splits: { train: 1, validation: 1 } });
    try {
      const base = join(b.root, 'base.yaml');
      writeFileSync(
        base,
        'data:\n  rollout_batch_size: 16\n  prompt_key: question\nworker:\n  actor:\n    model:\n      model_path: base/model\ntrainer:\n  n_gpus_per_node: 2\n  experiment_name: keep_me\n',
      );
      const out = new Capture();
      const code = await runTraining({
        profile: 'easyr1',
        data: b.outDir,
        baseConfig: base,
        dryRun: true,
        configOverrides: { 'worker.rollout.n': 3 },
        env: { ...noEnv, PYTHON: join(b.root, 'no-python') },
        stdout: out as unknown as NodeJS.WritableStream,
      });
      assert.equal(code, 2, 'a dry run whose pre-flight has a FAIL exits 2, as the launch would');
      const written = readFileSync(join(b.outDir, 'train', 'config.yaml'), 'utf8');
      const cfg = YAML.parse(written);
      assert.equal(cfg.data.prompt_key, 'problem');
      assert.equal(cfg.data.rollout_batch_size, 16);
      assert.equal(cfg.data.format_prompt, null);
      // the build's model, not the base config's (named by no --model-path / MODEL_PATH / override)
      assert.equal(cfg.worker.actor.model.model_path, 'Qwen/Qwen2.5-VL-7B-Instruct');
      assert.match(
        out.text,
        /model_path base\/model of the config is replaced by Qwen\/Qwen2\.5-VL-7B-Instruct \(the build's model\);/,
      );
      assert.equal(cfg.worker.rollout.n, 3);
      assert.equal(cfg.trainer.experiment_name, 'keep_me');
      assert.ok(out.text.includes(written), 'the dry run prints the config it wrote');
      assert.match(out.text, /FAIL python: Python ".*no-python" not found/);
      assert.ok(!existsSync(join(b.outDir, 'train.log')), 'a dry run launches nothing');
    } finally {
      b.cleanup();
    }
  });

  it('refuses shards EasyR1 cannot load as one split, and stale files in the shard folder', () => {
    const b = makeFakeBuild({ target: 'easyr1', splits: { train: 2, holdout: 2 } });
    try {
      const shards = (s: string) => b.manifest.shards.filter((x) => x.split === s);
      assert.throws(
        () => easyr1DataPath(b.outDir, 'holdout', shards('holdout')),
        /cannot load the 2 shards of split "holdout"/,
      );
      writeFileSync(join(b.outDir, 'data', 'train-00007-of-00009.parquet'), 'x');
      assert.throws(() => easyr1DataPath(b.outDir, 'train', shards('train')), /would add to split "train"/);
    } finally {
      b.cleanup();
    }
  });
});

describe('formatDryRun', () => {
  it('prints one argument per line with continuations; the text runs in sh to the same argv', async () => {
    const b = makeFakeBuild({ splits: { train: 2, test: 1 } });
    try {
      const plan = await planTraining({
        profile: 'verl-gad',
        data: b.outDir,
        modelPath: "/m/it's gen",
        rewardModelPath: '/m/disc',
        env: noEnv,
      });
      const text = formatDryRun(plan);
      const cmdLines = text.split('\n').filter((l) => l && !l.startsWith('#'));
      assert.equal(cmdLines.length, 3 + 1 + plan.command.length - 3);
      assert.ok(cmdLines.slice(0, -1).every((l) => l.endsWith(' \\')));
      assert.ok(cmdLines.some((l) => l.trim() === 'python3 -m verl.trainer.main_ppo \\'));
      // Run the printed command with `printf` in place of python3: the shell must rebuild the exact argv.
      const script = cmdLines.join('\n').replace('python3 -m verl.trainer.main_ppo', "printf '%s\\n'");
      const { execFileSync } = await import('node:child_process');
      const echoed = execFileSync('sh', ['-c', script]).toString().split('\n').slice(0, -1);
      assert.deepEqual(echoed, plan.command.slice(3));
    } finally {
      b.cleanup();
    }
  });
});
