/**
 * `gad-data scale-out`: the partition count from a measured (or given) rate, the Slurm script's structure, and
 * Kubernetes manifests that parse as the Indexed Job + merge Job they claim to be.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { runCli } from '../helpers/gad-cli.js';
import { planParts } from '../../src/commands/scale-out.js';

const tmp = mkdtempSync(join(tmpdir(), 'gad-scaleout-'));
process.on('exit', () => rmSync(tmp, { recursive: true, force: true }));

test('planParts: about --hours per task, at least 1, never more parts than rows', () => {
  assert.equal(planParts(2_000_000, 40, { hours: 2 }), 7); // 40 rows/s × 7200 s = 288,000 rows per task
  assert.equal(planParts(100, 1000, { hours: 1 }), 1);
  assert.equal(planParts(5, 0.0001, { hours: 1 }), 5);
  assert.equal(planParts(1000, 1, { parts: 3 }), 3);
});

test(
  'scale-out --k8s: an Indexed Job of N parts (k8s/N) and a merge Job, from a measured rate',
  { timeout: 600_000 },
  async () => {
    const r = await runCli(
      ['scale-out', '--k8s', '--sample-parts', '4', '--hours', '0.0001', '--pvc', 'datasets', '--cpus', '2'],
      { cwd: tmp, timeoutMs: 540_000 },
    );
    assert.equal(r.status, 0, r.stderr);
    // the bundled sample: 211 input rows, the rate measured by building part 0 of 4 for real
    const m = /(\d+) input rows; ([\d.]+) rows\/s per task \(measured: part 0 of 4, (\d+) rows in/.exec(r.stderr);
    assert.ok(m, r.stderr);
    assert.equal(Number(m[1]), 211);
    assert.ok(Number(m[2]) > 0 && Number(m[3]) > 0);
    const docs = parseAllDocuments(r.stdout).map((d) => d.toJS() as any);
    assert.equal(docs.length, 2);
    const [parts, merge] = docs;
    const n = parts.spec.completions;
    assert.equal(parts.spec.completionMode, 'Indexed');
    assert.ok(n >= 2 && n <= 211, `parts ${n}`); // 0.36 s per task at the measured rate: many parts
    assert.equal(parts.spec.parallelism, n);
    const cmd = parts.spec.template.spec.containers[0].command as string[];
    assert.deepEqual(cmd.slice(0, 3), ['npx', 'gad-data', 'build']);
    assert.equal(cmd[cmd.indexOf('--partition') + 1], `k8s/${n}`);
    assert.equal(parts.spec.template.spec.containers[0].workingDir, tmp);
    assert.equal(parts.spec.template.spec.volumes[0].persistentVolumeClaim.claimName, 'datasets');
    assert.deepEqual(merge.spec.template.spec.containers[0].command, [
      'npx',
      'gad-data',
      'merge',
      '--out',
      'gad-data-out',
      '--quiet',
    ]);
    assert.equal(merge.metadata.labels['app.kubernetes.io/component'], 'merge');
    assert.match(r.stdout, new RegExp(`kubectl wait --for=condition=complete job/gad-data-parts`));
  },
);

test('scale-out --slurm with a given rate: array 0..N-1, the merge after all tasks (afterok)', async () => {
  const r = await runCli(
    ['scale-out', '--slurm', '--rate', '40', '--rows', '2000000', '--hours', '2', '--sbatch=--partition=cpu'],
    { cwd: tmp },
  );
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /sbatch --parsable --array=0-6 <<'GAD_DATA_PARTS'/);
  assert.match(r.stdout, /#SBATCH --partition=cpu/);
  assert.match(r.stdout, /npx gad-data build --out gad-data-out --partition slurm --quiet/);
  assert.match(r.stdout, /sbatch --parsable --dependency=afterok:\$array --kill-on-invalid-dep=yes/);
  assert.match(r.stdout, /npx gad-data merge --out gad-data-out --quiet/);
  assert.match(r.stdout, /#SBATCH --time=06:07:09/); // 2M/7 rows at 40 rows/s = 1:59:03, × 3 + 10 min
  const none = await runCli(['scale-out'], { cwd: tmp });
  assert.equal(none.status, 2);
  assert.match(none.stderr, /give one of --slurm or --k8s/);
});

test('scale-out: a count flag refuses a fraction (--parts 2.5), exit 2 naming the flag; --hours takes one', async () => {
  for (const [flag, v] of [
    ['--parts', '2.5'],
    ['--rows', '10.5'],
    ['--parts', '0'],
    ['--parts', 'two'],
  ] as const) {
    const r = await runCli(['scale-out', '--slurm', '--rate', '40', '--rows', '1000', flag, v], { cwd: tmp });
    assert.equal(r.status, 2, `${flag} ${v}: ${r.stdout}${r.stderr}`);
    assert.ok(r.stderr.includes(`${flag} takes a whole number of 1 or more, got "${v}"`), r.stderr);
  }
  const ok = await runCli(
    ['scale-out', '--slurm', '--rate', '40', '--rows', '1000', '--parts', '2', '--hours', '0.5'],
    {
      cwd: tmp,
    },
  );
  assert.equal(ok.status, 0, ok.stderr);
  assert.match(ok.stdout, /--array=0-1 /);
});
