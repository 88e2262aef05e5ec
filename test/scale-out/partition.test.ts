/**
 * Partitioned builds: 4 parts built by separate processes at the same time, then merged, give the very bytes of
 * the single-machine build — with duplicates and train/test leaks across parts, a --test-ratio split, a GAD
 * teacher file, several shards per split (and the bundled sample: a val split, bad rows, a leak).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startHeldCli } from '../helpers/held-cli.js';
import { runCli } from '../helpers/gad-cli.js';
import { assertSameFolder, makeCrossPartDataset } from '../helpers/scale-out.js';

const tmp = mkdtempSync(join(tmpdir(), 'gad-partition-'));
process.on('exit', () => rmSync(tmp, { recursive: true, force: true }));
const T = 600_000;

async function wholeAndMerged(cwd: string, args: string[], n = 4): Promise<void> {
  const whole = await runCli(['build', '-q', ...args, '--out', 'out'], { cwd, timeoutMs: T });
  assert.equal(whole.status, 0, whole.stderr);
  renameSync(join(cwd, 'out'), join(cwd, 'whole'));
  const parts = await Promise.all(
    Array.from({ length: n }, (_, i) =>
      runCli(['build', '-q', ...args, '--out', 'out', '--partition', `${i}/${n}`], { cwd, timeoutMs: T }),
    ),
  );
  for (const p of parts) assert.equal(p.status, 0, p.stderr);
  assert.deepEqual(
    readdirSync(join(cwd, 'out.parts')).sort(),
    Array.from({ length: n }, (_, i) => `${i}-of-${n}`).sort(),
  );
  assert.ok(!existsSync(join(cwd, 'out')), 'a part must not write the output itself');
  const merged = await runCli(['merge', '-q', '--out', 'out'], { cwd, timeoutMs: T });
  assert.equal(merged.status, 0, merged.stderr);
  assertSameFolder(join(cwd, 'whole'), join(cwd, 'out'));
}

test(
  '4 concurrent parts + merge = the single build, byte for byte: cross-part duplicates and leaks, --test-ratio, GAD teacher file, several shards',
  { timeout: T * 3 },
  async () => {
    const dir = mkdtempSync(join(tmp, 'cross-'));
    const pairs = makeCrossPartDataset(dir);
    const args = [
      '--train',
      'data/train.jsonl',
      '--teacher',
      'data/teacher.jsonl',
      '--id-key',
      'id',
      '--test-ratio',
      '0.3',
      '--shard-size',
      '120KB',
    ];
    await wholeAndMerged(dir, args);
    // The build really had cross-part duplicates and leaks, and several shards per split, to get right.
    const drops = readFileSync(join(dir, 'whole', 'dropped.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { id: string; reason: string });
    const reasons = new Map(drops.map((d) => [d.id, d.reason]));
    const copies = pairs.map(([, c]) => reasons.get(c));
    assert.ok(copies.filter((r) => r === 'duplicate').length >= 3, `cross-part duplicates: ${copies.join(',')}`);
    assert.ok(copies.filter((r) => r === 'leak').length >= 3, `cross-part leaks: ${copies.join(',')}`);
    const manifest = JSON.parse(readFileSync(join(dir, 'whole', 'manifest.json'), 'utf8')) as {
      shards: Array<{ split: string }>;
      splits: Record<string, { rowsOut: number }>;
    };
    for (const split of ['train', 'test'])
      assert.ok(manifest.shards.filter((s) => s.split === split).length >= 2, `several ${split} shards`);
    assert.ok(manifest.splits.test!.rowsOut > 0);
  },
);

test(
  'the bundled sample (val split, bad rows, leak, teacher responses) as 3 parts + merge = the single build',
  { timeout: T * 3 },
  async () => {
    const dir = mkdtempSync(join(tmp, 'sample-'));
    await wholeAndMerged(dir, ['--shard-size', '200KB'], 3);

    // merge checks that the parts are one whole build
    const parts = (await Promise.resolve(readdirSync(join(dir, 'out.parts')))).map((p) => join('out.parts', p)).sort();
    const missing = await runCli(['merge', '-q', parts[0]!, parts[1]!, '--out', 'm1'], { cwd: dir });
    assert.equal(missing.status, 2);
    assert.match(missing.stderr, /part\(s\) 2 of 3 missing/);
    const twice = await runCli(['merge', '-q', parts[0]!, parts[1]!, parts[1]!, '--out', 'm2'], { cwd: dir });
    assert.equal(twice.status, 2);
    assert.match(twice.stderr, /part 1 of 3 is given twice/);
    const other = await runCli(
      ['build', '-q', '--shard-size', '300KB', '--partition', '2/3', '--part-out', 'other-2'],
      { cwd: dir, timeoutMs: T },
    );
    assert.equal(other.status, 0, other.stderr);
    const mixed = await runCli(['merge', '-q', parts[0]!, parts[1]!, 'other-2', '--out', 'm3'], { cwd: dir });
    assert.equal(mixed.status, 2);
    assert.match(mixed.stderr, /settings hash differs/);
    assert.ok(!existsSync(join(dir, 'm3')) && !existsSync(join(dir, 'm1')) && !existsSync(join(dir, 'm2')));

    // a part rerun into its own folder (a requeued task) replaces it; merging again replaces the output, same bytes
    const again = await runCli(['build', '-q', '--shard-size', '200KB', '--out', 'out', '--partition', '1/3'], {
      cwd: dir,
      timeoutMs: T,
    });
    assert.equal(again.status, 0, again.stderr);
    const remerged = await runCli(['merge', '-q', '--out', 'out'], { cwd: dir, timeoutMs: T });
    assert.equal(remerged.status, 0, remerged.stderr);
    assertSameFolder(join(dir, 'whole'), join(dir, 'out'));
  },
);

test('--partition: bad values and the scheduler environment', async () => {
  const { parsePartition } = await import('../../src/partition/part-spec.js');
  assert.deepEqual(parsePartition('3/4'), { index: 3, count: 4 });
  assert.deepEqual(
    parsePartition('slurm', { SLURM_ARRAY_TASK_ID: '5', SLURM_ARRAY_TASK_COUNT: '8', SLURM_ARRAY_TASK_MIN: '0' }),
    { index: 5, count: 8 },
  );
  assert.deepEqual(parsePartition('k8s/6', { JOB_COMPLETION_INDEX: '2' }), { index: 2, count: 6 });
  assert.deepEqual(parsePartition('auto/6', { JOB_COMPLETION_INDEX: '1' }), { index: 1, count: 6 });
  assert.throws(() => parsePartition('4/4'), /part 4 does not exist in 4 part\(s\)/);
  assert.throws(() => parsePartition('slurm', {}), /SLURM_ARRAY_TASK_ID is not set/);
  assert.throws(() => parsePartition('k8s', { JOB_COMPLETION_INDEX: '0' }), /gives the part, not the count/);
  const r = await runCli(['build', '-q', '--partition', '1/4', '--resume'], { cwd: tmp });
  assert.equal(r.status, 2);
  assert.match(r.stderr, /--resume is not supported with --partition/);
});

test(
  'a merge SIGKILLed mid-way: merge --resume reuses its finished shards and still gives the single build, byte for byte',
  { timeout: T * 3 },
  async () => {
    const dir = mkdtempSync(join(tmp, 'resume-'));
    makeCrossPartDataset(dir);
    const args = [
      '--train',
      'data/train.jsonl',
      '--teacher',
      'data/teacher.jsonl',
      '--id-key',
      'id',
      '--test-ratio',
      '0.3',
      '--shard-size',
      '40KB',
    ];
    const whole = await runCli(['build', '-q', ...args, '--out', 'out'], { cwd: dir, timeoutMs: T });
    assert.equal(whole.status, 0, whole.stderr);
    renameSync(join(dir, 'out'), join(dir, 'whole'));
    const parts = await Promise.all(
      [0, 1, 2, 3].map((i) =>
        runCli(['build', '-q', ...args, '--out', 'out', '--partition', `${i}/4`], { cwd: dir, timeoutMs: T }),
      ),
    );
    for (const p of parts) assert.equal(p.status, 0, p.stderr);
    // hold the merge when it asks for its 70th row (of 96): earlier shards are finished and journaled
    const hold = join(dir, 'held');
    const held = await startHeldCli({
      args: ['merge', '-q', '--out', 'out'],
      cwd: dir,
      point: 'merge-row-70',
      holdFile: hold,
      what: 'the merge to reach row 70',
    });
    await held.kill();
    assert.ok(!existsSync(join(dir, 'out')), 'killed before its commit');
    const resumed = await runCli(['merge', '--out', 'out', '--resume'], { cwd: dir, timeoutMs: T });
    assert.equal(resumed.status, 0, resumed.stderr);
    const m = /resume: reusing (\d+) finished shard/.exec(resumed.stderr);
    assert.ok(m && Number(m[1]) >= 2, resumed.stderr);
    assertSameFolder(join(dir, 'whole'), join(dir, 'out'));
  },
);
