import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { planTraining } from '../../src/train/plan.js';
import { runTraining } from '../../src/train/run-training.js';
import { type TrainOptions } from '../../src/train/launch-plan.js';
import { readVerlRecord } from '../helpers/verl-record.js';
import { Capture, fakeVerlEnv, makeFakeBuild } from '../helpers/train.js';

// `train --export-script run.sh` writes the dry run as a bash script; run through real bash and python3
// with the recording fake verl, it must start the trainer with exactly the dry run's argv and environment.

const SCRIPT_VARS = [
  'TRAIN_FILES',
  'VAL_FILES',
  'EXP_NAME',
  'SAVE_DIR',
  'SWANLAB_PROJECT',
  'TRAIN_BATCH_SIZE',
  'VAL_BATCH_SIZE',
  'MAX_PROMPT_LENGTH',
  'MAX_RESPONSE_LENGTH',
  'PPO_MINI_BATCH_SIZE',
  'ROLLOUT_N',
  'ACTOR_LR',
  'CRITIC_LR',
  'GEN_TP',
];

/** Environment for running the exported script: the fake verl, and none of the script's variables. */
function scriptEnv(record: string, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env = fakeVerlEnv(record, extra);
  for (const k of SCRIPT_VARS) if (!(k in extra)) delete env[k];
  return env;
}

function runScript(script: string, cwd: string, env: NodeJS.ProcessEnv, args: string[] = []) {
  const r = spawnSync('bash', [script, ...args], { cwd, env, encoding: 'utf8', timeout: 600_000 });
  assert.equal(r.status, 0, `bash ${script} failed: ${r.stderr}`);
  return r;
}

const cases: Array<{
  name: string;
  profile: TrainOptions['profile'];
  build: Parameters<typeof makeFakeBuild>[0];
  opts: Partial<TrainOptions>;
}> = [
  {
    name: 'verl-gad (variables at the top, a model path with a quote and a space, a trailing override)',
    profile: 'verl-gad',
    build: { family: 'qwen3-vl', splits: { train: 2, test: 1 } },
    opts: {
      modelPath: "/models/it's gen",
      rewardModelPath: '/models/disc',
      overrides: ['trainer.total_epochs=1', '+trainer.extra="a b"'],
    },
  },
  {
    name: 'verl-grpo',
    profile: 'verl-grpo',
    build: { kind: 'grpo', splits: { train: 1, test: 1 } },
    opts: { modelPath: 'Qwen/Qwen2.5-VL-7B-Instruct' },
  },
  {
    name: 'easyr1 (config= file)',
    profile: 'easyr1',
    build: { target: 'easyr1', kind: 'grpo', splits: { train: 1, test: 1 } },
    opts: { modelPath: '/m/qwen', overrides: ['trainer.total_epochs=2'] },
  },
];

describe('train --export-script', () => {
  for (const c of cases) {
    it(`${c.name}: the script run by bash gives the trainer the dry run's argv and environment`, async () => {
      const b = makeFakeBuild(c.build);
      try {
        const record = join(b.root, 'record.json');
        const script = join(b.root, 'scripts', 'run.sh');
        const env = scriptEnv(record);
        const opts: TrainOptions = { profile: c.profile, data: b.outDir, env, cwd: b.root, ...c.opts };
        const out = new Capture();
        assert.equal(
          await runTraining({ ...opts, exportScript: script, stdout: out as unknown as NodeJS.WritableStream }),
          0,
        );
        assert.ok(!existsSync(record), 'exporting launches nothing');
        assert.match(out.text, /wrote .*run\.sh/);
        assert.ok(statSync(script).mode & 0o100, 'the script is executable');
        const text = readFileSync(script, 'utf8');
        assert.match(text, /^#!\/bin\/bash\n/);
        assert.match(text, /\nset -x\n/);
        assert.match(text, /\nexport NCCL_TIMEOUT=\$\{NCCL_TIMEOUT:-36000\}\n/);
        const plan = await planTraining(opts);
        // One argument per line, as in the seed script.
        const body = text.slice(text.indexOf(`${plan.command[0]} `));
        assert.equal(body.trimEnd().split('\n').length, 1 + plan.command.length - (plan.command[1] === '-m' ? 3 : 1));
        if (plan.configFile) assert.ok(existsSync(plan.configFile.path), 'the config the script refers to is written');

        runScript(script, b.root, env);
        const rec = readVerlRecord({ file: record });
        assert.equal(rec.module, plan.command[2]);
        assert.deepEqual(rec.argv.slice(1), plan.command.slice(3));
        for (const [k, v] of Object.entries(plan.env)) assert.equal(rec.env[k], v, k);
      } finally {
        b.cleanup();
      }
    });
  }

  it("verl-gad: the script's variables work as in the seed script (the environment wins; extra arguments are passed on)", async () => {
    const b = makeFakeBuild({ family: 'qwen3-vl', splits: { train: 1, test: 1 } });
    try {
      const record = join(b.root, 'record.json');
      const script = join(b.root, 'run.sh');
      const opts: TrainOptions = {
        profile: 'verl-gad',
        data: b.outDir,
        env: scriptEnv(record),
        cwd: b.root,
        modelPath: '/models/gen',
        rewardModelPath: '/models/disc',
      };
      await runTraining({ ...opts, exportScript: script, stdout: new Capture() as unknown as NodeJS.WritableStream });
      const text = readFileSync(script, 'utf8');
      assert.match(text, /\nTRAIN_BATCH_SIZE=\$\{TRAIN_BATCH_SIZE:-32\}\n/);
      assert.match(text, /\n {4}data\.train_batch_size="\$TRAIN_BATCH_SIZE" \\\n/);
      assert.match(text, /\n {4}trainer\.default_local_dir="\$SAVE_DIR" "\$@"\n$/);

      const extra = { TRAIN_BATCH_SIZE: '8', EXP_NAME: 'other', SAVE_DIR: '/ckpt/other' };
      runScript(script, b.root, scriptEnv(record, extra), ['trainer.total_epochs=1']);
      const rec = readVerlRecord({ file: record });
      const plan = await planTraining({ ...opts, env: scriptEnv(record, extra) });
      assert.deepEqual(rec.argv.slice(1), [...plan.command.slice(3), 'trainer.total_epochs=1']);
      assert.ok(rec.argv.includes('data.train_batch_size=8'));
      assert.ok(rec.argv.includes('trainer.default_local_dir=/ckpt/other'));
    } finally {
      b.cleanup();
    }
  });
});
