/**
 * The output lock (issue 23, item 6):
 * - a lock file another process is still writing (created, content not yet there: a slow write) is not taken:
 *   two builds never both hold one output;
 * - two builds at once with a forced slow lock write: while one holds the lock the other refuses (exit 2); a killed
 *   holder's lock is taken over by the next build;
 * - a lock of a process gone on another machine is taken over once not refreshed for the lease, with a line
 *   saying so; a fresh one is refused, naming the holder;
 * - a part killed on one node: its retry (same Slurm array task) on another node takes the lock over at once;
 * - a Kubernetes retry whose new container has the same host name and pid as the killed one takes it over;
 * - the owner proof: a build whose lock was taken over meanwhile replaces nothing.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, utimesSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from '../../src/pipeline/build.js';
import { isGadError } from '../../src/core/errors.js';
import { openOutput } from '../../src/output/out-dir.js';
import { startHeldCli } from '../helpers/held-cli.js';
import { writeSquareRows } from '../helpers/square-rows.js';
import { squareBuild } from '../helpers/square-build.js';
import { runCli } from '../helpers/gad-cli.js';

let tmp: string;
let data: string;

before(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'gad-rel-locks-'));
  data = join(tmp, 'src-data');
  await writeSquareRows({ dir: data, prompt: (i) => `Square ${i}?` });
});
after(async () => {
  await rm(tmp, { recursive: true, force: true });
});

const config = (out: string, format: 'png' | 'jpeg' = 'png') => squareBuild({ data, out, format }).config;
const cliArgs = (out: string, format: 'png' | 'jpeg' = 'png') => squareBuild({ data, out, format }).argv;
const formatOf = (out: string) =>
  (JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8')) as { config: { image_format: string } }).config
    .image_format;
const age = (path: string, seconds: number) => {
  const t = new Date(Date.now() - seconds * 1000);
  utimesSync(path, t, t);
};
const otherNode = (extra: Record<string, unknown> = {}) =>
  JSON.stringify({
    pid: 4242,
    host: 'gpu-node-17',
    started: '2026-01-01T00:00:00.000Z',
    what: 'build',
    token: 'f00d',
    boot: '0b0e1d-other-node',
    pidns: 'pid:[4026531836]',
    ...extra,
  });

test('a lock file still being written (created, no content yet) is not taken: the build refuses, nothing written', async () => {
  const out = join(tmp, 'slow');
  await writeFile(join(tmp, '.slow.lock'), ''); // another process created it and is writing its record
  // dated 2 minutes ahead: still fresh when the build looks, however long a loaded machine takes to get there
  // (an empty lock is taken over once untouched for 30 s)
  age(join(tmp, '.slow.lock'), -120);
  await assert.rejects(build(config(out)), (e: unknown) => {
    assert.ok(isGadError(e), String(e));
    assert.equal(e.exitCode, 2);
    assert.match(e.message, /another build is writing .*slow: locked by a lock file being written/);
    return true;
  });
  assert.equal(existsSync(out), false, 'no output written');
  assert.equal(readFileSync(join(tmp, '.slow.lock'), 'utf8'), '', 'the other process keeps its lock');
  // Once it is old (its writer is gone), it is taken over.
  age(join(tmp, '.slow.lock'), 120);
  await build(config(out));
  assert.equal(formatOf(out), 'png');
  assert.equal(existsSync(join(tmp, '.slow.lock')), false, 'the lock is released');
});

test('two builds at once (forced slow lock write): while one holds the lock the other refuses (exit 2); once the holder is killed, the next takes it over', async () => {
  // Deterministic on a loaded machine: the first build is held after taking the lock (before its commit) until
  // the second has tried, instead of hoping that two process start-ups overlap.
  const out = join(tmp, 'race');
  const holdFile = join(tmp, 'race.hold');
  const env = { ...process.env, GAD_DATA_TEST_DELAY: 'lock-write:1500' };
  const a = await startHeldCli({
    args: cliArgs(out, 'png'),
    cwd: tmp,
    env,
    point: 'before-commit',
    holdFile,
    what: 'the first build to reach its commit',
  });
  try {
    const b = await runCli(cliArgs(out, 'jpeg'), { cwd: tmp, env });
    assert.equal(b.status, 2, b.stderr);
    assert.match(b.stderr, /another build is writing/);
    assert.equal(existsSync(out), false, 'the refused build wrote nothing');
  } finally {
    await a.kill();
  }
  assert.ok(existsSync(join(tmp, '.race.lock')), 'the killed build left its lock');
  const c = await runCli(cliArgs(out, 'jpeg'), { cwd: tmp, env });
  assert.equal(c.status, 0, c.stderr);
  assert.equal(formatOf(out), 'jpeg', 'the output is the one of the build that exited 0');
  assert.equal(existsSync(join(tmp, '.race.lock')), false);
});

test('a lock of another machine: refused while fresh (naming it), taken over with a line once not refreshed for the lease', async () => {
  const out = join(tmp, 'lease');
  const lock = join(tmp, '.lease.lock');
  await writeFile(lock, otherNode());
  const env = { ...process.env, GAD_DATA_LOCK_LEASE: '60' };
  let r = await runCli(cliArgs(out), { cwd: tmp, env });
  assert.equal(r.status, 2, r.stderr);
  assert.match(r.stderr, /another build is writing .*locked by pid 4242 on gpu-node-17/);
  assert.match(r.stderr, /not refreshed for 60s \(GAD_DATA_LOCK_LEASE\)/);
  assert.equal(existsSync(out), false);

  age(lock, 600);
  r = await runCli(cliArgs(out), { cwd: tmp, env });
  assert.equal(r.status, 0, r.stderr);
  assert.match(
    r.stderr,
    /took over the lock .*\.lease\.lock of pid 4242 on gpu-node-17 .*not refreshed for \d+s \(lease 60s\)/,
  );
  assert.equal(formatOf(out), 'png');
  assert.equal(existsSync(lock), false);
});

test('a part killed on one node: its retry (same Slurm array task) on another node takes the lock over at once', async () => {
  const out = join(tmp, 'geo');
  await mkdir(join(tmp, 'geo.parts'), { recursive: true });
  const lock = join(tmp, 'geo.parts', '.1-of-2.lock');
  await writeFile(lock, otherNode({ task: 'slurm:8812:1' })); // fresh: the node died a second ago
  const env = {
    ...process.env,
    SLURM_JOB_ID: '8813',
    SLURM_ARRAY_JOB_ID: '8812',
    SLURM_ARRAY_TASK_ID: '1',
    SLURM_ARRAY_TASK_COUNT: '2',
  };
  const r = await runCli([...cliArgs(out), '--partition', 'slurm'], { cwd: tmp, env });
  assert.equal(r.status, 0, r.stderr);
  assert.match(
    r.stderr,
    /took over the lock .* of pid 4242 on gpu-node-17 .*a retry of the same scheduler task \(slurm:8812:1\)/,
  );
  assert.ok(existsSync(join(tmp, 'geo.parts', '1-of-2', 'gad-data-part', 'part.json')));
  assert.equal(existsSync(lock), false);

  // Another array task (not a retry) is refused while the lock is fresh.
  await writeFile(lock, otherNode({ task: 'slurm:8812:0' }));
  const r2 = await runCli([...cliArgs(out), '--partition', 'slurm'], { cwd: tmp, env });
  assert.equal(r2.status, 2, r2.stderr);
  assert.match(r2.stderr, /locked by pid 4242 on gpu-node-17 .*\(task slurm:8812:0\)/);
  await rm(lock);
});

test('a Kubernetes retry with the same host name and pid as the killed container takes the lock over', async () => {
  const out = join(tmp, 'k8s');
  const lock = join(tmp, '.k8s.lock');
  // As an older gad-data wrote it (no token): same host name, and the pid this process has now.
  await writeFile(lock, JSON.stringify({ pid: process.pid, host: hostname(), started: '2026-01-01T00:00:00.000Z' }));
  await build(config(out));
  assert.equal(formatOf(out), 'png');
  // The same with a record of this version, from a container on another node (other boot id).
  await writeFile(lock, otherNode({ pid: process.pid, host: hostname(), task: `k8s:${hostname()}:0` }));
  process.env.JOB_COMPLETION_INDEX = '0';
  try {
    await build(config(out, 'jpeg'));
  } finally {
    delete process.env.JOB_COMPLETION_INDEX;
  }
  assert.equal(formatOf(out), 'jpeg');
  assert.equal(existsSync(lock), false);
});

test('owner proof: a session whose lock was taken over meanwhile replaces nothing (exit 1)', async () => {
  const out = join(tmp, 'proof');
  await build(config(out));
  const session = await openOutput(out, { settingsHash: 'x' });
  await writeFile(join(tmp, '.proof.lock'), otherNode()); // taken over by another run
  await assert.rejects(session.commit(), (e: unknown) => {
    assert.ok(isGadError(e), String(e));
    assert.equal(e.exitCode, 1);
    assert.match(e.message, /lost the lock .* now held by pid 4242 on gpu-node-17; nothing was replaced/);
    return true;
  });
  await session.abort();
  assert.equal(formatOf(out), 'png', 'the output is untouched');
  assert.equal(readFileSync(join(tmp, '.proof.lock'), 'utf8'), otherNode(), 'the other run keeps its lock');
  await rm(join(tmp, '.proof.lock'));
});
