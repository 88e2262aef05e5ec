/**
 * `gad-data view` over the bundled sample build, driven in real headless Chromium (DevTools protocol on a pipe):
 * the table loads, paging, sorting and filters work, a dropped row shows its reason, a row page shows the image
 * that is in the shard (the bytes the page loads equal the shard's) at the processor's size, and the token
 * count of lengths.jsonl. Plus the security rules: the token, paths outside the folder, loopback only, escaping.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { request } from 'node:http';
import { networkInterfaces, tmpdir } from 'node:os';
import { join } from 'node:path';
import { view, type ViewServer } from '../../src/index.js';
import { Browser } from '../helpers/cdp.js';
import { duckRows, readJsonl } from '../helpers/files.js';
import { runCli } from '../helpers/gad-cli.js';
import { findChromium } from '../helpers/validate.js';

const tmp = mkdtempSync(join(tmpdir(), 'gad-view-'));
const out = join(tmp, 'gad-data-out');
let server: ViewServer;
let lengths: Record<string, any>[];
let dropped: Record<string, any>[];

before(async () => {
  const r = await runCli(['build', '--out', 'gad-data-out'], { cwd: tmp, timeoutMs: 300_000 }); // docs/view.md, verbatim
  assert.equal(r.status, 0, r.stderr);
  lengths = readJsonl(join(out, 'lengths.jsonl'));
  dropped = readJsonl(join(out, 'dropped.jsonl'));
  server = await view({ paths: [out] });
});
after(async () => {
  await server?.close();
  rmSync(tmp, { recursive: true, force: true });
});

/** A raw GET (the path sent as is: no URL normalization of `..`), with optional headers. */
function get(
  port: number,
  path: string,
  headers: Record<string, string> = {},
): Promise<{ status: number; body: Buffer; headers: Record<string, any> }> {
  return new Promise((ok, bad) => {
    const req = request({ host: '127.0.0.1', port, path, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => ok({ status: res.statusCode!, body: Buffer.concat(chunks), headers: res.headers }));
    });
    req.on('error', bad);
    req.end();
  });
}

test('requests without the token, or with another one, get 403; with it 200', async () => {
  const t = server.token;
  assert.equal((await get(server.port, '/')).status, 403);
  assert.equal((await get(server.port, '/rows?split=train')).status, 403);
  assert.equal((await get(server.port, '/image?split=train&n=0&i=0')).status, 403);
  assert.equal((await get(server.port, `/?token=${'0'.repeat(t.length)}`)).status, 403);
  assert.equal((await get(server.port, '/file/manifest.json')).status, 403);
  const ok = await get(server.port, `/?token=${t}`);
  assert.equal(ok.status, 200);
  assert.match(String(ok.headers['content-security-policy']), /default-src 'none'/);
  // the cookie set on the first visit stands for the token
  const cookie = String(ok.headers['set-cookie']).split(';')[0]!;
  assert.equal((await get(server.port, '/rows?split=train', { cookie })).status, 200);
  // another Host (DNS rebinding) is refused even with the token
  assert.equal((await get(server.port, `/?token=${t}`, { host: `evil.example:${server.port}` })).status, 403);
});

test('paths outside the build folder are refused (.., %2e%2e, symlinks)', async () => {
  const t = `?token=${server.token}`;
  writeFileSync(join(tmp, 'secret.txt'), 'secret');
  symlinkSync(join(tmp, 'secret.txt'), join(out, 'link.txt'));
  try {
    assert.equal((await get(server.port, `/file/manifest.json${t}`)).status, 200);
    for (const p of [
      '/file/../secret.txt',
      '/file/data/../../secret.txt',
      '/file/%2e%2e/secret.txt',
      '/file/%2E%2E%2Fsecret.txt',
      '/file/data%2f..%2f..%2fsecret.txt',
      `/file/${encodeURIComponent(join(tmp, 'secret.txt'))}`,
      '/file/link.txt',
    ]) {
      const r = await get(server.port, `${p}${t}`);
      assert.equal(r.status, 403, p);
      assert.doesNotMatch(r.body.toString(), /^secret$/m, p);
    }
  } finally {
    rmSync(join(out, 'link.txt'));
  }
});

test('binds to loopback only', async (t) => {
  assert.match(server.url, /^http:\/\/127\.0\.0\.1:\d+\/\?token=[0-9a-f]{48}$/);
  const external = Object.values(networkInterfaces())
    .flat()
    .find((a) => a && a.family === 'IPv4' && !a.internal);
  if (!external) return t.skip('no non-loopback IPv4 address on this machine to try');
  const err = await new Promise<string>((ok) => {
    const req = request({ host: external.address, port: server.port, path: `/?token=${server.token}` }, () =>
      ok('answered'),
    );
    req.on('error', (e: NodeJS.ErrnoException) => ok(e.code ?? 'error'));
    req.setTimeout(10_000, () => req.destroy());
    req.end();
  });
  assert.equal(err, 'ECONNREFUSED');
});

test('a row exported as JSON holds the shard row and its lengths.jsonl record', async () => {
  const r = await get(server.port, `/row.json?token=${server.token}&split=train&n=3`);
  assert.equal(r.status, 200);
  const j = JSON.parse(r.body.toString());
  assert.deepEqual(j.lengths, lengths[3]);
  assert.equal(j.cells.id, lengths[3]!.id);
  const shard = await duckRows(join(out, 'data', 'train-00000-of-00001.parquet'));
  assert.equal(
    Buffer.from(j.cells.images[0].bytes.base64, 'base64').equals(Buffer.from(shard[3]!.images[0].bytes)),
    true,
  );
  assert.equal(j.cells.teacher_response, shard[3]!.teacher_response);
});

test('in Chromium: the table loads, pages, sorts and filters; dropped rows; a row page', async (t) => {
  const chromium = findChromium();
  if (!chromium)
    return t.skip(
      'Chromium not found (/usr/bin/chromium or chromium on PATH): install the Debian `chromium` package to run this check',
    );
  const browser = await Browser.launch(chromium);
  try {
    const tab = await browser.open(server.url);
    assert.match(await tab.eval('document.body.innerText'), /train · 180 rows/);
    await tab.navigateBy(`[...document.links].find((a) => a.textContent === 'train').click()`);
    const train = lengths.filter((l) => l.split === 'train');
    const ids = () => tab.eval<string[]>(`[...document.querySelectorAll('#rows tbody tr')].map((r) => r.dataset.id)`);
    assert.deepEqual(
      await ids(),
      train.slice(0, 50).map((l) => l.id),
    );
    assert.equal(await tab.eval(`document.querySelector('#page-info').textContent`), 'page 1 of 4 · 180 row(s)');
    // thumbnails are the shard's images, decoded by the browser
    assert.equal(
      await tab.eval(`[...document.querySelectorAll('img.thumb')].filter((i) => i.naturalWidth > 0).length`),
      50,
    );
    await tab.screenshot(join(tmp, 'table.png'));
    // paging
    await tab.navigateBy(`document.querySelector('a[rel=next]').click()`);
    assert.deepEqual(
      await ids(),
      train.slice(50, 100).map((l) => l.id),
    );
    // sort by prompt tokens, descending (the form)
    await tab.navigateBy(
      `const f = document.querySelector('form.filters'); f.sort.value = 'prompt_tokens'; f.desc.checked = true; f.querySelector('button').click()`,
    );
    const bySize = [...train].sort((a, b) => b.prompt_tokens - a.prompt_tokens || a.index - b.index);
    assert.deepEqual(
      await ids(),
      bySize.slice(0, 50).map((l) => l.id),
    );
    // image changed: the rows whose stored image the processor resizes
    await tab.navigateBy(
      `const f = document.querySelector('form.filters'); f.sort.value = ''; f.changed.checked = true; f.querySelector('button').click()`,
    );
    const changed = train.filter((l) => l.written.some((w: number[], i: number) => w.join() !== l.resized[i].join()));
    assert.ok(changed.length > 0 && changed.length < train.length);
    assert.deepEqual(
      await ids(),
      changed.slice(0, 50).map((l) => l.id),
    );
    // text search (and the split switch)
    await tab.navigateBy(
      `const f = document.querySelector('form.filters'); f.changed.checked = false; f.split.value = 'test'; f.q.value = 'circle'; f.querySelector('button').click()`,
    );
    const found = await ids();
    assert.ok(found.length > 0);
    const testIds = new Set(lengths.filter((l) => l.split === 'test').map((l) => l.id));
    for (const id of found) assert.ok(testIds.has(id), id);
    assert.match(await tab.eval(`document.querySelector('#rows tbody').innerText`), /circle/i);

    // dropped rows, filtered by reason; a dropped row shows its reason, value and limit
    await tab.goto(`http://127.0.0.1:${server.port}/dropped?token=${server.token}`);
    assert.equal(await tab.eval(`document.querySelectorAll('#dropped tbody tr').length`), dropped.length);
    await tab.navigateBy(
      `const f = document.querySelector('form.filters'); f.reason.value = 'prompt_too_long'; f.querySelector('button').click()`,
    );
    assert.equal(await tab.eval(`document.querySelectorAll('#dropped tbody tr').length`), 1);
    await tab.navigateBy(`document.querySelector('#dropped tbody a').click()`);
    const over = dropped.find((d) => d.reason === 'prompt_too_long')!;
    assert.equal(await tab.eval(`document.querySelector('#drop-reason').textContent`), 'prompt_too_long');
    assert.equal(
      await tab.eval(`document.querySelector('#drop-value').textContent`),
      over.value.toLocaleString('en-US'),
    );
    assert.equal(
      await tab.eval(`document.querySelector('#drop-limit').textContent`),
      over.limit.toLocaleString('en-US'),
    );

    // a row page whose image the processor resizes: the shard's bytes, shown at the processor's size
    const n = train.indexOf(changed[0]!);
    const rec = train[n]!;
    await tab.goto(`http://127.0.0.1:${server.port}/row?token=${server.token}&split=train&n=${n}`);
    assert.equal(
      await tab.eval(`document.querySelector('#prompt-tokens').textContent`),
      rec.prompt_tokens.toLocaleString('en-US'),
    );
    assert.equal(await tab.eval(`document.querySelector('#row-id').textContent`), rec.id);
    const img = await tab.eval<{ w: number; h: number; nw: number; nh: number; src: string }>(
      `(() => { const i = document.querySelector('#image-0'); return { w: i.width, h: i.height, nw: i.naturalWidth, nh: i.naturalHeight, src: i.src }; })()`,
    );
    assert.deepEqual([img.w, img.h], rec.resized[0]);
    assert.deepEqual([img.nw, img.nh], rec.written[0]);
    const shard = await duckRows(join(out, 'data', 'train-00000-of-00001.parquet'));
    // the page's image URL (the page itself may not fetch: its CSP allows no connections) gives the shard's bytes
    const u = new URL(img.src);
    const fetched = await get(Number(u.port), `${u.pathname}${u.search}`);
    assert.equal(fetched.headers['content-type'], 'image/png');
    assert.ok(fetched.body.equals(Buffer.from(shard[n]!.images[0].bytes)));
    // the prompt as the chat template renders it, the image as its token count
    const prompt = await tab.eval<string>(`document.querySelector('#prompt').textContent`);
    assert.match(prompt, /^<\|im_start\|>user\n<\|vision_start\|><\|image_pad\|> × /);
    assert.ok(prompt.includes(`<|image_pad|> × ${rec.image_tokens.toLocaleString('en-US')}<|vision_end|>`));
    assert.match(prompt, /<\|im_start\|>assistant\n$/);
    assert.equal(await tab.eval(`document.querySelector('#teacher-tokens').textContent`), String(rec.response_tokens));
    await tab.screenshot(join(tmp, 'row.png'));
    for (const f of ['table.png', 'row.png']) {
      const png = readFileSync(join(tmp, f));
      assert.ok(png.length > 20_000, `${f} is ${png.length} bytes: a blank page?`);
    }
    if (process.env.GAD_VIEW_SCREENSHOTS) {
      mkdirSync(process.env.GAD_VIEW_SCREENSHOTS, { recursive: true });
      for (const f of ['table.png', 'row.png']) copyFileSync(join(tmp, f), join(process.env.GAD_VIEW_SCREENSHOTS, f));
    }
  } finally {
    await browser.close();
  }
});

test('a prompt holding <script> renders as text (the page runs no script), in a build and in parquet files', async (t) => {
  const dir = join(tmp, 'xss');
  mkdirSync(join(dir, 'images'), { recursive: true });
  copyFileSync(join(process.cwd(), 'fixtures', 'sample', 'images', 'geo-0000.png'), join(dir, 'images', 'a.png'));
  const evil = '<script>document.title="pwned"</script><img src=x onerror="document.title=\'pwned\'"> find x';
  writeFileSync(
    join(dir, 'data.jsonl'),
    `${JSON.stringify({ id: 'evil"<b>', problem: `<image>${evil}`, answer: '1', images: ['images/a.png'] })}\n`,
  );
  const r = await runCli(['build', '--train', 'data.jsonl', '--model', 'qwen3-vl', '--out', 'xout'], {
    cwd: dir,
    timeoutMs: 300_000,
  });
  assert.equal(r.status, 0, r.stderr);
  const build = await view({ paths: [join(dir, 'xout')] });
  const files = await view({ paths: [join(dir, 'xout', 'data', 'train-00000-of-00001.parquet')] });
  try {
    for (const s of [build, files]) {
      for (const path of ['/rows?split=', '/row?n=0&split=']) {
        const split = s === build ? 'train' : 'train-00000-of-00001.parquet';
        const res = await get(s.port, `${path}${encodeURIComponent(split)}&token=${s.token}`);
        assert.equal(res.status, 200, path);
        const html = res.body.toString();
        assert.ok(html.includes('&lt;script&gt;document.title=&quot;pwned&quot;&lt;/script&gt;'), path);
        assert.doesNotMatch(html, /<script|<img src=x/i, path);
      }
    }
    const chromium = findChromium();
    if (!chromium) return t.skip('Chromium not found: the served HTML was checked, not its rendering');
    const browser = await Browser.launch(chromium);
    try {
      const tab = await browser.open(`http://127.0.0.1:${build.port}/row?token=${build.token}&split=train&n=0`);
      assert.equal(await tab.eval('document.querySelectorAll("script").length'), 0);
      assert.notEqual(await tab.eval('document.title'), 'pwned');
      assert.ok((await tab.eval<string>(`document.querySelector('#prompt').textContent`)).includes(evil));
      assert.match(await tab.eval<string>('document.body.innerText'), /"evil\\"<b>"/);
    } finally {
      await browser.close();
    }
  } finally {
    await build.close();
    await files.close();
  }
});

test('parquet files made by others: rows listed, the row page measures the prompt as the build did', async () => {
  const s = await view({ paths: [join(out, 'data', 'test-00000-of-00001.parquet')] });
  try {
    const table = await get(s.port, `/rows?split=test-00000-of-00001.parquet&token=${s.token}`);
    assert.equal(table.status, 200);
    assert.equal((table.body.toString().match(/<tr data-n=/g) ?? []).length, 20);
    const rec = lengths.filter((l) => l.split === 'test')[4]!;
    const row = (await get(s.port, `/row?split=test-00000-of-00001.parquet&n=4&token=${s.token}`)).body.toString();
    assert.match(row, new RegExp(`<dd id="prompt-tokens">${rec.prompt_tokens.toLocaleString('en-US')}</dd>`));
    assert.doesNotMatch(row, /id="limit-cut"/);
  } finally {
    await s.close();
  }
  // a limit the prompt is over: the place where it falls is marked, after the image's tokens
  const rec = lengths.filter((l) => l.split === 'test')[4]!;
  const limit = rec.image_tokens + 20;
  const cut = await view({ paths: [join(out, 'data', 'test-00000-of-00001.parquet')], maxPromptLength: limit });
  try {
    const row = (await get(cut.port, `/row?split=test-00000-of-00001.parquet&n=4&token=${cut.token}`)).body.toString();
    assert.match(
      row,
      new RegExp(`tokens: ${(rec.prompt_tokens - limit).toLocaleString('en-US')} over max_prompt_length`),
    );
    const at = row.indexOf('id="limit-cut"');
    assert.ok(at > row.indexOf('&lt;|image_pad|&gt; ×'), 'the cut comes after the image');
    assert.ok(at < row.indexOf('&lt;|im_start|&gt;assistant'), 'the cut is inside the prompt');
  } finally {
    await cut.close();
  }
});

test('a file that is not parquet, and a lengths.jsonl shorter than the shards, are named, not guessed', async () => {
  writeFileSync(join(tmp, 'junk.parquet'), 'not parquet at all');
  const junk = await runCli(['view', 'junk.parquet'], { cwd: tmp });
  assert.equal(junk.status, 2);
  assert.match(junk.stderr, /cannot read junk\.parquet as parquet/);
  const cut = join(tmp, 'cut');
  mkdirSync(join(cut, 'data'), { recursive: true });
  for (const f of [
    'manifest.json',
    'dropped.jsonl',
    'data/train-00000-of-00001.parquet',
    'data/test-00000-of-00001.parquet',
  ])
    copyFileSync(join(out, f), join(cut, f));
  writeFileSync(
    join(cut, 'lengths.jsonl'),
    readFileSync(join(out, 'lengths.jsonl'), 'utf8').split('\n').slice(0, 10).join('\n') + '\n',
  );
  const s = await view({ paths: [cut] });
  try {
    const r = await get(s.port, `/rows?split=train&token=${s.token}`);
    assert.equal(r.status, 404);
    assert.match(r.body.toString(), /lengths\.jsonl has 10 lines, fewer than the manifest&#39;s shards hold/);
  } finally {
    await s.close();
  }
});

test('a footer indexed without decoding it gives, row group by row group, what hyparquet decodes', async () => {
  const { parquetMetadata } = await import('hyparquet');
  const { groupOfRow, indexFooter, metadataOf, walkTo } = await import('../../src/view/footer.js');
  for (const f of ['train-00000-of-00001.parquet', 'test-00000-of-00001.parquet']) {
    const b = readFileSync(join(out, 'data', f));
    const full = parquetMetadata(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
    const len = b.readUInt32LE(b.length - 8);
    const fi = indexFooter(new Uint8Array(b.buffer, b.byteOffset + b.length - 8 - len, len));
    assert.equal(fi.size, full.row_groups.length);
    assert.equal(fi.numRows, Number(full.num_rows));
    // lazily: the first row needs the first row group only, not a walk of the whole list
    assert.equal(groupOfRow(fi, 0), 0);
    assert.equal(fi.groups.length, 1);
    assert.equal(groupOfRow(fi, fi.numRows), -1);
    walkTo(fi, Infinity);
    assert.equal(fi.groups.length, full.row_groups.length);
    assert.ok(full.row_groups.length >= 1);
    let first = 0;
    full.row_groups.forEach((rg, i) => {
      assert.equal(fi.groups[i]!.rows, Number(rg.num_rows));
      assert.equal(groupOfRow(fi, first), i);
      first += Number(rg.num_rows);
      const one = metadataOf(fi, i);
      assert.deepEqual(one.row_groups, [rg]);
      assert.deepEqual(one.schema, full.schema);
      assert.equal(one.num_rows, full.num_rows);
    });
    assert.deepEqual(metadataOf(fi, null).row_groups, []);
  }
});

test('gad-data view prints the URL and serves until stopped; a folder that is not a build is refused', async () => {
  assert.ok(existsSync(out));
  const { spawn } = await import('node:child_process');
  const { cliArgv } = await import('../helpers/gad-cli.js');
  // docs/view.md's commands, verbatim
  for (const args of [
    ['view', 'gad-data-out'],
    ['view', 'gad-data-out/data/test-00000-of-00001.parquet'],
  ]) {
    const child = spawn(process.execPath, cliArgv(args), { cwd: tmp, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    const url = await new Promise<string>((ok, bad) => {
      const timer = setTimeout(() => bad(new Error(`no URL in 120 s: ${stdout}`)), 120_000);
      child.stdout.on('data', (d) => {
        stdout += d;
        const m = /http:\/\/127\.0\.0\.1:\d+\/\?token=[0-9a-f]+/.exec(stdout);
        if (m) {
          clearTimeout(timer);
          ok(m[0]);
        }
      });
    });
    assert.match(stdout, args[1]!.endsWith('.parquet') ? /20 rows \(parquet files\)/ : /200 rows \(build folder\)/);
    const u = new URL(url);
    assert.equal((await get(Number(u.port), `/${u.search}`)).status, 200);
    const code = await new Promise<number | null>((ok) => {
      child.on('close', ok);
      child.kill('SIGTERM');
    });
    assert.equal(code, 0);
  }
  const bad = await runCli(['view', '.'], { cwd: join(out, 'data') });
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /not a gad-data build folder \(no manifest\.json\)/);
});
