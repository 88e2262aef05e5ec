/**
 * A broken or hostile Hub mirror (HF_ENDPOINT pointing at it): what it lists becomes file names in the HF cache
 * (`blobs/<oid>`, `snapshots/<commit>/<path>`, `refs/<revision>`) and what it serves becomes the blob. A file id
 * with `../`, a path with `..`, a bogus commit id or bytes other than the listed ones must stop the build with
 * exit 2 naming the mirror, leaving nothing outside the cache and no unverified file under a blob's final name.
 * The local stand-in for the Hub (test/helpers/hub-server.ts, `hostile` option) plays the mirror on 127.0.0.1.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, lstatSync, readdirSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative, sep } from 'node:path';
import { createHash } from 'node:crypto';
import { writeHubRowsParquet } from '../helpers/hub-rows-parquet.js';
import { startHubServer, fakeCommit, type HostileMirror, type HubServer } from '../helpers/hub-server.js';
import { runCli, type CliResult } from '../helpers/gad-cli.js';
import { hubEnv } from '../helpers/hub-env.js';

const REPO = 'mirror/geo';
const FILE = 'data/train-00000-of-00001.parquet';
const ARGS = ['--prompt-key', 'problem', '--id-key', 'id', '--format-prompt', 'none'];

let tmp: string;
let good: Uint8Array;
let other: Uint8Array;
const servers: HubServer[] = [];

before(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'gad-rel-mirror-'));
  good = await writeHubRowsParquet({
    file: join(tmp, 'good.parquet'),
    count: 6,
    idPrefix: 'g',
    question: 'g question',
  });
  // other bytes of the listed size (a size other than listed is refused before the hash is checked, see below)
  other = Uint8Array.from(good);
  other[Math.floor(other.length / 2)]! ^= 0xff;
});
after(async () => {
  for (const s of servers) await s.close();
  await rm(tmp, { recursive: true, force: true });
});

async function mirror(hostile: HostileMirror): Promise<HubServer> {
  const s = await startHubServer(
    [
      {
        name: REPO,
        revisions: { main: { commit: fakeCommit('mirror-main'), files: [{ path: FILE, content: good }] } },
      },
    ],
    { hostile },
  );
  servers.push(s);
  return s;
}

const env = (hub: HubServer, home: string) => hubEnv({ endpoint: hub.url, set: { HF_HOME: home } });

/** Every file, symlink and folder below `dir` (symlinks not followed), relative to it. */
function tree(dir: string, rel = '', out: string[] = []): string[] {
  for (const f of readdirSync(join(dir, rel))) {
    const r = rel ? join(rel, f) : f;
    out.push(r);
    if (lstatSync(join(dir, r)).isDirectory()) tree(dir, r, out);
  }
  return out;
}

/**
 * Build from the mirror in a fresh case folder: root/work (cwd, output), root/hf (HF_HOME). Returns the result
 * and every path written under root outside root/hf/hub/datasets--mirror--geo and the output folder.
 */
async function buildFrom(
  hub: HubServer,
  name: string,
): Promise<{ r: CliResult; root: string; storage: string; strays: string[] }> {
  const root = join(tmp, name);
  const work = join(root, 'work');
  await mkdir(work, { recursive: true });
  const home = join(root, 'hf');
  const r = await runCli(['build', '--train', `${REPO}@train`, '--out', join(work, 'out'), ...ARGS], {
    cwd: work,
    env: env(hub, home),
    timeoutMs: 540_000,
  });
  const storage = join(home, 'hub', 'datasets--mirror--geo');
  const allowed = [storage, join(work, 'out'), join(work, '.out'), work, home, join(home, 'hub')];
  const strays = tree(root)
    .map((p) => join(root, p))
    .filter(
      (p) =>
        !allowed.includes(p) &&
        !p.startsWith(storage + sep) &&
        !p.startsWith(join(work, 'out') + sep) &&
        !relative(work, p).startsWith('.out'),
    );
  return { r, root, storage, strays };
}

function assertRefused(r: CliResult, hub: HubServer, what: RegExp) {
  assert.equal(r.status, 2, `exit 2 (stderr: ${r.stderr})`);
  assert.ok(r.stderr.includes(hub.url), `the message names the mirror ${hub.url}: ${r.stderr}`);
  assert.match(r.stderr, what);
  assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
}

test(
  'a file id with ../ (oid traversal): exit 2 naming the mirror, nothing written outside the cache',
  { timeout: 600_000 },
  async () => {
    const hub = await mirror({
      entry: (e) => ({
        ...e,
        oid: '../../../../escaped-oid',
        ...(e.lfs ? { lfs: { ...e.lfs, oid: '../../../../escaped-oid' } } : {}),
      }),
    });
    const { r, root, strays } = await buildFrom(hub, 'oid');
    assertRefused(r, hub, /file id/);
    assert.deepEqual(strays, [], 'nothing outside the cache');
    assert.equal(existsSync(join(root, 'escaped-oid')), false);
    assert.ok(!hub.requests.some((q) => q.url.includes('/resolve/')), 'refused before downloading anything');
  },
);

test(
  "a path with '..' (path traversal): exit 2 naming the mirror, no symlink planted outside the snapshot",
  { timeout: 600_000 },
  async () => {
    const hub = await mirror({
      entry: (e) => ({ ...e, path: 'data/' + '../'.repeat(6) + 'planted/train-00000-of-00001.parquet' }),
    });
    const { r, root, strays } = await buildFrom(hub, 'path');
    assertRefused(r, hub, /'\.\.' segment/);
    assert.deepEqual(strays, [], 'nothing outside the cache');
    assert.equal(existsSync(join(root, 'planted')), false);
  },
);

test('an absolute path and a backslash path in the listing are refused too', { timeout: 600_000 }, async () => {
  for (const [name, path, what] of [
    ['abs', `${tmp}/abs-planted/train-00000-of-00001.parquet`, /absolute path/],
    ['backslash', 'data\\..\\..\\..\\..\\..\\..\\bs\\train-00000-of-00001.parquet', /backslash/],
  ] as const) {
    const hub = await mirror({ entry: (e) => ({ ...e, path }) });
    const { r, strays } = await buildFrom(hub, name);
    assertRefused(r, hub, what);
    assert.deepEqual(strays, [], `${name}: nothing outside the cache`);
  }
  assert.equal(existsSync(join(tmp, 'abs-planted')), false);
});

test(
  'a commit id that is not 40 hex digits: exit 2 naming the mirror, no snapshot folder outside the cache',
  { timeout: 600_000 },
  async () => {
    const hub = await mirror({ sha: '../../../../escaped-commit' });
    const { r, root, strays } = await buildFrom(hub, 'commit');
    assertRefused(r, hub, /not behaving like the Hugging Face Hub/);
    assert.deepEqual(strays, []);
    assert.equal(existsSync(join(root, 'escaped-commit')), false);
  },
);

test(
  'other bytes than the listed sha256 (LFS): exit 2 naming the mirror, no blob under its final name',
  { timeout: 600_000 },
  async () => {
    const hub = await mirror({ body: () => other });
    const { r, storage, strays } = await buildFrom(hub, 'sha256');
    assertRefused(r, hub, /does not match its listed id \(sha256/);
    assert.deepEqual(strays, []);
    const blobs = existsSync(join(storage, 'blobs')) ? readdirSync(join(storage, 'blobs')) : [];
    assert.deepEqual(blobs, [], 'neither the blob nor a partial file is left');
    assert.equal(existsSync(join(storage, 'snapshots', fakeCommit('mirror-main'), FILE)), false, 'no snapshot link');
  },
);

test(
  'other bytes than the listed git blob id (a non-LFS file): exit 2, no blob; the honest non-LFS file builds',
  { timeout: 600_000 },
  async () => {
    const gitOid = createHash('sha1').update(`blob ${good.length}\0`).update(good).digest('hex');
    const nonLfs = (e: Parameters<NonNullable<HostileMirror['entry']>>[0]) => ({
      type: e.type,
      oid: e.oid,
      size: e.size,
      path: e.path,
    });
    const bad = await mirror({ entry: nonLfs, body: () => other });
    const { r, storage } = await buildFrom(bad, 'gitsha');
    assertRefused(r, bad, /does not match its listed id \(git-sha1/);
    assert.deepEqual(existsSync(join(storage, 'blobs')) ? readdirSync(join(storage, 'blobs')) : [], []);

    // the same listing with the right bytes: verified against the git blob id and built
    const honest = await mirror({ entry: nonLfs });
    const ok = await buildFrom(honest, 'gitsha-ok');
    assert.equal(ok.r.status, 0, ok.r.stderr);
    assert.deepEqual(readdirSync(join(ok.storage, 'blobs')), [gitOid]);
    assert.deepEqual(ok.strays, []);
  },
);

test(
  'a download whose size is not the listed one: exit 2 naming the mirror before any byte is written',
  { timeout: 150_000 },
  async () => {
    const hub = await mirror({ body: () => good.subarray(0, good.length - 100) });
    const { r, storage, strays } = await buildFrom(hub, 'size');
    assertRefused(
      r,
      hub,
      new RegExp(`sent a size of ${good.length - 100} bytes for ${FILE} of ${REPO}, listed at ${good.length} bytes`),
    );
    assert.deepEqual(strays, []);
    assert.deepEqual(existsSync(join(storage, 'blobs')) ? readdirSync(join(storage, 'blobs')) : [], []);
  },
);
