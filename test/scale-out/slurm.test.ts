/**
 * The generated Slurm script on a real Slurm: a single-node cluster (slurmctld + slurmd + munged on 127.0.0.1)
 * runs the job array of 4 partitioned builds and the dependent merge job; the merged folder is byte for byte
 * the single-machine build. Skipped only when slurm-wlm / munge cannot be installed here.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cliArgv, runCli } from '../helpers/gad-cli.js';
import { assertSameFolder, makeCrossPartDataset } from '../helpers/scale-out.js';
import { slurmUnavailable, startSlurm } from '../helpers/slurm.js';

const skip = slurmUnavailable();
const T = 900_000;
const sh = (w: string) => `'${w.replaceAll("'", `'\\''`)}'`;

test(
  'scale-out --slurm: the job array + dependent merge job on a real single-node Slurm give the single build, byte for byte',
  { skip: skip ?? false, timeout: T * 2 },
  async () => {
    const tmp = mkdtempSync(join(tmpdir(), 'gad-slurm-'));
    const dir = join(tmp, 'work');
    const slurm = await startSlurm(join(tmp, 'slurm'));
    try {
      makeCrossPartDataset(dir);
      writeFileSync(
        join(dir, 'gad-data.yaml'),
        [
          'data:',
          '  train_files: data/train.jsonl',
          'teacher:',
          '  file: data/teacher.jsonl',
          'id_key: id',
          'test_ratio: 0.3',
          'shard_size: 120KB',
          'out: out',
          '',
        ].join('\n'),
      );
      const whole = await runCli(['build', '-q'], { cwd: dir, timeoutMs: T });
      assert.equal(whole.status, 0, whole.stderr);
      renameSync(join(dir, 'out'), join(dir, 'whole'));

      const command = [process.execPath, ...cliArgv([])].map(sh).join(' ');
      const gen = await runCli(
        [
          'scale-out',
          '--slurm',
          '--parts',
          '4',
          '--sample-parts',
          '4',
          '--cpus',
          '1',
          '--command',
          command,
          '--out',
          'submit.sh',
        ],
        { cwd: dir, timeoutMs: T },
      );
      assert.equal(gen.status, 0, gen.stderr);
      assert.match(gen.stderr, /rows\/s per task \(measured: part 0 of 4/);
      const script = readFileSync(join(dir, 'submit.sh'), 'utf8');
      assert.match(script, /sbatch --parsable --array=0-3/);
      assert.match(script, /--dependency=afterok:\$array/);

      const sub = spawnSync('bash', ['submit.sh'], { cwd: dir, env: slurm.env, encoding: 'utf8', timeout: 600_000 });
      assert.equal(sub.status, 0, `${sub.stdout}${sub.stderr}`);
      const ids = /ARRAY_JOB=(\d+) MERGE_JOB=(\d+)/.exec(sub.stdout);
      assert.ok(ids, sub.stdout);
      const state = await slurm.waitJob(ids[2]!, T);
      const logs = () => {
        const d = join(dir, 'out.parts');
        return existsSync(d)
          ? readdirSync(d)
              .filter((f) => f.endsWith('.log'))
              .map((f) => `--- ${f}\n${readFileSync(join(d, f), 'utf8')}`)
              .join('\n')
          : '(no logs)';
      };
      assert.equal(state, 'COMPLETED', `merge job ${state}\n${logs()}\n${slurm.logs()}`);
      assert.equal(await slurm.waitJob(ids[1]!, 60_000), 'COMPLETED');
      assert.deepEqual(
        readdirSync(join(dir, 'out.parts'))
          .filter((f) => /^\d+-of-\d+$/.test(f))
          .sort(),
        ['0-of-4', '1-of-4', '2-of-4', '3-of-4'],
      );
      assertSameFolder(join(dir, 'whole'), join(dir, 'out'));
    } finally {
      await slurm.stop();
      rmSync(tmp, { recursive: true, force: true });
    }
  },
);
