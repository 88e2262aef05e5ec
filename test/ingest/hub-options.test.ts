/**
 * The Hub client's network settings as huggingface_hub reads them (its constants.py: DEFAULT_ETAG_TIMEOUT and
 * DEFAULT_DOWNLOAD_TIMEOUT = 10 s, `HF_HUB_ETAG_TIMEOUT` / `HF_HUB_DOWNLOAD_TIMEOUT` override, `0` = the default),
 * and the fetch that enforces them, against loopback servers in this process: the connect/answer time-out, the
 * read time-out between two pieces of a body, the byte cap, the token's hosts.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { createServer as createNetServer, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GadError } from '../../src/core/errors.js';
import { DEFAULT_HUB_TIMEOUT, resolveHubOptions, type ResolvedHubOptions } from '../../src/ingest/hub/hub-options.js';
import { hubFetch, tokenAllowed } from '../../src/ingest/hub/fetch.js';
import { HubLimitError, HubNetworkError } from '../../src/ingest/hub/hub-errors.js';

const home = mkdtempSync(join(tmpdir(), 'gad-hub-opts-'));
const closers: Array<() => void> = [];
after(() => {
  for (const c of closers) c();
  rmSync(home, { recursive: true, force: true });
});

test("the default time-out is huggingface_hub's 10 s, for API answers and downloads alike", async () => {
  assert.equal(DEFAULT_HUB_TIMEOUT, 10);
  const o = await resolveHubOptions({}, { HF_HOME: home });
  assert.deepEqual(o.timeouts, { api: 10, download: 10 });
  assert.equal(o.maxAnswerBytes, 64 * 1024 * 1024);
  assert.equal(o.maxPages, 1000);
  assert.deepEqual(o.tokenHosts, []);
});

test('HF_HUB_ETAG_TIMEOUT / HF_HUB_DOWNLOAD_TIMEOUT set them (0 = the default); hub.timeout sets both', async () => {
  const env = { HF_HOME: home, HF_HUB_ETAG_TIMEOUT: '3', HF_HUB_DOWNLOAD_TIMEOUT: '60' };
  assert.deepEqual((await resolveHubOptions({}, env)).timeouts, { api: 3, download: 60 });
  assert.deepEqual((await resolveHubOptions({}, { ...env, HF_HUB_ETAG_TIMEOUT: '0' })).timeouts, {
    api: 10,
    download: 60,
  });
  assert.deepEqual((await resolveHubOptions({ timeout: 2 }, env)).timeouts, { api: 2, download: 2 });
  await assert.rejects(
    resolveHubOptions({}, { HF_HOME: home, HF_HUB_DOWNLOAD_TIMEOUT: 'soon' }),
    (e: unknown) => e instanceof GadError && e.exitCode === 2 && /HF_HUB_DOWNLOAD_TIMEOUT="soon"/.test(e.message),
  );
});

function opts(p: Partial<ResolvedHubOptions> = {}): ResolvedHubOptions {
  return {
    endpoint: 'http://127.0.0.1:1',
    token: undefined,
    cacheDir: home,
    offline: false,
    revision: 'main',
    timeouts: { api: 0.5, download: 0.5 },
    maxAnswerBytes: 1024,
    maxPages: 10,
    tokenHosts: [],
    ...p,
  };
}

test('the token goes to the endpoint origin and to allow-listed hosts only', () => {
  const o = opts({ endpoint: 'https://hf-mirror.com', tokenHosts: ['cdn.example', 'files.example:8443'] });
  assert.equal(tokenAllowed(o, new URL('https://hf-mirror.com/api/x')), true);
  assert.equal(tokenAllowed(o, new URL('http://hf-mirror.com/api/x')), false, 'another scheme is another origin');
  assert.equal(tokenAllowed(o, new URL('https://evil.example/xet-auth')), false);
  assert.equal(tokenAllowed(o, new URL('https://cdn.example/x')), true);
  assert.equal(tokenAllowed(o, new URL('https://files.example:8443/x')), true);
  assert.equal(tokenAllowed(o, new URL('https://files.example/x')), false);
});

async function listen(server: ReturnType<typeof createServer> | ReturnType<typeof createNetServer>): Promise<string> {
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

test('no answer within the time-out: a HubNetworkError naming the host and the seconds', async () => {
  const sockets: Socket[] = [];
  const server = createNetServer((s) => void sockets.push(s));
  const url = await listen(server);
  closers.push(() => {
    for (const s of sockets) s.destroy();
    server.close();
  });
  const f = hubFetch({
    o: opts({ endpoint: url }),
    kind: 'api',
    what: 'a test',
    maxBytes: 1024,
    limit: 'x',
    raise: 'y',
  });
  await assert.rejects(
    f(`${url}/api/x`),
    (e: unknown) =>
      e instanceof HubNetworkError && e.message === `the Hub at ${url} did not answer within 0.5 s (a test)`,
  );
});

test('a body that stalls mid-way is given up after the read time-out; a body over the cap is cut', async () => {
  const server = createServer((req, res) => {
    res.writeHead(200, { 'Content-Type': 'application/json' });
    if (req.url === '/stall')
      res.write('[1,2,'); // then nothing
    else res.end(JSON.stringify(Array.from({ length: 1000 }, (_, i) => i)));
  });
  const url = await listen(server);
  closers.push(() => {
    server.closeAllConnections();
    server.close();
  });
  const f = hubFetch({
    o: opts({ endpoint: url }),
    kind: 'api',
    what: 'a test',
    maxBytes: 1024,
    limit: 'the cap',
    raise: 'raise it',
  });
  const stalled = await f(`${url}/stall`);
  await assert.rejects(
    stalled.json(),
    (e: unknown) => e instanceof HubNetworkError && /sent nothing more for 0\.5 s/.test(e.message),
  );
  const big = await f(`${url}/big`);
  await assert.rejects(
    big.json(),
    (e: unknown) => e instanceof HubLimitError && /sent more than 1\.0 kB \(the cap\) for a test/.test(e.message),
  );
  assert.ok(f.failure instanceof HubLimitError, 'the fetch remembers what it raised');
});
