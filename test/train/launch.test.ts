import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { GadError } from '../../src/core/errors.js';
import type { ShardInfo } from '../../src/core/types.js';
import { packagePath, packageRoot } from '../../src/core/paths.js';
import { planTraining } from '../../src/train/plan.js';
import { preflight } from '../../src/train/preflight.js';
import { runTraining } from '../../src/train/run-training.js';
import { type TrainOptions } from '../../src/train/launch-plan.js';
import { readVerlRecord } from '../helpers/verl-record.js';
import { Capture, fakeVerlEnv, makeFakeBuild, makeModelDir } from '../helpers/train.js';

/** A bin folder with an `nvidia-smi` that lists `n` GPUs, put first on PATH. */
function fakeSmi(dir: string, n: number): string {
  mkdirSync(dir, { recursive: true });
  const lines = Array.from(
    { length: n },
    (_, i) => `echo "GPU ${i}: NVIDIA H100 80GB HBM3 (UUID: GPU-${i}0000000-0000-0000-0000-000000000000)"`,
  );
  writeFileSync(join(dir, 'nvidia-smi'), `#!/bin/sh\n${lines.join('\n')}\n`);
  chmodSync(join(dir, 'nvidia-smi'), 0o755);
  return dir;
}

function setup(o: Parameters<typeof makeFakeBuild>[0] = {}, gpus = 2) {
  const b = makeFakeBuild(o);
  const record = join(b.root, 'record.json');
  const family = b.manifest.model.family;
  const gen = makeModelDir(
    b.root,
    'gen',
    family === 'qwen3-vl' ? 'qwen3_vl' : 'qwen2_5_vl',
    b.manifest.model.patchSize,
  );
  const disc = makeModelDir(
    b.root,
    'disc',
    family === 'qwen3-vl' ? 'qwen3_vl' : 'qwen2_5_vl',
    b.manifest.model.patchSize,
  );
  const bin = fakeSmi(join(b.root, 'bin'), gpus);
  const env = fakeVerlEnv(record, { PATH: `${bin}${delimiter}${process.env.PATH}` });
  return { b, record, gen, disc, env, read: () => readVerlRecord({ file: record }) };
}

function failed(checks: Awaited<ReturnType<typeof preflight>>, name: string) {
  const c = checks.find((x) => x.check === name);
  assert.ok(c, `check ${name} present in ${JSON.stringify(checks)}`);
  assert.equal(c.ok, false, `check ${name} should fail: ${c.message}`);
  return c.message;
}

describe('runTraining with a real python3 and the recording verl', () => {
  it('verl-gad: the trainer gets exactly the planned overrides and environment; output is teed to train.log', async () => {
    const s = setup({ family: 'qwen3-vl', splits: { train: 2, test: 1 } });
    try {
      const opts: TrainOptions = {
        profile: 'verl-gad',
        data: s.b.outDir,
        modelPath: s.gen,
        rewardModelPath: s.disc,
        env: s.env,
        overrides: ['trainer.total_epochs=1'],
      };
      const out = new Capture();
      const err = new Capture();
      const code = await runTraining({
        ...opts,
        stdout: out as unknown as NodeJS.WritableStream,
        stderr: err as unknown as NodeJS.WritableStream,
      });
      assert.equal(code, 0);
      const rec = s.read();
      const plan = await planTraining(opts);
      assert.equal(rec.module, 'verl.trainer.main_ppo');
      assert.deepEqual(rec.argv.slice(1), plan.command.slice(3));
      assert.ok(rec.argv.includes(`actor_rollout_ref.model.path=${s.gen}`));
      assert.ok(rec.argv.includes(`critic.model.path=${s.disc}`));
      assert.ok(rec.argv.includes('++data.image_patch_size=16'));
      assert.ok(rec.argv.includes('trainer.total_epochs=1'));
      assert.equal(rec.env.HYDRA_FULL_ERROR, '1');
      assert.equal(rec.env.TOKENIZERS_PARALLELISM, 'true');
      assert.equal(rec.env.NCCL_TIMEOUT, '36000');
      assert.match(out.text, /fake verl\.trainer\.main_ppo starting/);
      assert.match(err.text, /hello on stderr/);
      const log = readFileSync(join(s.b.outDir, 'train.log'), 'utf8');
      assert.match(log, /fake verl\.trainer\.main_ppo starting/);
      assert.match(log, /hello on stderr/);
      assert.match(log, /# exit 0/);
    } finally {
      s.b.cleanup();
    }
  });

  it("passes the trainer's exit code through, and an environment value of the caller wins", async () => {
    const s = setup({ kind: 'grpo' });
    try {
      const env = { ...s.env, FAKE_VERL_EXIT: '7', TOKENIZERS_PARALLELISM: 'false' };
      const code = await runTraining({
        profile: 'verl-grpo',
        data: s.b.outDir,
        modelPath: s.gen,
        env,
        stdout: new Capture() as unknown as NodeJS.WritableStream,
        stderr: new Capture() as unknown as NodeJS.WritableStream,
      });
      assert.equal(code, 7);
      assert.equal(s.read().env.TOKENIZERS_PARALLELISM, 'false');
      assert.match(readFileSync(join(s.b.outDir, 'train.log'), 'utf8'), /# exit 7/);
    } finally {
      s.b.cleanup();
    }
  });

  it('easyr1: runs verl.trainer.main with config=<written config> and the trailing overrides', async () => {
    const s = setup({ target: 'easyr1', kind: 'grpo', splits: { train: 1, test: 1 }, rowsPerShard: 600 }, 8);
    try {
      // run from an EasyR1 checkout: the example config's reward function is ./examples/reward_function/math.py
      const root = join(s.b.root, 'EasyR1');
      mkdirSync(join(root, 'examples', 'reward_function'), { recursive: true });
      writeFileSync(join(root, 'examples', 'reward_function', 'math.py'), 'def compute_score(x):\n    return []\n');
      const code = await runTraining({
        profile: 'easyr1',
        data: s.b.outDir,
        cwd: root,
        modelPath: s.gen,
        env: s.env,
        overrides: ['trainer.val_freq=2'],
        stdout: new Capture() as unknown as NodeJS.WritableStream,
        stderr: new Capture() as unknown as NodeJS.WritableStream,
      });
      assert.equal(code, 0);
      const rec = s.read();
      const cfg = join(s.b.outDir, 'train', 'config.yaml');
      assert.equal(rec.module, 'verl.trainer.main');
      assert.deepEqual(rec.argv.slice(1), [`config=${cfg}`, 'trainer.val_freq=2']);
      assert.match(
        readFileSync(cfg, 'utf8'),
        new RegExp(`model_path: ${s.gen.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}`),
      );
    } finally {
      s.b.cleanup();
    }
  });

  it('forwards SIGINT to the trainer and exits with its code (separate process)', async () => {
    const s = setup();
    try {
      const env = { ...s.env, FAKE_VERL_SLEEP: '30' };
      const opts = { profile: 'verl-gad', data: s.b.outDir, modelPath: s.gen, rewardModelPath: s.disc, env };
      const here = fileURLToPath(import.meta.url);
      const ts = here.endsWith('.ts');
      const helper = join(here, '..', '..', 'helpers', `run-train-cli.${ts ? 'ts' : 'js'}`);
      const child = spawn(process.execPath, [...(ts ? ['--import', 'tsx'] : []), helper, JSON.stringify(opts)], {
        cwd: packageRoot(),
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let out = '';
      child.stdout.on('data', (d) => (out += d));
      child.stderr.on('data', (d) => (out += d));
      const exited = new Promise<number | null>((r) => child.on('close', (c) => r(c)));
      const deadline = Date.now() + 480_000;
      while (!existsSync(`${s.record}.ready`)) {
        if (Date.now() > deadline || child.exitCode !== null) throw new Error(`trainer never became ready: ${out}`);
        await new Promise((r) => setTimeout(r, 50));
      }
      child.kill('SIGINT');
      const code = await exited;
      assert.equal(code, 130, out);
      assert.equal(s.read().signal, 'got SIGINT');
      assert.match(readFileSync(join(s.b.outDir, 'train.log'), 'utf8'), /got SIGINT/);
    } finally {
      s.b.cleanup();
    }
  });
});

describe('pre-flight', () => {
  async function checksFor(
    s: ReturnType<typeof setup>,
    extra: Partial<TrainOptions> = {},
    profile: TrainOptions['profile'] = 'verl-gad',
  ) {
    const opts: TrainOptions = {
      profile,
      data: s.b.outDir,
      modelPath: s.gen,
      rewardModelPath: s.disc,
      env: s.env,
      ...extra,
    };
    return preflight(await planTraining(opts), opts);
  }

  it('passes on a good setup and reads the verl version', async () => {
    const s = setup();
    try {
      const checks = await checksFor(s);
      assert.deepEqual(
        checks.filter((c) => !c.ok),
        [],
      );
      assert.match(checks.find((c) => c.check === 'verl')!.message, /verl 0\.0\.0-fake/);
      assert.match(checks.find((c) => c.check === 'gpus')!.message, /2 GPU/);
    } finally {
      s.b.cleanup();
    }
  });

  it('no python; verl not importable', async () => {
    const s = setup();
    try {
      let checks = await checksFor(s, { python: join(s.b.root, 'nowhere', 'python3') });
      assert.match(failed(checks, 'python'), /not found: install Python 3, or pass --python/);
      const env = { ...s.env, PYTHONPATH: join(s.b.root, 'empty') };
      checks = await checksFor(s, { env });
      assert.match(failed(checks, 'verl'), /`import verl` fails .*ModuleNotFoundError.*install verl/);
    } finally {
      s.b.cleanup();
    }
  });

  it('model path missing or not given; a model of another family than the build', async () => {
    const s = setup({ family: 'qwen2.5-vl' });
    try {
      let checks = await checksFor(s, { modelPath: join(s.b.root, 'missing-model') });
      assert.match(failed(checks, 'generator model'), /does not exist: pass --model-path/);
      assert.match(
        failed(checks, 'generator model'),
        /HF_ENDPOINT=https:\/\/hf-mirror\.com hf download .*modelscope download --model .*HF_HUB_OFFLINE=1/,
      );
      checks = await checksFor(s, { rewardModelPath: '' });
      assert.match(
        failed(checks, 'discriminator model'),
        /no discriminator model given: pass --reward-model-path .* REWARD_MODEL_PATH/,
      );
      const q3 = makeModelDir(s.b.root, 'q3', 'qwen3_vl', 16);
      checks = await checksFor(s, { modelPath: q3 });
      assert.match(
        failed(checks, 'generator model'),
        /made for qwen2\.5-vl .* is qwen3-vl \(from config\.json model_type qwen3_vl\)/,
      );
      // The bundled Qwen3-VL files have no config.json: the processor's patch size tells.
      checks = await checksFor(s, { rewardModelPath: packagePath('fixtures', 'models', 'qwen3-vl') });
      assert.match(
        failed(checks, 'discriminator model'),
        /is qwen3-vl \(from preprocessor_config\.json patch_size 16\)/,
      );
      checks = await checksFor(s, { modelPath: 'Qwen/Qwen3-VL-8B-Instruct' });
      assert.match(failed(checks, 'generator model'), /is qwen3-vl \(from its name\)/);
      checks = await checksFor(s, { modelPath: 'Qwen/Qwen2.5-VL-7B-Instruct' });
      assert.equal(checks.find((c) => c.check === 'generator model')!.ok, true);
    } finally {
      s.b.cleanup();
    }
  });

  it('shard missing; sha256 mismatch (and --no-verify skips the hash)', async () => {
    const s = setup({ splits: { train: 2, test: 1 } });
    try {
      const [a, bShard] = s.b.manifest.shards as [ShardInfo, ShardInfo];
      const pb = join(s.b.outDir, bShard.file);
      const bytes = readFileSync(pb);
      bytes[0]! ^= 0xff;
      writeFileSync(pb, bytes);
      let checks = await checksFor(s);
      assert.match(
        failed(checks, 'shards'),
        new RegExp(`${bShard.file.replace(/[.]/g, '\\.')} sha256 .* differs from the manifest's .*rebuild it`),
      );
      checks = await checksFor(s, { noVerify: true });
      assert.equal(checks.find((c) => c.check === 'shards')!.ok, true);
      rmSync(join(s.b.outDir, a.file));
      checks = await checksFor(s, { noVerify: true });
      assert.match(failed(checks, 'shards'), new RegExp(`${a.file.replace(/[.]/g, '\\.')} is missing`));
    } finally {
      s.b.cleanup();
    }
  });

  it('GPU count from nvidia-smi below n_gpus_per_node; absent nvidia-smi is a note', async () => {
    const s = setup({}, 1);
    try {
      let checks = await checksFor(s);
      assert.match(
        failed(checks, 'gpus'),
        /nvidia-smi lists 1 GPU\(s\) but trainer\.n_gpus_per_node=2: pass --n-gpus 1/,
      );
      checks = await checksFor(s, { nGpus: 1 });
      assert.equal(checks.find((c) => c.check === 'gpus')!.ok, true);
      const which = spawn('sh', ['-c', 'command -v nvidia-smi'], { env: process.env });
      const hasReal = await new Promise<boolean>((r) => which.on('close', (c) => r(c === 0)));
      if (!hasReal) {
        checks = await checksFor(s, { env: { ...s.env, PATH: process.env.PATH } });
        const g = checks.find((c) => c.check === 'gpus')!;
        assert.equal(g.ok, true);
        assert.match(g.message, /nvidia-smi not found: GPU count not checked/);
      }
    } finally {
      s.b.cleanup();
    }
  });

  it('profile against build: GAD without teacher data, EasyR1 on a verl build; a batch larger than the train split', async () => {
    const s = setup({ kind: 'grpo', rowsPerShard: 5 });
    try {
      let checks = await checksFor(s);
      assert.match(failed(checks, 'build'), /needs teacher responses .* use --profile verl-grpo/);
      assert.match(failed(checks, 'batch size'), /train split has 10 rows, fewer than data\.train_batch_size=32/);
      checks = await checksFor(s, { overrides: ['data.train_batch_size=8'] }, 'verl-grpo');
      assert.deepEqual(
        checks.filter((c) => !c.ok),
        [],
      );
      checks = await checksFor(s, {}, 'easyr1');
      assert.match(failed(checks, 'build'), /made for verl but profile easyr1 launches easyr1/);
    } finally {
      s.b.cleanup();
    }
  });

  it('runTraining refuses to launch on a failed pre-flight: GadError exit 2 listing each failure', async () => {
    const s = setup();
    try {
      rmSync(join(s.b.outDir, s.b.manifest.shards[0]!.file));
      await assert.rejects(
        runTraining({
          profile: 'verl-gad',
          data: s.b.outDir,
          modelPath: join(s.b.root, 'nope'),
          rewardModelPath: s.disc,
          env: s.env,
        }),
        (e: unknown) => {
          assert.ok(e instanceof GadError);
          assert.equal(e.exitCode, 2);
          assert.match(e.message, /pre-flight failed \(2 of \d+ checks\)/);
          assert.match(e.message, /- generator model: .* does not exist/);
          assert.match(e.message, /- shards: .* is missing/);
          return true;
        },
      );
      assert.ok(!existsSync(s.record), 'the trainer was not started');
    } finally {
      s.b.cleanup();
    }
  });
});
