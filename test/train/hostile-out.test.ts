/**
 * `train` with an output folder whose name holds a line break, a planted command, quotes and `${…}`: the exported
 * launch script passes `bash -n` and runs the trainer with exactly the planned argv (nothing planted runs), and the
 * EasyR1 config loads with PyYAML + OmegaConf with every path exactly as it is (no key injected by a comment line,
 * no interpolation).
 */
import assert from 'node:assert/strict';
import { chmodSync, existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { execFileSync, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { formatLaunchScript } from '../../src/train/export-script.js';
import { planTraining } from '../../src/train/plan.js';
import { runTraining } from '../../src/train/run-training.js';
import { omegaconfPython } from '../helpers/omegaconf.js';
import { Capture, makeFakeBuild } from '../helpers/train.js';

describe('train with a hostile output folder name', () => {
  it('export script and EasyR1 config are data-safe: exact values, no planted command', async (t) => {
    const b = makeFakeBuild({ target: 'easyr1', kind: 'grpo', splits: { train: 1, test: 1 } });
    const mark = join(b.root, 'planted');
    try {
      const hostile = join(b.root, `out\n# x\ntouch planted\ntrainer:\n  total_epochs: 99\n\${oc.env:HOME} it's "q"`);
      renameSync(b.outDir, hostile);
      // a recording stand-in for the trainer's python (what the script runs)
      const fakePy = join(b.root, 'fake-python');
      const record = join(b.root, 'argv.json');
      writeFileSync(
        fakePy,
        `#!/usr/bin/env node\nrequire('fs').writeFileSync(${JSON.stringify(record)}, JSON.stringify(process.argv.slice(2)));\n`,
      );
      chmodSync(fakePy, 0o755);
      const opts = {
        profile: 'easyr1' as const,
        data: hostile,
        python: fakePy,
        modelPath: '/m/q',
        env: { PATH: process.env.PATH },
      };
      const plan = await planTraining(opts);
      const script = join(b.root, 'run.sh');
      writeFileSync(script, formatLaunchScript(plan));
      assert.equal(spawnSync('bash', ['-n', script]).status, 0);
      execFileSync('bash', [script], { cwd: b.root, env: { PATH: process.env.PATH }, stdio: 'ignore' });
      assert.deepEqual(JSON.parse(readFileSync(record, 'utf8')), plan.command.slice(1), 'exactly the planned argv');
      assert.ok(!existsSync(mark), 'the planted touch never ran');

      // the dry run prints the same plan; its comment lines stay comment lines
      const out = new Capture();
      await runTraining({
        ...opts,
        dryRun: true,
        stdout: out as unknown as NodeJS.WritableStream,
        stderr: new Capture() as unknown as NodeJS.WritableStream,
      });
      for (const line of out.text.split('\n')) assert.ok(!/^touch /.test(line), line);

      const py = await omegaconfPython();
      if (!py) return t.skip('no Python with omegaconf (apt-get install python3-omegaconf)');
      const load = [
        'import json, sys',
        'from omegaconf import OmegaConf',
        'cli = OmegaConf.from_dotlist([sys.argv[1]])',
        'path = cli.pop("config")',
        'c = OmegaConf.load(path)',
        'print(json.dumps({"path": path, "top": sorted(c.keys()), "train": c.data.train_files, "epochs": c.trainer.total_epochs, "model": c.worker.actor.model.model_path}))',
      ].join('\n');
      const got = JSON.parse(execFileSync(py, ['-c', load, plan.command[3]!], { encoding: 'utf8' }));
      assert.equal(got.path, plan.configFile!.path, 'config= on the command line reads back as the path');
      assert.deepEqual(got.top, ['algorithm', 'data', 'trainer', 'worker']);
      assert.equal(got.train, join(hostile, 'data', 'train-00000-of-00001.parquet'), 'the path, not an interpolation');
      assert.equal(got.epochs, 15, 'no key injected by the header comment');
      assert.equal(got.model, '/m/q');
    } finally {
      b.cleanup();
    }
  });
});
