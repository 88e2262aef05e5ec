import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, readFile, readlink, lstat, writeFile, mkdir, readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createHash } from 'node:crypto';
import { openIngest, type IngestOptions } from '../../src/ingest/ingest.js';
import { GadError } from '../../src/core/errors.js';
import { refuseIncompleteSeries } from '../../src/ingest/hub/offline.js';
import { splitRows } from '../helpers/split-rows.js';
import { startHubServer, fakeCommit, type HubServer, type HubRepo } from '../helpers/hub-server.js';
import { writeRowsParquet, type GenRow } from '../helpers/ingest-parquet.js';

const TOKEN = 'hf_testSecretToken1234567890abcdef';
const REPO = 'tester/tiny-geo';
const CONVERTED = 'tester/script-only';
const MAIN = fakeCommit('main-1');
const TAG = fakeCommit('tag-v1');
const CONV = fakeCommit('convert');

let dir: string;
let server: HubServer;
let trainBytes: Uint8Array;
let testBytes: Uint8Array;
const savedEnv: Record<string, string | undefined> = {};
const ENV_KEYS = [
  'HF_HOME',
  'HF_HUB_CACHE',
  'HUGGINGFACE_HUB_CACHE',
  'HF_ENDPOINT',
  'HF_TOKEN',
  'HUGGING_FACE_HUB_TOKEN',
  'HF_HUB_OFFLINE',
  'HF_TOKEN_PATH',
  'XDG_CACHE_HOME',
];

function rowsOf(n: number, prefix: string): GenRow[] {
  return Array.from({ length: n }, (_, i) => ({
    id: `${prefix}-${i}`,
    problem: `<image>${prefix} question ${i}`,
    answer: String(i * 7),
    images: [{ bytes: new Uint8Array(createHash('sha256').update(`${prefix}${i}`).digest()), path: null }],
  }));
}

const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

async function collect(opts: Partial<IngestOptions> & { splits: IngestOptions['splits'] }, log?: string[]) {
  const ing = await openIngest({
    columns: { prompt: 'problem', answer: 'answer', images: 'images', id: 'id' },
    onWarning: (m) => log?.push(m),
    onProgress: (e) => log?.push(JSON.stringify(e)),
    ...opts,
  });
  return { ing, out: await splitRows({ ing, splits: opts.splits }) };
}

function setEnv(vars: Record<string, string | undefined>) {
  for (const k of ENV_KEYS) delete process.env[k];
  for (const [k, v] of Object.entries(vars)) if (v !== undefined) process.env[k] = v;
}

before(async () => {
  for (const k of ENV_KEYS) savedEnv[k] = process.env[k];
  dir = await mkdtemp(join(tmpdir(), 'gad-ingest-hub-'));
  const t = join(dir, 'train.parquet');
  const v = join(dir, 'test.parquet');
  // several row groups so the reader is exercised the same way as on big files
  await writeRowsParquet(t, rowsOf(150, 'tr'), { rowGroupRows: 40 });
  await writeRowsParquet(v, rowsOf(5, 'te'));
  trainBytes = new Uint8Array(await readFile(t));
  testBytes = new Uint8Array(await readFile(v));
  const small = new Uint8Array(await readFile(v));
  const repos: HubRepo[] = [
    {
      name: REPO,
      requireToken: TOKEN,
      revisions: {
        main: {
          commit: MAIN,
          files: [
            { path: '.gitattributes', content: Buffer.from('*.parquet filter=lfs\n') },
            { path: 'README.md', content: Buffer.from('# tiny\n') },
            { path: 'data/train-00000-of-00001.parquet', content: trainBytes },
            { path: 'data/test-00000-of-00001.parquet', content: testBytes },
          ],
        },
        'v1.0': { commit: TAG, files: [{ path: 'data/train-00000-of-00001.parquet', content: small }] },
      },
    },
    {
      name: CONVERTED,
      revisions: {
        main: {
          commit: fakeCommit('script-main'),
          files: [{ path: 'script-only.py', content: Buffer.from('# a loading script\n') }],
        },
        'refs/convert/parquet': { commit: CONV, files: [{ path: 'default/train/0000.parquet', content: small }] },
      },
    },
  ];
  server = await startHubServer(repos, { pageSize: 2 });
});

after(async () => {
  await server?.close();
  for (const k of ENV_KEYS) {
    if (savedEnv[k] === undefined) delete process.env[k];
    else process.env[k] = savedEnv[k];
  }
  await rm(dir, { recursive: true, force: true });
});

test('first run downloads into HF_HOME in the huggingface_hub layout; offline run reads only the cache', async () => {
  const home = join(dir, 'home1');
  setEnv({ HF_HOME: home, HF_ENDPOINT: server.url, HF_TOKEN: TOKEN });
  const log: string[] = [];
  const before = server.requests.length;
  const { ing, out } = await collect(
    {
      splits: [
        { split: 'train', specs: [`${REPO}@train`] },
        { split: 'test', specs: [`${REPO}@test`] },
      ],
    },
    log,
  );
  assert.equal(out.train!.length, 150);
  assert.equal(out.test!.length, 5);
  assert.deepEqual(ing.rowCount, { train: 150, test: 5 });
  assert.equal(out.train![149]!.id, 'tr-149');
  assert.equal(out.train![3]!.problem, '<image>tr question 3');
  assert.equal(out.train![3]!.dataSource, REPO);
  assert.equal(out.train![3]!.source, `${REPO}@train`);
  assert.deepEqual(
    out.train!.map((s) => s.index),
    Array.from({ length: 150 }, (_, i) => i),
  );
  assert.equal(
    sha(out.train![10]!.images[0]!.bytes!),
    sha(new Uint8Array(createHash('sha256').update('tr10').digest())),
  );

  // provenance: revision resolved to its commit, files with size and sha256
  const src = ing.sources.find((s) => s.split === 'train')!;
  assert.equal(src.kind, 'hub');
  assert.equal(src.repo, REPO);
  assert.equal(src.revision, 'main');
  assert.equal(src.commit, MAIN);
  assert.deepEqual(src.files, [
    { path: 'data/train-00000-of-00001.parquet', bytes: trainBytes.length, sha256: sha(trainBytes) },
  ]);

  // the Python cache layout
  const storage = join(home, 'hub', 'datasets--tester--tiny-geo');
  assert.equal((await readFile(join(storage, 'refs', 'main'), 'utf8')).trim(), MAIN);
  const pointer = join(storage, 'snapshots', MAIN, 'data', 'train-00000-of-00001.parquet');
  assert.ok((await lstat(pointer)).isSymbolicLink());
  assert.equal(await readlink(pointer), join('..', '..', '..', 'blobs', sha(trainBytes)));
  assert.equal(sha(await readFile(join(storage, 'blobs', sha(trainBytes)))), sha(trainBytes));

  // the token reached the server, and never the output
  const mine = server.requests.slice(before);
  assert.ok(mine.length >= 4);
  assert.ok(
    mine.every((r) => r.authorization === `Bearer ${TOKEN}`),
    'every request carries the token',
  );
  assert.ok(
    mine.some((r) => r.url.includes('/tree/') && r.url.includes('cursor=')),
    'the paginated tree listing was followed',
  );
  const progress = log
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as { bytes: number; total: number; file: string });
  const done = progress.find((p) => p.file.endsWith('train-00000-of-00001.parquet') && p.bytes === trainBytes.length);
  assert.ok(done && done.total === trainBytes.length, 'progress reports the finished download with its total');
  const everything = JSON.stringify({ out, sources: ing.sources, log }, (_k, v) =>
    v instanceof Uint8Array ? `<${v.length} bytes>` : v,
  );
  assert.ok(!everything.includes(TOKEN), 'the token does not appear in anything ingest returns or logs');

  // second run: offline, server stopped from being asked
  setEnv({ HF_HOME: home, HF_ENDPOINT: server.url, HF_HUB_OFFLINE: '1' });
  const n = server.requests.length;
  const again = await collect({
    splits: [
      { split: 'train', specs: [`${REPO}@train`] },
      { split: 'test', specs: [`${REPO}@test`] },
    ],
  });
  assert.equal(server.requests.length, n, 'offline mode made no request');
  assert.deepEqual(
    again.out.train!.map((s) => s.id),
    out.train!.map((s) => s.id),
  );
  assert.equal(again.ing.sources[0]!.commit, MAIN);
  assert.deepEqual(again.ing.sources[0]!.files, src.files);

  // online again: everything is cached, no file is downloaded a second time
  setEnv({ HF_HOME: home, HF_ENDPOINT: server.url, HF_TOKEN: TOKEN });
  const m = server.requests.length;
  await collect({ splits: [{ split: 'train', specs: [`${REPO}@train`] }] });
  assert.ok(
    server.requests.slice(m).every((r) => !r.url.includes('/resolve/')),
    'a cached file is not fetched again',
  );
});

test('offline with an empty cache is a clear error; a missing split lists the ones that exist', async () => {
  setEnv({ HF_HOME: join(dir, 'home-empty'), HF_ENDPOINT: server.url, HF_HUB_OFFLINE: '1' });
  await assert.rejects(collect({ splits: [{ split: 'train', specs: [`${REPO}@train`] }] }), (e: unknown) => {
    assert.ok(e instanceof GadError);
    assert.match(e.message, /HF_HUB_OFFLINE=1/);
    assert.match(e.message, /not in the cache/);
    return true;
  });
  setEnv({ HF_HOME: join(dir, 'home2'), HF_ENDPOINT: server.url, HF_TOKEN: TOKEN });
  await assert.rejects(collect({ splits: [{ split: 'train', specs: [`${REPO}@validation`] }] }), (e: unknown) => {
    assert.ok(e instanceof GadError);
    assert.match(e.message, /split 'validation' does not exist/);
    assert.match(e.message, /available splits: test, train/);
    return true;
  });
  // wrong token: an auth error that says what to do, without the token
  setEnv({ HF_HOME: join(dir, 'home2'), HF_ENDPOINT: server.url, HF_TOKEN: 'hf_wrongTokenXYZ123456789' });
  await assert.rejects(collect({ splits: [{ split: 'train', specs: [`${REPO}@train`] }] }), (e: unknown) => {
    assert.ok(e instanceof GadError);
    assert.match(e.hint ?? '', /HF_TOKEN/);
    assert.ok(!e.message.includes('hf_wrongTokenXYZ123456789'));
    return true;
  });
});

test('an interrupted download (.incomplete blob) resumes with a Range request', async () => {
  const home = join(dir, 'home-resume');
  const storage = join(home, 'hub', 'datasets--tester--tiny-geo');
  const keep = Math.floor(trainBytes.length / 3);
  await mkdir(join(storage, 'blobs'), { recursive: true });
  await writeFile(join(storage, 'blobs', `${sha(trainBytes)}.incomplete`), trainBytes.subarray(0, keep));
  setEnv({ HF_HOME: home, HF_ENDPOINT: server.url, HF_TOKEN: TOKEN });
  const n = server.requests.length;
  const { out } = await collect({ splits: [{ split: 'train', specs: [`${REPO}@train`] }] });
  assert.equal(out.train!.length, 150);
  const fileReqs = server.requests.slice(n).filter((r) => r.url.includes('/resolve/') && r.url.includes('train-00000'));
  const resumed = fileReqs.find((r) => r.range === `bytes=${keep}-${trainBytes.length - 1}`);
  assert.ok(resumed, `a Range request from byte ${keep}: ${JSON.stringify(fileReqs.map((r) => r.range))}`);
  const served = fileReqs.reduce((a, r) => a + r.bytes, 0);
  assert.ok(served < trainBytes.length, `only the missing part was sent (${served} of ${trainBytes.length})`);
  assert.equal(sha(await readFile(join(storage, 'blobs', sha(trainBytes)))), sha(trainBytes));
  assert.deepEqual(
    (await readdir(join(storage, 'blobs'))).filter((f) => f.endsWith('.incomplete')),
    [],
  );
});

test('--revision resolves a tag to its commit; a repo without parquet uses refs/convert/parquet', async () => {
  const home = join(dir, 'home-rev');
  setEnv({ HF_HOME: home, HF_ENDPOINT: server.url, HF_TOKEN: TOKEN });
  const { ing, out } = await collect({
    splits: [{ split: 'train', specs: [`${REPO}@train`] }],
    hub: { revision: 'v1.0' },
  });
  assert.equal(out.train!.length, 5);
  assert.equal(ing.sources[0]!.commit, TAG);
  assert.equal(ing.sources[0]!.revision, 'v1.0');
  assert.equal((await readFile(join(home, 'hub', 'datasets--tester--tiny-geo', 'refs', 'v1.0'), 'utf8')).trim(), TAG);

  const log: string[] = [];
  const conv = await collect({ splits: [{ split: 'train', specs: [CONVERTED] }] }, log);
  assert.equal(conv.out.train!.length, 5);
  assert.equal(conv.ing.sources[0]!.revision, 'refs/convert/parquet');
  assert.equal(conv.ing.sources[0]!.commit, CONV);
  assert.ok(log.some((l) => l.includes('refs/convert/parquet')));
  // like huggingface_hub: refs/refs/convert/parquet holds the commit, so offline finds it
  assert.equal(
    (
      await readFile(join(home, 'hub', 'datasets--tester--script-only', 'refs', 'refs', 'convert', 'parquet'), 'utf8')
    ).trim(),
    CONV,
  );
  setEnv({ HF_HOME: home, HF_HUB_OFFLINE: '1' });
  const off = await collect({ splits: [{ split: 'train', specs: [CONVERTED] }] });
  assert.equal(off.out.train!.length, 5);
  assert.equal(off.ing.sources[0]!.commit, CONV);
});

test('a cache written by Python (HF_HUB_CACHE, blobs + snapshot symlinks + refs) is used offline', async () => {
  // lay out the cache by hand exactly as huggingface_hub does
  const cache = join(dir, 'py-cache');
  const storage = join(cache, 'datasets--someone--pydata');
  const commit = fakeCommit('py');
  await mkdir(join(storage, 'blobs'), { recursive: true });
  await mkdir(join(storage, 'refs'), { recursive: true });
  await mkdir(join(storage, 'snapshots', commit, 'data'), { recursive: true });
  await writeFile(join(storage, 'blobs', sha(testBytes)), testBytes);
  await writeFile(join(storage, 'refs', 'main'), commit);
  const { symlink } = await import('node:fs/promises');
  await symlink(
    join('..', '..', '..', 'blobs', sha(testBytes)),
    join(storage, 'snapshots', commit, 'data', 'test-00000-of-00001.parquet'),
  );
  setEnv({ HF_HUB_CACHE: cache, HF_HUB_OFFLINE: '1', HF_ENDPOINT: 'http://127.0.0.1:9' });
  const { ing, out } = await collect({ splits: [{ split: 'test', specs: ['someone/pydata@test'] }] });
  assert.equal(out.test!.length, 5);
  assert.equal(ing.sources[0]!.commit, commit);
  assert.equal(ing.sources[0]!.files[0]!.sha256, sha(testBytes));
});

test('offline: a split whose cached shard series is incomplete is refused, not built from part of its rows', () => {
  const where = 'tester/tiny-geo (cached, HF_HUB_OFFLINE=1)';
  // complete series, and files outside any series, pass
  refuseIncompleteSeries(
    ['data/train-00000-of-00002.parquet', 'data/train-00001-of-00002.parquet', 'extra/train.parquet'],
    where,
  );
  assert.throws(
    () => refuseIncompleteSeries(['data/train-00000-of-00003.parquet', 'data/train-00002-of-00003.parquet'], where),
    (e: unknown) =>
      e instanceof GadError &&
      e.exitCode === 2 &&
      /holds 2 of the 3 shards of data\/train \(missing data\/train-00001-of-00003\)/.test(e.message) &&
      /unset HF_HUB_OFFLINE/.test(e.hint ?? ''),
  );
});

test("a Hub spec without @split read as another split than EasyR1's 'train' says so; with @split or as train it does not", async () => {
  setEnv({ HF_HOME: join(dir, 'home-nosplit'), HF_ENDPOINT: server.url, HF_TOKEN: TOKEN });
  const log: string[] = [];
  await collect(
    {
      splits: [
        { split: 'train', specs: [REPO] },
        { split: 'test', specs: [REPO] },
      ],
    },
    log,
  );
  const notices = log.filter((l) => /has no @split/.test(l));
  assert.equal(notices.length, 1, log.join('\n'));
  assert.match(
    notices[0]!,
    new RegExp(`${REPO} has no @split: gad-data reads its 'test' split, while EasyR1 would read 'train'`),
  );
  const quiet: string[] = [];
  await collect({ splits: [{ split: 'test', specs: [`${REPO}@test`] }] }, quiet);
  assert.ok(!quiet.some((l) => /has no @split/.test(l)));
});
