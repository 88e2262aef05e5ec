import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { packagePath } from '../../src/core/paths.js';
import { planTraining } from '../../src/train/plan.js';
import { preflight } from '../../src/train/preflight.js';
import { type TrainOptions } from '../../src/train/launch-plan.js';
import { fakeVerlEnv, makeFakeBuild } from '../helpers/train.js';

// Pre-flight resolves every path the launch passes from the folder the trainer runs in (EasyR1 goes on without a
// reward function it cannot find, then fails with "Reward function is not provided").

const EXAMPLE = packagePath('test', 'fixtures', 'easyr1', 'config.yaml');

async function pathsCheck(opts: TrainOptions) {
  const plan = await planTraining(opts);
  const c = (await preflight(plan, opts)).find((x) => x.check === 'paths');
  assert.ok(c, 'a paths check');
  return c;
}

describe('pre-flight: the paths of the launch, from the folder the trainer runs in', () => {
  it("easyr1: the example config's ./examples/reward_function/math.py exists only from EasyR1's root", async () => {
    const b = makeFakeBuild({ target: 'easyr1', kind: 'grpo', splits: { train: 1, test: 1 } });
    try {
      const root = join(b.root, 'EasyR1');
      mkdirSync(join(root, 'examples', 'reward_function'), { recursive: true });
      mkdirSync(join(root, 'examples', 'format_prompt'), { recursive: true });
      copyFileSync(EXAMPLE, join(root, 'examples', 'config.yaml'));
      writeFileSync(join(root, 'examples', 'reward_function', 'math.py'), 'def compute_score(x):\n    return []\n');
      writeFileSync(join(root, 'examples', 'format_prompt', 'math.jinja'), '{{ content }}');
      const env = fakeVerlEnv(join(b.root, 'rec.json'));
      const base: TrainOptions = { profile: 'easyr1', data: b.outDir, baseConfig: EXAMPLE, env };
      let c = await pathsCheck({ ...base, cwd: root });
      assert.equal(c.ok, true, c.message);
      c = await pathsCheck({ ...base, cwd: b.root });
      assert.equal(c.ok, false);
      assert.match(
        c.message,
        /worker\.reward\.reward_function \.\/examples\/reward_function\/math\.py:compute_score \(.*EasyR1\/examples|worker\.reward\.reward_function \.\/examples\/reward_function\/math\.py:compute_score \(/,
      );
      assert.match(c.message, /run gad-data train from that folder/);
      // an override after -- is the value checked: a format prompt, a chat template, a data file
      c = await pathsCheck({
        ...base,
        cwd: root,
        overrides: [
          'data.format_prompt=./examples/format_prompt/missing.jinja',
          'data.override_chat_template=/nowhere/t.jinja',
          'data.val_files=./val.parquet',
          'worker.reward.reward_function=./examples/reward_function/math.py',
        ],
      });
      assert.equal(c.ok, false);
      assert.match(c.message, /data\.format_prompt \.\/examples\/format_prompt\/missing\.jinja/);
      assert.match(c.message, /data\.override_chat_template \/nowhere\/t\.jinja/);
      assert.match(c.message, /data\.val_files \.\/val\.parquet/);
      assert.doesNotMatch(c.message, /worker\.reward\.reward_function \.\//, 'a path without :name is the file itself');
      // a Hub dataset is not a local path
      c = await pathsCheck({ ...base, cwd: root, overrides: ['data.val_files=hiyouga/math12k@test'] });
      assert.equal(c.ok, true, c.message);
    } finally {
      b.cleanup();
    }
  });

  it("verl: custom_reward_function.path and the data files are resolved from the trainer's folder", async () => {
    const b = makeFakeBuild({ target: 'verl', kind: 'grpo', splits: { train: 1, test: 1 } });
    try {
      mkdirSync(join(b.root, 'rewards'));
      writeFileSync(join(b.root, 'rewards', 'geo.py'), 'def compute_score(*a): return 0\n');
      const env = fakeVerlEnv(join(b.root, 'rec.json'));
      const base: TrainOptions = { profile: 'verl-grpo', data: b.outDir, env, cwd: b.root };
      let c = await pathsCheck({ ...base, overrides: ['custom_reward_function.path=rewards/geo.py'] });
      assert.equal(c.ok, true, c.message);
      c = await pathsCheck({ ...base, cwd: b.outDir, overrides: ['custom_reward_function.path=rewards/geo.py'] });
      assert.equal(c.ok, false);
      assert.match(c.message, /custom_reward_function\.path rewards\/geo\.py/);
      c = await pathsCheck({ ...base, overrides: ['data.train_files=[/gone/a.parquet,hdfs://x/b.parquet]'] });
      assert.equal(c.ok, false);
      assert.match(c.message, /data\.train_files \/gone\/a\.parquet/);
      assert.doesNotMatch(c.message, /hdfs/);
    } finally {
      b.cleanup();
    }
  });
});
