import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import YAML from 'yaml';
import { packagePath } from '../../src/core/paths.js';
import { runCli } from '../helpers/gad-cli.js';
import { rejectedKeys } from '../helpers/easyr1-keys.js';
import { fakeVerlEnv, makeFakeBuild } from '../helpers/train.js';

// `train --profile easyr1 -c examples/config.yaml`: EasyR1's own config is merged section by section (its trainer:
// section is EasyR1's TrainerConfig, not gad-data.yaml's trainer: overrides), and the config written loads in
// EasyR1's PPOConfig (the key tree at the pinned commit).

const EXAMPLE = packagePath('test', 'fixtures', 'easyr1', 'config.yaml');

describe('train --profile easyr1 -c EASYR1_CONFIG', () => {
  it("keeps EasyR1's sections as sections: the written config loads in PPOConfig", async () => {
    const b = makeFakeBuild({ target: 'easyr1', kind: 'grpo', splits: { train: 1, test: 1 } });
    try {
      const root = join(b.root, 'EasyR1');
      mkdirSync(join(root, 'examples'), { recursive: true });
      copyFileSync(EXAMPLE, join(root, 'examples', 'config.yaml'));
      // the user's edit of the example: fewer epochs, another rollout n
      const text = readFileSync(EXAMPLE, 'utf8').replace('total_epochs: 15', 'total_epochs: 2').replace('n: 5', 'n: 3');
      writeFileSync(join(root, 'mine.yaml'), text);
      const env = fakeVerlEnv(join(b.root, 'rec.json'));
      const r = await runCli(['train', '--profile', 'easyr1', '--data', b.outDir, '-c', 'mine.yaml', '--dry-run'], {
        cwd: root,
        env,
        timeoutMs: 240_000,
      });
      assert.ok(r.status === 0 || r.status === 2, r.stderr);
      const cfg = YAML.parse(readFileSync(join(b.outDir, 'train', 'config.yaml'), 'utf8')) as Record<string, any>;
      assert.deepEqual(rejectedKeys(cfg), [], 'every key is one of PPOConfig');
      assert.equal(cfg.total_epochs, undefined, 'no trainer key at the top level');
      assert.equal(cfg.trainer.total_epochs, 2, "the file's trainer: section is EasyR1's trainer section");
      assert.equal(cfg.worker.rollout.n, 3);
      assert.equal(
        cfg.data.train_files,
        join(b.outDir, 'data', 'train-00000-of-00001.parquet'),
        'data: from the build',
      );
      assert.equal(cfg.worker.actor.model.model_path, 'Qwen/Qwen2.5-VL-7B-Instruct', "the build's model");
      assert.doesNotMatch(r.stdout, /pass -c with that config/, 'no note telling to pass -c');
      // a verl profile cannot take an EasyR1 config's sections: a clear error, exit 2
      const v = await runCli(['train', '--profile', 'verl-grpo', '--data', b.outDir, '-c', 'mine.yaml', '--dry-run'], {
        cwd: root,
        env,
        timeoutMs: 240_000,
      });
      assert.equal(v.status, 2, v.stderr);
      assert.match(v.stderr, /is an EasyR1 config .* use --profile easyr1/s);
    } finally {
      b.cleanup();
    }
  });

  it("a build made from an EasyR1 config gets no note about gad-data.yaml's trainer: section", async () => {
    const b = makeFakeBuild({ target: 'easyr1', kind: 'grpo', splits: { train: 1, test: 1 } });
    try {
      const p = join(b.outDir, 'manifest.json');
      const m = JSON.parse(readFileSync(p, 'utf8'));
      m.config = YAML.parse(readFileSync(EXAMPLE, 'utf8'));
      writeFileSync(p, JSON.stringify(m));
      const { planTraining } = await import('../../src/train/plan.js');
      const plan = await planTraining({ profile: 'easyr1', data: b.outDir, env: fakeVerlEnv(join(b.root, 'r.json')) });
      assert.ok(!plan.notes.some((n) => /trainer: section/.test(n)), plan.notes.join('\n'));
    } finally {
      b.cleanup();
    }
  });
});
