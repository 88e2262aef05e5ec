/**
 * Environment errors (issue 13, item 6) are not bugs, and a build keeps its finished work:
 * - a disk that fills up mid-build (a real 1.5 MB tmpfs) exits 2 naming the path and the fix, keeps the work
 *   folder, and `--resume` after freeing space reuses the finished shards and ends byte-identical to an
 *   uninterrupted build;
 * - an output folder the user may not write (a real permission: the CLI runs as `nobody` when the tests run
 *   as root, who bypasses file modes) exits 2 before any work, naming the folder;
 * - a previous output `.OUT.old` left by an earlier build that cannot be deleted never blocks later builds;
 * - a read-only filesystem (the tmpfs remounted read-only) exits 2 naming it.
 * Mounting needs privileges: the tmpfs tests are skipped, with the reason, where mount is refused.
 */
import { test, before, after, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { tree } from '../helpers/files.js';
import { cliArgv } from '../helpers/gad-cli.js';

let tmp: string;
const mounts: string[] = [];

before(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'gad-rel-env-'));
  chmodSync(tmp, 0o777);
});
after(async () => {
  for (const m of mounts) spawnSync('umount', ['-l', m]);
  await rm(tmp, { recursive: true, force: true });
});

/** A real tmpfs of `size` at `dir`, or the reason it cannot be mounted here. */
function mountTmpfs(dir: string, size: string): string | null {
  mkdirSync(dir, { recursive: true });
  const r = spawnSync('mount', ['-t', 'tmpfs', '-o', `size=${size},mode=0777`, 'tmpfs', dir], { encoding: 'utf8' });
  if (r.status !== 0) return `mount -t tmpfs refused here (${(r.stderr || r.error?.message || '').trim()})`;
  mounts.push(dir);
  return null;
}
function remount(dir: string, opts: string) {
  const r = spawnSync('mount', ['-o', `remount,${opts}`, dir], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
}

const isRoot = process.getuid?.() === 0;
/** Run the CLI; `user: 'nobody'` drops to uid/gid 65534 when the tests run as root (root ignores file modes). */
function cli(
  args: string[],
  opts: { user?: 'nobody' } = {},
): Promise<{ status: number | null; stdout: string; stderr: string }> {
  const drop = opts.user === 'nobody' && isRoot ? { uid: 65534, gid: 65534 } : {};
  return new Promise((ok) => {
    const child = spawn(process.execPath, cliArgv(args), {
      cwd: tmp,
      env: { ...process.env, HOME: tmp },
      stdio: ['ignore', 'pipe', 'pipe'],
      ...drop,
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', (e) => ok({ status: null, stdout, stderr: `cannot start the CLI: ${e.message}` }));
    const timer = setTimeout(() => child.kill('SIGKILL'), 540_000);
    child.on('close', (status) => {
      clearTimeout(timer);
      ok({ status, stdout, stderr });
    });
  });
}
/** The bundled sample, cut into many small shards. */
const SAMPLE = (out: string) => ['build', '--out', out, '--shard-size', '120kB'];
const sansReport = (t: Record<string, string>) =>
  Object.fromEntries(Object.entries(t).filter(([k]) => k !== 'report.json'));

test('a full disk mid-build exits 2 naming the path; the finished shards are kept and --resume reuses them', async (t: TestContext) => {
  const disk = join(tmp, 'small-disk');
  const refused = mountTmpfs(disk, '1500k');
  if (refused) return t.skip(refused);
  const out = join(disk, 'out');

  const r = await cli([...SAMPLE(out), '-q']);
  assert.equal(r.status, 2, `exit 2, not a crash:\n${r.stderr}`);
  assert.match(r.stderr, /no space left on the device \(ENOSPC\)/);
  assert.ok(r.stderr.includes(out), `names the output: ${r.stderr}`);
  assert.match(r.stderr, /fix: free space on the disk holding .*then rerun with --resume/);
  assert.doesNotMatch(r.stderr, /bug/);
  const journal = join(disk, '.out.partial', '.journal.jsonl');
  assert.ok(existsSync(journal), 'the work folder is kept');
  const finished = readFileSync(journal, 'utf8').trim().split('\n').length - 1;
  assert.ok(finished >= 2, `finished shards journaled: ${finished}`);
  assert.ok(!existsSync(join(disk, '.out.lock')), 'the lock is released');
  assert.ok(!existsSync(join(disk, '.out.old')) && !existsSync(out), 'no stranded old output, no torn output');

  remount(disk, 'size=64m'); // the user frees space
  const resumed = await cli([...SAMPLE(out), '--resume']);
  assert.equal(resumed.status, 0, resumed.stderr);
  const reused = Number(/reusing (\d+) finished shard/.exec(resumed.stderr)?.[1] ?? -1);
  assert.ok(reused >= 2, `resume reused ${reused} shard(s):\n${resumed.stderr}`);

  const ref = join(tmp, 'ref');
  const u = await cli([...SAMPLE(ref), '-q']);
  assert.equal(u.status, 0, u.stderr);
  assert.deepEqual(sansReport(tree(out)), sansReport(tree(ref)), 'resumed = uninterrupted, byte for byte');
  assert.deepEqual(readdirSync(disk).sort(), ['out'], 'nothing left beside the output');
});

test('an output folder this user may not write is refused before any work (exit 2, naming it), and left as it was', async () => {
  const parent = join(tmp, 'shared');
  mkdirSync(parent);
  chmodSync(parent, 0o777);
  const out = join(parent, 'out');
  // another user's output (root's), inside a folder everyone may write
  let r = await cli([...SAMPLE(out), '-q']);
  assert.equal(r.status, 0, r.stderr);
  if (!isRoot) chmodSync(out, 0o555);
  const before = tree(out);

  r = await cli([...SAMPLE(out), '-q', '--json'], { user: 'nobody' });
  assert.equal(r.status, 2, r.stderr);
  assert.match(r.stderr, /cannot replace the output .*permission denied \(EACCES\)/);
  assert.ok(r.stderr.includes(out), r.stderr);
  assert.match(r.stderr, /fix: make .* writable for this user/);
  assert.doesNotMatch(r.stderr, /bug/);
  const err = JSON.parse(r.stdout).error;
  assert.equal(err.exitCode, 2);
  assert.match(err.message, /EACCES/);
  assert.deepEqual(tree(out), before);
  assert.deepEqual(readdirSync(parent).sort(), ['out'], 'no lock, work folder or old output left');
  if (!isRoot) chmodSync(out, 0o755);
});

test('a previous output (.OUT.old) that cannot be deleted never blocks later builds', async () => {
  const parent = join(tmp, 'stranded');
  mkdirSync(parent);
  chmodSync(parent, 0o777);
  const out = join(parent, 'out');
  let r = await cli([...SAMPLE(out), '-q'], { user: 'nobody' });
  assert.equal(r.status, 0, r.stderr);
  // left by an earlier build (here: another user's, with a folder this user may not delete from)
  mkdirSync(join(parent, '.out.old', 'data'), { recursive: true });
  writeFileSync(join(parent, '.out.old', 'manifest.json'), '{"tool":{"name":"gad-data"}}\n');
  writeFileSync(join(parent, '.out.old', 'data', 'train-00000-of-00001.parquet'), 'old');
  chmodSync(join(parent, '.out.old', 'data'), 0o555);

  const logs: string[] = [];
  for (let i = 0; i < 2; i++) {
    r = await cli(SAMPLE(out), { user: 'nobody' });
    assert.equal(r.status, 0, `build ${i + 1}: ${r.stderr}`);
    logs.push(r.stderr);
    assert.ok(existsSync(join(out, 'manifest.json')));
    assert.ok(!existsSync(join(parent, '.out.old')), 'moved out of the way');
  }
  const aside = readdirSync(parent).filter((f) => f.startsWith('.out.old-'));
  assert.equal(aside.length, 1, readdirSync(parent).join(', '));
  assert.match(logs[0]!, /could not delete the previous output .*moved to .*\.out\.old-.*delete it yourself/);
  assert.equal(
    readFileSync(join(parent, aside[0]!, 'data', 'train-00000-of-00001.parquet'), 'utf8'),
    'old',
    'moved, not lost',
  );
  chmodSync(join(parent, aside[0]!, 'data'), 0o755);
});

test('a read-only filesystem exits 2 naming it', async (t: TestContext) => {
  const disk = join(tmp, 'ro-disk');
  const refused = mountTmpfs(disk, '16m');
  if (refused) return t.skip(refused);
  const out = join(disk, 'out');
  let r = await cli([...SAMPLE(out), '-q']);
  assert.equal(r.status, 0, r.stderr);
  const before = tree(out);
  remount(disk, 'ro');
  r = await cli([...SAMPLE(out), '-q']);
  assert.equal(r.status, 2, r.stderr);
  assert.match(r.stderr, /read-only filesystem \(EROFS\)/);
  assert.match(r.stderr, /fix: .*read-only filesystem: choose another --out/);
  assert.deepEqual(tree(out), before);
});

test('any command: a permission error is exit 2 with the path, not "a bug" (init into a folder this user may not write)', async () => {
  const ro = join(tmp, 'not-mine');
  mkdirSync(ro, { mode: 0o755 });
  if (!isRoot) chmodSync(ro, 0o555);
  const r = await cli(['init', join(ro, 'gad-data.yaml')], { user: 'nobody' });
  assert.equal(r.status, 2, r.stderr);
  assert.match(r.stderr, /permission denied \(EACCES\).*not-mine/);
  assert.match(r.stderr, /fix: make .*not-mine.* for this user/);
  assert.doesNotMatch(r.stderr, /bug/);
  if (!isRoot) chmodSync(ro, 0o755);
});

test('a disk full within the first shard (nothing finished yet) exits 2 naming the path, not a crash', async (t: TestContext) => {
  const disk = join(tmp, 'tiny-disk');
  const refused = mountTmpfs(disk, '300k');
  if (refused) return t.skip(refused);
  const out = join(disk, 'out');
  // One shard for the whole sample (its images are ~1 MB): the disk fills while the first shard is written.
  const r = await cli(['build', '--out', out, '-q']);
  assert.equal(r.status, 2, `exit 2, not an uncaught error (exit 1):\n${r.stderr}`);
  assert.match(r.stderr, /no space left on the device \(ENOSPC\)/);
  assert.ok(r.stderr.includes(join(disk, '.out.partial')), `names the folder on the full disk: ${r.stderr}`);
  assert.match(r.stderr, /fix: free space on the disk holding /);
  assert.doesNotMatch(r.stderr, /bug|triggerUncaughtException/);
  assert.ok(!existsSync(join(disk, '.out.lock')), 'the lock is released');
  assert.ok(!existsSync(out), 'no torn output');
});

test('an export onto a full disk names that disk, not the current folder', async (t: TestContext) => {
  const disk = join(tmp, 'export-disk');
  const refused = mountTmpfs(disk, '200k');
  if (refused) return t.skip(refused);
  const from = join(tmp, 'export-from');
  let r = await cli(['build', '--out', from, '-q']);
  assert.equal(r.status, 0, r.stderr);
  r = await cli(['export', 'sft', '--from', from, '--out', join(disk, 'sft'), '-q']);
  assert.equal(r.status, 2, r.stderr);
  assert.match(r.stderr, /no space left on the device \(ENOSPC\)/);
  assert.ok(
    r.stderr.includes(`fix: free space on the disk holding ${join(disk, '.sft.partial')}`),
    `names the export's disk: ${r.stderr}`,
  );
  assert.doesNotMatch(r.stderr, /bug/);
});
