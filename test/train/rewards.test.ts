import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { build } from '../../src/pipeline/build.js';
import { resolveConfig } from '../../src/config/config.js';
import { GadError } from '../../src/core/errors.js';
import { packagePath } from '../../src/core/paths.js';
import type { Manifest } from '../../src/core/types.js';
import { planTraining } from '../../src/train/plan.js';
import { preflight } from '../../src/train/preflight.js';
import { runTraining } from '../../src/train/run-training.js';
import { type TrainOptions } from '../../src/train/launch-plan.js';
import { Capture, fakeVerlEnv, makeFakeBuild, makeModelDir } from '../helpers/train.js';

// verl's default reward (verl.utils.reward_score.default_compute_score) raises NotImplementedError for a
// data_source it does not know: verl-grpo pre-flight must stop that before the GPUs spin up. verl-gad
// trains on the discriminator (validation: ROUGE-L against the teacher), so it needs no such reward, but
// teacher texts that end unlike the student rollouts are worth a warning.

function withManifest(b: ReturnType<typeof makeFakeBuild>, patch: Partial<Manifest>): void {
  Object.assign(b.manifest, patch);
  writeFileSync(join(b.outDir, 'manifest.json'), JSON.stringify(b.manifest, null, 2));
}

async function checksOf(opts: TrainOptions) {
  const plan = await planTraining(opts);
  return preflight(plan, opts);
}

describe('pre-flight: data_source and verl default reward', () => {
  const env = fakeVerlEnv(join(tmpdir(), 'unused-record.json'));

  it('verl-grpo fails on a data_source verl cannot score, naming it and both fixes', async () => {
    const b = makeFakeBuild({ kind: 'grpo', splits: { train: 1, test: 1 } });
    try {
      withManifest(b, { dataSources: ['hiyouga/geometry3k', 'my_geo_train'] });
      const opts: TrainOptions = {
        profile: 'verl-grpo',
        data: b.outDir,
        modelPath: makeModelDir(b.root, 'm', 'qwen2_5_vl', 14),
        env,
      };
      const reward = (await checksOf(opts)).find((c) => c.check === 'reward');
      assert.ok(reward && !reward.ok, JSON.stringify(reward));
      assert.match(reward.message, /NotImplementedError for data_source "my_geo_train"/);
      assert.doesNotMatch(reward.message, /"hiyouga\/geometry3k"/);
      assert.match(reward.message, /--data-source/);
      assert.match(reward.message, /openai\/gsm8k/);
      assert.match(reward.message, /custom_reward_function\.path=/);
      // A real launch refuses (exit 2), with the reward failure listed.
      await assert.rejects(
        runTraining({ ...opts, stdout: new Capture() as unknown as NodeJS.WritableStream }),
        (e: unknown) => {
          assert.ok(e instanceof GadError);
          assert.equal(e.exitCode, 2);
          assert.match(e.message, /- reward: .*my_geo_train/);
          return true;
        },
      );
    } finally {
      b.cleanup();
    }
  });

  it('verl-grpo passes with a custom reward function, or with data_source values verl knows (aime* by prefix)', async () => {
    const b = makeFakeBuild({ kind: 'grpo', splits: { train: 1, test: 1 } });
    try {
      withManifest(b, { dataSources: ['my_geo_train'] });
      const custom = (
        await checksOf({
          profile: 'verl-grpo',
          data: b.outDir,
          env,
          overrides: ['custom_reward_function.path=/r/reward.py'],
        })
      ).find((c) => c.check === 'reward');
      assert.ok(custom?.ok, JSON.stringify(custom));
      assert.match(custom.message, /\/r\/reward\.py/);
      const fromConfig = (
        await checksOf({
          profile: 'verl-grpo',
          data: b.outDir,
          env,
          configOverrides: { custom_reward_function: { path: 'r.py' } },
        })
      ).find((c) => c.check === 'reward');
      assert.ok(fromConfig?.ok, JSON.stringify(fromConfig));
      withManifest(b, { dataSources: ['hiyouga/geometry3k', 'aime2024', 'openai/gsm8k'] });
      const known = (await checksOf({ profile: 'verl-grpo', data: b.outDir, env })).find((c) => c.check === 'reward');
      assert.ok(known?.ok, JSON.stringify(known));
    } finally {
      b.cleanup();
    }
  });

  it('verl-gad does not fail on data_source; it warns (naming --teacher-ending append) when teacher texts end unlike rollouts', async () => {
    const b = makeFakeBuild({ kind: 'gad', splits: { train: 1, test: 1 } });
    try {
      withManifest(b, {
        dataSources: ['my_geo_train'],
        teacherEnding: { policy: 'keep', endingWithImEnd: 0, total: 300 },
      });
      const checks = await checksOf({ profile: 'verl-gad', data: b.outDir, env });
      assert.equal(
        checks.find((c) => c.check === 'reward'),
        undefined,
      );
      const te = checks.find((c) => c.check === 'teacher ending');
      assert.ok(te?.ok && te.warn, JSON.stringify(te));
      assert.match(te.message, /0 of 300 teacher responses end with <\|im_end\|>/);
      assert.match(te.message, /--teacher-ending append/);
      const out = new Capture();
      await runTraining({
        profile: 'verl-gad',
        data: b.outDir,
        env,
        dryRun: true,
        stdout: out as unknown as NodeJS.WritableStream,
      });
      assert.match(out.text, /# {3}WARN teacher ending: 0 of 300/);
      withManifest(b, { teacherEnding: { policy: 'append', endingWithImEnd: 300, total: 300 } });
      assert.equal(
        (await checksOf({ profile: 'verl-gad', data: b.outDir, env })).find((c) => c.check === 'teacher ending'),
        undefined,
      );
    } finally {
      b.cleanup();
    }
  });
});

describe('build: records data_source values and warns', () => {
  it('a local verl GRPO build records data_source (the file name) and warns that verl cannot score it', async () => {
    const root = mkdtempSync(join(tmpdir(), 'gad-ds-'));
    try {
      const warnings: string[] = [];
      const out = join(root, 'out');
      const r = await build(
        resolveConfig({
          flags: {
            data: {
              train_files: packagePath('fixtures', 'sample', 'train.jsonl'),
              val_files: packagePath('fixtures', 'sample', 'test.jsonl'),
              max_prompt_length: 2048,
              format_prompt: 'math',
            },
            target: 'verl',
            model: 'qwen3-vl',
            id_key: 'id',
            out,
          },
        }),
        { onWarning: (m) => warnings.push(m) },
      );
      assert.equal(r.manifest.kind, 'grpo');
      assert.deepEqual(r.manifest.dataSources, ['test', 'train']);
      const w = warnings.find((x) => /NotImplementedError/.test(x));
      assert.ok(w, warnings.join('\n'));
      assert.match(w, /"test", "train"/);
      assert.match(w, /--data-source/);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });

  it('a GAD build whose teacher texts mostly lack <|im_end|> warns, naming --teacher-ending append', async () => {
    const root = mkdtempSync(join(tmpdir(), 'gad-te-'));
    try {
      const warnings: string[] = [];
      const r = await build({ out: join(root, 'out') }, { onWarning: (m) => warnings.push(m) });
      const te = r.manifest.teacherEnding!;
      assert.ok(te.total > 0 && te.endingWithImEnd < te.total, JSON.stringify(te));
      const w = warnings.find((x) => /teacher responses end with/.test(x));
      assert.ok(w, warnings.join('\n'));
      assert.match(w, new RegExp(`^${te.endingWithImEnd} of ${te.total} teacher responses`));
      assert.match(w, /--teacher-ending append/);
      assert.ok(!warnings.some((x) => /NotImplementedError/.test(x)), 'no data_source warning for a GAD build');
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});
