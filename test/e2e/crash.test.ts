/**
 * Crash safety of whole builds, through the CLI in a child process killed with SIGKILL:
 * - mid-shard (the journal has finished shards): the previous output is intact and `--resume` finishes with
 *   the same bytes as an uninterrupted build;
 * - just before the commit, and between the two renames of the commit: the previous output is intact
 *   (restored by the next build when the kill fell between the renames);
 * - during a Hub download (a slow local Hub): the previous output is intact and a rerun completes, resuming
 *   the partial download with a Range request.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { packagePath } from '../../src/core/paths.js';
import { startHubServer, fakeCommit } from '../helpers/hub-server.js';
import { tree } from '../helpers/files.js';

const tmp = mkdtempSync(join(tmpdir(), 'gad-crash-'));
process.on('exit', () => rmSync(tmp, { recursive: true, force: true }));
const BIN = packagePath('bin', 'gad-data.js');

function cli(args: string[], env: Record<string, string> = {}) {
  return spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', cwd: tmp, env: { ...process.env, ...env } });
}
function start(args: string[], env: Record<string, string> = {}): ChildProcess {
  return spawn(process.execPath, [BIN, ...args], { cwd: tmp, env: { ...process.env, ...env }, stdio: 'ignore' });
}
/** Like cli() but without blocking this process (the local Hub server runs in it). */
function cliAsync(
  args: string[],
  env: Record<string, string> = {},
): Promise<{ status: number | null; stderr: string }> {
  return new Promise((ok) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      cwd: tmp,
      env: { ...process.env, ...env },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr!.on('data', (d) => (stderr += d));
    child.on('exit', (status) => ok({ status, stderr }));
  });
}
async function waitFor(cond: () => boolean, what: string, ms = 480_000) {
  const t0 = Date.now();
  while (!cond()) {
    if (Date.now() - t0 > ms) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}
async function kill(child: ChildProcess) {
  const exited = new Promise((ok) => child.once('exit', ok));
  child.kill('SIGKILL');
  await exited;
}
/** Without report.json, which names the output folder. */
const sansReport = (t: Record<string, string>) =>
  Object.fromEntries(Object.entries(t).filter(([k]) => k !== 'report.json'));

const OUT = join(tmp, 'out');
// Small shards so the sample is cut into many of them and a kill can fall between two; every image resized, so
// originals.jsonl (written from the journal notes of the reused rows) is compared too.
const SMALL = ['build', '--out', OUT, '--shard-size', '120kB', '--resize', 'always', '-q'];
let previous: Record<string, string>;

test('setup: a finished build (the previous output)', () => {
  const r = cli(['build', '--out', OUT, '-q']);
  assert.equal(r.status, 0, r.stderr);
  previous = tree(OUT);
  assert.ok(Object.keys(previous).some((k) => k.startsWith('data/')));
});

test('SIGKILL mid-shard: previous output intact; --resume ends byte-identical to an uninterrupted build', async () => {
  const journal = join(tmp, '.out.partial', '.journal.jsonl');
  const child = start(SMALL);
  await waitFor(
    () => existsSync(journal) && readFileSync(journal, 'utf8').trim().split('\n').length >= 4,
    'three finished shards',
  );
  await kill(child);
  assert.deepEqual(tree(OUT), previous, 'the previous output is untouched');
  assert.ok(existsSync(join(tmp, '.out.partial')), 'the interrupted work folder stays for --resume');

  const r = cli([...SMALL, '--resume']);
  assert.equal(r.status, 0, r.stderr);
  const resumed = tree(OUT);
  assert.ok(Object.keys(resumed).filter((k) => k.startsWith('data/train-')).length > 3, 'several train shards');

  const ref = join(tmp, 'ref');
  const u = cli(['build', '--out', ref, '--shard-size', '120kB', '--resize', 'always', '-q']);
  assert.equal(u.status, 0, u.stderr);
  assert.ok(resumed['originals.jsonl'], 'the resized images have their originals named');
  assert.deepEqual(sansReport(resumed), sansReport(tree(ref)), 'resumed = uninterrupted, byte for byte');
  assert.ok(
    !existsSync(join(tmp, '.out.partial')) && !existsSync(join(tmp, '.out.lock')),
    'nothing left beside the output',
  );
  previous = resumed;
});

for (const [point, format] of [
  ['before-commit', 'png'],
  ['commit-swap', 'jpeg'],
] as const) {
  test(`SIGKILL at ${point}: previous output intact, the next build completes`, async () => {
    const flag = join(tmp, `hold-${point}`);
    // Another image format than the previous build, so that the new output differs from it.
    const child = start(['build', '--out', OUT, '--image-format', format, '-q'], {
      GAD_DATA_TEST_HOLD: point,
      GAD_DATA_TEST_HOLD_FILE: flag,
    });
    await waitFor(() => existsSync(flag), `the build to reach ${point}`);
    await kill(child);
    if (point === 'commit-swap') {
      // Killed between the two renames: the previous output waits beside the output folder...
      assert.ok(!existsSync(OUT));
      assert.deepEqual(tree(join(tmp, '.out.old')), previous);
    } else {
      assert.deepEqual(tree(OUT), previous);
    }
    // ...and any next build puts it back before starting; this one fails on purpose (bad key) and leaves it intact.
    const bad = cli(['build', '--out', OUT, '--train', join(tmp, 'missing.jsonl'), '-q']);
    assert.equal(bad.status, 2, bad.stderr);
    assert.match(bad.stderr, /missing\.jsonl/);
    assert.deepEqual(tree(OUT), previous, 'previous output restored and intact');
    const r = cli(['build', '--out', OUT, '--image-format', format, '-q']);
    assert.equal(r.status, 0, r.stderr);
    assert.notDeepEqual(tree(OUT), previous, 'the new build replaced it');
    previous = tree(OUT);
  });
}

test('SIGKILL during a Hub download: previous output intact; a rerun resumes the download and completes', async () => {
  const content = new Uint8Array(readFileSync(packagePath('test', 'fixtures', 'parquet', 'deepeyes_mini_10.parquet')));
  const commit = fakeCommit('crash-repo');
  const hub = await startHubServer(
    [
      {
        name: 'gad/crash',
        revisions: { main: { commit, files: [{ path: 'data/train-00000-of-00001.parquet', content }] } },
      },
    ],
    { throttle: { chunkBytes: 16384, delayMs: 40 } },
  );
  try {
    const home = join(tmp, 'hf-home');
    mkdirSync(home, { recursive: true });
    const env = { HF_ENDPOINT: hub.url, HF_HOME: home, HF_HUB_CACHE: join(home, 'hub'), HF_HUB_OFFLINE: '0' };
    const args = [
      'build',
      '--out',
      OUT,
      '--train',
      'gad/crash@train',
      '--prompt-key',
      'prompt',
      '--format-prompt',
      'none',
      '--max-prompt-length',
      '8192',
      '-q',
    ];
    const child = start(args, env);
    const blobs = join(home, 'hub', 'datasets--gad--crash', 'blobs');
    await waitFor(
      () =>
        existsSync(blobs) &&
        readdirSync(blobs).some((f) => f.endsWith('.incomplete') && statSync(join(blobs, f)).size > 0),
      'a partial download',
    );
    await kill(child);
    assert.deepEqual(tree(OUT), previous, 'the previous output is untouched');
    const r = await cliAsync(args, env);
    assert.equal(r.status, 0, r.stderr);
    assert.ok(
      hub.requests.some((q) => q.range && /^bytes=[1-9]\d*-\d*$/.test(q.range) && q.status === 206),
      'the rerun resumed the partial download with a Range request',
    );
    const manifest = JSON.parse(readFileSync(join(OUT, 'manifest.json'), 'utf8'));
    assert.equal(manifest.sources[0].commit, commit);
    assert.equal(manifest.splits.train.rowsIn, 10);
  } finally {
    await hub.close();
  }
});
