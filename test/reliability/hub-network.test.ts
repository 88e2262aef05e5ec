/**
 * The Hub client against a network that does not behave (issues 22.3, 23.2, 23.7, 30): each case is a loopback
 * server on 127.0.0.1 written for it, and the real `gad-data build` in a child process.
 * - An endpoint that accepts the connection and never answers (a firewalled huggingface.co looks like this):
 *   with the dataset fully cached the build goes on from the cache after the time-out, with a one-line note;
 *   without it, exit 2 naming the time-out and the fix (HF_ENDPOINT=<mirror>, HF_HUB_OFFLINE=1). The time-out is
 *   set to 1 s here through huggingface_hub's own variables (its 10 s default is checked in hub-options.test.ts).
 * - A mirror sending more than it may: an endless file body, a gzip bomb as a file body, a gzip bomb as the file
 *   listing, an endless JSON answer, endless paging: exit 2 naming the host and what was exceeded, and the cache
 *   holds nothing over the listed size.
 * - A `Link` header naming another host (the next listing page, xet's `xet-auth`): the token never goes there.
 * - A full HF cache disk (a real tmpfs) is named as such, not "cannot reach"; HF_HOME being a file is exit 2.
 */
import { test, before, after, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createServer as createNetServer, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { existsSync, lstatSync, mkdirSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createGzip, gzipSync } from 'node:zlib';
import { randomBytes } from 'node:crypto';
import { writeHubRowsParquet } from '../helpers/hub-rows-parquet.js';
import { startHubServer, fakeCommit, type HostileMirror, type HubServer } from '../helpers/hub-server.js';
import { runCli, type CliResult } from '../helpers/gad-cli.js';
import { hubEnv } from '../helpers/hub-env.js';

const REPO = 'net/geo';
const FILE = 'data/train-00000-of-00001.parquet';
const ARGS = ['--prompt-key', 'problem', '--id-key', 'id', '--format-prompt', 'none'];
const TOKEN = 'hf_netTestSecretToken0123456789abcd';
/** Seconds of silence the child waits (huggingface_hub's variables); 1 s keeps the tests quick. */
const FAST = { HF_HUB_ETAG_TIMEOUT: '1', HF_HUB_DOWNLOAD_TIMEOUT: '1' };

let tmp: string;
let good: Uint8Array;
const closers: Array<() => Promise<void>> = [];
const mounts: string[] = [];

/** Rows n-0 …; with `noise`, incompressible bytes beside each image, to make the file as large as a test needs. */
const rowsParquet = (file: string, count: number, noise = 0) =>
  writeHubRowsParquet({
    file,
    count,
    idPrefix: 'n',
    question: 'question',
    imagePath: noise ? () => randomBytes(noise).toString('base64') : undefined,
  });

before(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'gad-rel-net-'));
  good = await rowsParquet(join(tmp, 'good.parquet'), 6);
});
after(async () => {
  for (const c of closers) await c().catch(() => {});
  for (const m of mounts) spawnSync('umount', ['-l', m]);
  await rm(tmp, { recursive: true, force: true });
});

async function hub(hostile?: HostileMirror, content: Uint8Array = good, pageSize?: number): Promise<HubServer> {
  const s = await startHubServer(
    [{ name: REPO, revisions: { main: { commit: fakeCommit('net-main'), files: [{ path: FILE, content }] } } }],
    { ...(hostile ? { hostile } : {}), ...(pageSize ? { pageSize } : {}) },
  );
  closers.push(() => s.close());
  return s;
}

/** A server that accepts every connection and never sends a byte. */
async function silentServer(): Promise<{ url: string; connections: () => number }> {
  const sockets: Socket[] = [];
  const server = createNetServer((s) => void sockets.push(s));
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  closers.push(
    () =>
      new Promise<void>((ok) => {
        for (const s of sockets) s.destroy();
        server.close(() => ok());
      }),
  );
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, connections: () => sockets.length };
}

const env = (endpoint: string, home: string, extra: Record<string, string> = {}) =>
  hubEnv({ endpoint, set: { HF_HOME: home, ...extra }, clear: ['HF_HUB_ETAG_TIMEOUT', 'HF_HUB_DOWNLOAD_TIMEOUT'] });

/** `gad-data build` of REPO@train in root/<name>/work with HF_HOME `home` (default root/<name>/hf). */
async function build(
  endpoint: string,
  name: string,
  opts: { home?: string; env?: Record<string, string>; config?: string } = {},
): Promise<{ r: CliResult; home: string; storage: string; out: string }> {
  const work = join(tmp, name, 'work');
  await mkdir(work, { recursive: true });
  const home = opts.home ?? join(tmp, name, 'hf');
  const out = join(work, 'out');
  const cfg = opts.config ? join(work, 'cfg.yaml') : null;
  if (cfg) writeFileSync(cfg, opts.config!);
  const r = await runCli(['build', '--train', `${REPO}@train`, '--out', out, ...ARGS, ...(cfg ? ['-c', cfg] : [])], {
    cwd: work,
    env: env(endpoint, home, opts.env),
    timeoutMs: 150_000,
  });
  return { r, home, storage: join(home, 'hub', 'datasets--net--geo'), out };
}

/** The fix names a mirror and the cache-only mode. */
function assertNetworkFix(stderr: string) {
  assert.match(stderr, /HF_ENDPOINT=https:\/\/hf-mirror\.com/, `the fix names a mirror: ${stderr}`);
  assert.match(stderr, /HF_HUB_OFFLINE=1/, `the fix names the cache-only mode: ${stderr}`);
}

function assertExit2(r: CliResult, host: string, what: RegExp) {
  assert.equal(r.status, 2, `exit 2 (stderr: ${r.stderr.slice(0, 2000)})`);
  assert.ok(r.stderr.includes(host), `the message names the host ${host}: ${r.stderr}`);
  assert.match(r.stderr, what);
  assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
  assert.doesNotMatch(r.stderr, /a bug/i);
}

/** Every file below `dir` (symlinks not followed) with its size. */
function files(dir: string, rel = '', out: Array<[string, number]> = []): Array<[string, number]> {
  if (!existsSync(join(dir, rel))) return out;
  for (const f of readdirSync(join(dir, rel))) {
    const r = rel ? join(rel, f) : f;
    const st = lstatSync(join(dir, r));
    if (st.isDirectory()) files(dir, r, out);
    else out.push([r, st.size]);
  }
  return out;
}

/** Nothing in the cache is larger than the file the listing names. */
function assertCacheBounded(storage: string) {
  for (const [f, size] of files(storage))
    assert.ok(size <= good.length, `${f} holds ${size} bytes, more than the listed ${good.length}`);
}

test(
  'a Hub that accepts and never answers: with the split cached, the build goes on from the cache with a note; without, exit 2 with the fix',
  { timeout: 400_000 },
  async () => {
    const honest = await hub();
    const first = await build(honest.url, 'silent-cache');
    assert.equal(first.r.status, 0, first.r.stderr);
    const manifest = readFileSync(join(first.out, 'manifest.json'), 'utf8');

    const silent = await silentServer();
    const again = await build(silent.url, 'silent-cache-2', { home: first.home, env: FAST });
    assert.equal(again.r.status, 0, `built from the cache (stderr: ${again.r.stderr})`);
    assert.ok(silent.connections() > 0, 'the Hub was asked first');
    const note = again.r.stderr.split('\n').filter((l) => l.includes('using the cached snapshot'));
    assert.equal(note.length, 1, `one note: ${again.r.stderr}`);
    assert.match(note[0]!, /did not answer within 1 s/);
    assert.match(note[0]!, new RegExp(fakeCommit('net-main').slice(0, 8)));
    assertNetworkFix(note[0]!);
    const m2 = JSON.parse(readFileSync(join(again.out, 'manifest.json'), 'utf8')) as {
      sources: Array<{ commit: string; files: Array<{ sha256: string }> }>;
    };
    const m1 = JSON.parse(manifest) as typeof m2;
    assert.equal(m2.sources[0]!.commit, m1.sources[0]!.commit, 'the same commit');
    assert.deepEqual(
      m2.sources[0]!.files.map((f) => f.sha256),
      m1.sources[0]!.files.map((f) => f.sha256),
      'the same files',
    );

    // a refused connection (nothing listens) with the cache: the same
    const closed = await hub();
    const closedUrl = closed.url;
    await closed.close();
    const refused = await build(closedUrl, 'refused-cache', { home: first.home, env: FAST });
    assert.equal(refused.r.status, 0, refused.r.stderr);
    assert.match(refused.r.stderr, /ECONNREFUSED.*using the cached snapshot/);

    // a server error (503 from a proxy) with the cache: the same
    const failing = await hub({
      answer: (_req, res) => {
        res.writeHead(503, { 'Content-Type': 'text/plain' });
        res.end('upstream unavailable');
        return true;
      },
    });
    const down = await build(failing.url, 'server-error-cache', { home: first.home, env: FAST });
    assert.equal(down.r.status, 0, down.r.stderr);
    assert.match(down.r.stderr, /using the cached snapshot/);

    // nothing cached: exit 2 naming the time-out, the host and the fix
    const cold = await build(silent.url, 'silent-cold', { env: FAST });
    assertExit2(cold.r, silent.url, /did not answer within 1 s/);
    assertNetworkFix(cold.r.stderr);
  },
);

test(
  'an endless file body stops at the listed size: exit 2, nothing of it kept in the cache',
  { timeout: 200_000 },
  async () => {
    let sent = 0;
    const mirror = await hub({
      answer: (req, res, kind) => {
        if (kind !== 'resolve' || req.headers.range) return false;
        res.writeHead(200, { 'Content-Type': 'application/octet-stream' });
        const chunk = Buffer.alloc(64 * 1024, 7);
        const pump = () => {
          while (!res.destroyed && sent < 4 * 1024 ** 3) {
            sent += chunk.length;
            if (!res.write(chunk)) return void res.once('drain', pump);
          }
        };
        res.on('close', () => {});
        pump();
        return true;
      },
    });
    const { r, storage } = await build(mirror.url, 'endless-body', { env: FAST });
    assertExit2(r, mirror.url, new RegExp(`sent more than the listed .*\\(${good.length} bytes\\) for ${FILE}`));
    assertNetworkFix(r.stderr);
    assertCacheBounded(storage);
    assert.deepEqual(readdirSync(join(storage, 'blobs')), [], 'no partial file left');
  },
);

test(
  'a file body that stalls half-way: exit 2 after the read time-out, the part kept; the next run resumes it',
  { timeout: 300_000 },
  async () => {
    const half = Math.floor(good.length / 2);
    const stalling = await hub({
      answer: (req, res, kind) => {
        if (kind !== 'resolve' || req.headers.range) return false;
        res.writeHead(200, { 'Content-Type': 'application/octet-stream', 'Content-Length': String(good.length) });
        res.write(good.subarray(0, half)); // then nothing
        return true;
      },
    });
    const { r, home, storage } = await build(stalling.url, 'stall-body', { env: FAST });
    assertExit2(
      r,
      stalling.url,
      new RegExp(`interrupted \\(${half} of ${good.length} bytes kept; run again to resume\\)`),
    );
    assert.match(r.stderr, /sent nothing more for 1 s/);
    assertNetworkFix(r.stderr);
    const partial = readdirSync(join(storage, 'blobs'));
    assert.equal(partial.length, 1);
    assert.ok(partial[0]!.endsWith('.incomplete'));
    assert.equal(statSync(join(storage, 'blobs', partial[0]!)).size, half);

    const honest = await hub();
    const again = await build(honest.url, 'stall-body-2', { home, env: FAST });
    assert.equal(again.r.status, 0, again.r.stderr);
    assert.ok(
      honest.requests.some((q) => q.range === `bytes=${half}-${good.length - 1}`),
      `resumed with a Range request: ${honest.requests.map((q) => q.range).join(', ')}`,
    );
  },
);

test(
  'a gzip bomb as a file body is cut at the listed size, not inflated into the cache',
  { timeout: 200_000 },
  async () => {
    const bomb = gzipSync(Buffer.alloc(64 * 1024 * 1024), { level: 9 });
    const mirror = await hub({
      answer: (req, res, kind) => {
        if (kind !== 'resolve' || req.headers.range) return false;
        res.writeHead(200, { 'Content-Type': 'application/octet-stream', 'Content-Encoding': 'gzip' });
        res.end(bomb);
        return true;
      },
    });
    const { r, storage } = await build(mirror.url, 'gzip-body', { env: FAST });
    assertExit2(r, mirror.url, /sent more than the listed/);
    assertCacheBounded(storage);
    assert.deepEqual(readdirSync(join(storage, 'blobs')), [], 'no partial file left');
  },
);

/** gzip of a JSON array that inflates to about `mb` MB (directory entries), made as a stream. */
async function jsonBomb(mb: number): Promise<Buffer> {
  const entry = JSON.stringify({ type: 'directory', oid: fakeCommit('d'), size: 0, path: 'd/x' }) + ',';
  const block = Buffer.from(entry.repeat(Math.ceil((1024 * 1024) / entry.length)));
  const gz = createGzip({ level: 9 });
  const parts: Buffer[] = [];
  gz.on('data', (c: Buffer) => parts.push(c));
  const done = new Promise((ok) => gz.on('end', ok));
  gz.write('[');
  for (let i = 0; i < mb; i++) gz.write(block);
  gz.end(entry.slice(0, -1) + ']');
  await done;
  return Buffer.concat(parts);
}

test(
  'a gzip bomb as the file listing stops at hub.max_answer_mb (no crash, bounded memory)',
  { timeout: 200_000 },
  async () => {
    const bomb = await jsonBomb(24);
    const mirror = await hub({
      answer: (_req, res, kind) => {
        if (kind !== 'tree') return false;
        res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Encoding': 'gzip' });
        res.end(bomb);
        return true;
      },
    });
    const { r } = await build(mirror.url, 'gzip-listing', { env: FAST, config: 'hub:\n  max_answer_mb: 4\n' });
    assertExit2(
      r,
      mirror.url,
      /sent more than 4\.0 MB \(hub\.max_answer_mb, for all its pages together\) for the file listing of net\/geo/,
    );
    assert.match(r.stderr, /raise hub\.max_answer_mb/);
  },
);

test('an endless JSON answer stops at the default 64 MB cap', { timeout: 200_000 }, async () => {
  let sent = 0;
  const mirror = await hub({
    answer: (_req, res, kind) => {
      if (kind !== 'info') return false;
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.write('{"id":"net/geo","sha":"');
      const chunk = Buffer.alloc(256 * 1024, 'a');
      const pump = () => {
        while (!res.destroyed && sent < 8 * 1024 ** 3) {
          sent += chunk.length;
          if (!res.write(chunk)) return void res.once('drain', pump);
        }
      };
      pump();
      return true;
    },
  });
  const { r } = await build(mirror.url, 'endless-json', { env: FAST });
  assertExit2(r, mirror.url, /sent more than 64 MB \(hub\.max_answer_mb\) for the info of net\/geo/);
  assert.ok(sent < 1024 ** 3, `the client stopped reading (${sent} bytes sent)`);
});

test(
  'endless paging stops at hub.max_pages; a page link back to an earlier page is a loop',
  { timeout: 200_000 },
  async () => {
    let pages = 0;
    const endless = await hub({
      answer: (req, res, kind) => {
        if (kind !== 'tree') return false;
        pages++;
        const u = new URL(req.url!, 'http://127.0.0.1');
        u.searchParams.set('cursor', String(Number(u.searchParams.get('cursor') ?? 0) + 1));
        const body = JSON.stringify([{ type: 'directory', oid: fakeCommit(`p${pages}`), size: 0, path: `d${pages}` }]);
        res.writeHead(200, {
          'Content-Type': 'application/json',
          'Content-Length': String(body.length),
          Link: `<http://${req.headers.host}${u.pathname}${u.search}>; rel="next"`,
        });
        res.end(body);
        return true;
      },
    });
    const { r } = await build(endless.url, 'endless-pages', { env: FAST });
    assertExit2(r, endless.url, /kept sending pages: more than 1000 \(the file listing of net\/geo/);
    assert.match(r.stderr, /raise hub\.max_pages \(now 1000\)/);
    assert.equal(pages, 1000, 'no page asked past the default limit');

    // the limit is a config key
    pages = 0;
    const few = await build(endless.url, 'endless-pages-50', { env: FAST, config: 'hub:\n  max_pages: 50\n' });
    assertExit2(few.r, endless.url, /kept sending pages: more than 50 /);
    assert.equal(pages, 50);

    const loop = await hub({ link: (next) => next.toString().replace(/cursor=\d+/, 'cursor=0') }, good, 1);
    const l = await build(loop.url, 'loop-pages', { env: FAST });
    assertExit2(l.r, loop.url, /page link that loops back/);
  },
);

/** A plain recording server on 127.0.0.1: another host, as far as the token goes. */
async function otherHost(
  handle: (req: IncomingMessage, res: ServerResponse) => void,
): Promise<{ url: string; auth: Array<string | null>; paths: string[] }> {
  const auth: Array<string | null> = [];
  const paths: string[] = [];
  const server = createServer((req, res) => {
    auth.push((req.headers.authorization as string | undefined) ?? null);
    paths.push(req.url ?? '');
    handle(req, res);
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  closers.push(
    () =>
      new Promise<void>((ok) => {
        server.closeAllConnections();
        server.close(() => ok());
      }),
  );
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, auth, paths };
}

test(
  'HF_TOKEN goes only to the endpoint: not to a next-page Link nor a xet-auth Link on another host',
  { timeout: 300_000 },
  async () => {
    // the listing continues on another host (the same data): the build succeeds, the token stays home
    const second = await hub(undefined, good, 1);
    const first = await hub({ link: (next) => `${second.url}${next.pathname}${next.search}` }, good, 1);
    const paged = await build(first.url, 'token-page', { env: { ...FAST, HF_TOKEN: TOKEN } });
    assert.equal(paged.r.status, 0, paged.r.stderr);
    assert.ok(second.requests.length > 0, 'the other host was asked for the next page');
    assert.deepEqual(
      second.requests.map((q) => q.authorization),
      second.requests.map(() => null),
      'no Authorization header reached the other host',
    );
    assert.ok(
      first.requests.some((q) => q.authorization === `Bearer ${TOKEN}`),
      'the endpoint itself got the token',
    );
    assert.match(paged.r.stderr, new RegExp(`not sending HF_TOKEN to ${second.url}`));
    assert.ok(!paged.r.stderr.includes(TOKEN) && !paged.r.stdout.includes(TOKEN), 'the token is never printed');

    // xet: the file answers with xet headers whose Link names another host for its auth
    const xet = await otherHost((_req, res) => {
      res.writeHead(401, { 'Content-Type': 'application/json' });
      res.end('{"error":"no"}');
    });
    const mirror = await hub({
      answer: (req, res, kind) => {
        if (kind !== 'resolve') return false;
        res.writeHead(200, {
          'Content-Type': 'application/vnd.xet-fileinfo+json',
          'X-Linked-Size': String(good.length),
          'X-Xet-Hash': 'a'.repeat(64),
          ETag: `"${'b'.repeat(64)}"`,
          Link: `<${xet.url}/xet-auth>; rel="xet-auth", <${xet.url}/recon>; rel="xet-reconstruction-info"`,
        });
        res.end(req.method === 'HEAD' ? undefined : '{}');
        return true;
      },
    });
    const x = await build(mirror.url, 'token-xet', { env: { ...FAST, HF_TOKEN: TOKEN } });
    assert.equal(x.r.status, 2, x.r.stderr);
    assert.ok(
      xet.paths.some((p) => p.startsWith('/xet-auth')),
      `the xet-auth host was asked: ${xet.paths.join(', ')}`,
    );
    assert.ok(!xet.auth.some((a) => a?.includes(TOKEN)), 'the token never reached the xet-auth host');
    assert.ok(!x.r.stderr.includes(TOKEN));
  },
);

test(
  'a full HF cache disk names the disk and the fix, not "cannot reach"',
  { timeout: 200_000 },
  async (t: TestContext) => {
    const big = await rowsParquet(join(tmp, 'big.parquet'), 4, 96 * 1024);
    const mirror = await hub(undefined, big);
    const home = join(tmp, 'small-hf');
    mkdirSync(home, { recursive: true });
    const m = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=192k,mode=0777', 'tmpfs', home], { encoding: 'utf8' });
    if (m.status !== 0) return t.skip(`mount -t tmpfs refused here (${(m.stderr || m.error?.message || '').trim()})`);
    mounts.push(home);
    assert.ok(big.length > 192 * 1024, `the file (${big.length} bytes) is larger than the disk`);
    const { r } = await build(mirror.url, 'enospc', { home, env: FAST });
    assert.equal(r.status, 2, r.stderr);
    assert.match(r.stderr, /no space left on the device \(ENOSPC\)/);
    assert.ok(r.stderr.includes(home), `names the cache's disk: ${r.stderr}`);
    assert.match(r.stderr, /point HF_HOME \(or HF_HUB_CACHE\) at a disk with room/);
    assert.doesNotMatch(r.stderr, /cannot reach/);
  },
);

test('HF_HOME naming a file: exit 2 naming it, not exit 3', { timeout: 200_000 }, async () => {
  const mirror = await hub();
  const file = join(tmp, 'hf-home-file');
  writeFileSync(file, 'not a folder');
  const { r } = await build(mirror.url, 'home-file', { home: file, env: FAST });
  assert.equal(r.status, 2, r.stderr);
  assert.match(r.stderr, new RegExp(`${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} is a file, not a folder`));
  assert.match(r.stderr, /point HF_HOME at a folder/);
  assert.ok(statSync(file).isFile(), 'the file is left as it was');
});
