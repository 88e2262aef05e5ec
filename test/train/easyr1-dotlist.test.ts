/**
 * `train --profile easyr1 config=FILE key.path=value …`: EasyR1's own command line (verl/trainer/main.py pops
 * `config` from OmegaConf.from_cli(), loads it, merges the other pairs over it). Before, `config=FILE` went through
 * to EasyR1's command line after the config gad-data writes, and from_cli's last `config` replaced that config, the
 * build's data paths with it. Checked against the PPOConfig key tree at the pinned EasyR1 commit
 * (test/fixtures/easyr1/ppo-config-keys.json): the file then the overrides, as EasyR1 merges them, loads.
 */
import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, readFileSync, realpathSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import YAML from 'yaml';
import { packagePath } from '../../src/core/paths.js';
import { runCli } from '../helpers/gad-cli.js';
import { rejectedKeys } from '../helpers/easyr1-keys.js';
import { fakeVerlEnv, makeFakeBuild } from '../helpers/train.js';

const EXAMPLE = packagePath('test', 'fixtures', 'easyr1', 'config.yaml');

/** EasyR1's merge of the CLI pairs over a config: OmegaConf.from_dotlist values (YAML scalars) set at their paths. */
function mergeDotlist(config: Record<string, any>, pairs: string[]): Record<string, any> {
  const out = structuredClone(config);
  for (const p of pairs) {
    const eq = p.indexOf('=');
    const path = p.slice(0, eq).split('.');
    let at = out;
    for (const k of path.slice(0, -1)) at = at[k] ??= {};
    at[path[path.length - 1]!] = YAML.parse(p.slice(eq + 1));
  }
  return out;
}

describe('train --profile easyr1 config=FILE key=value', () => {
  it('the file, then the overrides; one config= on the command line, the data from the build', async () => {
    const b = makeFakeBuild({ target: 'easyr1', kind: 'grpo', splits: { train: 1, test: 1 } });
    try {
      const root = join(b.root, 'EasyR1');
      mkdirSync(join(root, 'examples'), { recursive: true });
      const text = readFileSync(EXAMPLE, 'utf8').replace('total_epochs: 15', 'total_epochs: 2').replace('n: 5', 'n: 3');
      writeFileSync(join(root, 'examples', 'config.yaml'), text);
      copyFileSync(EXAMPLE, join(root, 'examples', 'original.yaml'));
      symlinkSync(b.outDir, join(root, 'out'));
      const env = fakeVerlEnv(join(b.root, 'rec.json'));
      const pairs = ['worker.rollout.n=7', 'trainer.experiment_name=geo_grpo', 'algorithm.kl_coef=1.0e-2'];
      const r = await runCli(
        ['train', '--profile', 'easyr1', '--data', 'out', 'config=examples/config.yaml', ...pairs, '--dry-run'],
        { cwd: root, env, timeoutMs: 240_000 },
      );
      assert.ok(r.status === 0 || r.status === 2, r.stderr);
      const configLines = r.stdout.split('\n').filter((l) => /^\s*config=/.test(l));
      assert.equal(configLines.length, 1, `one config= on EasyR1's command line:\n${r.stdout}`);
      assert.match(configLines[0]!, /train\/config\.yaml/);
      for (const p of pairs) assert.match(r.stdout, new RegExp(`^\\s+${p.replace(/[.]/g, '\\.')}\\b`, 'm'));

      const written = YAML.parse(readFileSync(join(b.outDir, 'train', 'config.yaml'), 'utf8')) as Record<string, any>;
      assert.equal(written.trainer.total_epochs, 2, 'the file');
      assert.equal(written.worker.rollout.n, 3, 'the file (the override is merged by EasyR1, after it)');
      const trainFiles = String(written.data.train_files);
      assert.equal(realpathSync(trainFiles), realpathSync(join(b.outDir, 'data', 'train-00000-of-00001.parquet')));
      const effective = mergeDotlist(written, pairs);
      assert.deepEqual(rejectedKeys(effective), [], 'the file then the overrides load in PPOConfig');
      assert.equal(effective.worker.rollout.n, 7, 'the override wins over the file');
      assert.equal(effective.algorithm.kl_coef, 0.01);
      assert.equal(effective.trainer.experiment_name, 'geo_grpo');
      assert.equal(effective.trainer.total_epochs, 2);

      // unknown keys are refused, as in a file; two config files are one too many
      for (const [args, message] of [
        [
          ['config=examples/config.yaml', 'data.max_prompt_lenght=4096'],
          /'max_prompt_lenght' is not a key of EasyR1's DataConfig/,
        ],
        [['worker2.rollout.n=3'], /'worker2' is not a section of EasyR1's PPOConfig/],
        [['config=examples/config.yaml', 'config=examples/original.yaml'], /EasyR1 reads one config file/],
        [
          ['-c', 'examples/original.yaml', 'config=examples/config.yaml'],
          /both -c examples\/original\.yaml and config=/,
        ],
      ] as const) {
        const bad = await runCli(['train', '--profile', 'easyr1', '--data', b.outDir, ...args, '--dry-run'], {
          cwd: root,
          env,
          timeoutMs: 240_000,
        });
        assert.equal(bad.status, 2, bad.stderr);
        assert.match(bad.stderr, message);
      }
    } finally {
      b.cleanup();
    }
  });
});
