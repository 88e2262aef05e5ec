import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DuckDBInstance } from '@duckdb/node-api';
import { sha256File } from '../../src/core/hash.js';
import { isGadError } from '../../src/core/errors.js';
import { openOutput } from '../../src/output/out-dir.js';

const compiled = import.meta.url.endsWith('.js');
const childPath = fileURLToPath(new URL(`../helpers/export-child.${compiled ? 'js' : 'ts'}`, import.meta.url));

function startChild(args: string[]) {
  const nodeArgs = compiled ? [childPath, ...args] : ['--import', 'tsx', childPath, ...args];
  const child = spawn(process.execPath, nodeArgs, { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout.on('data', (d) => (out += d));
  child.stderr.on('data', (d) => (err += d));
  const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
  return { child, exited, out: () => out, err: () => err };
}

async function runChild(args: string[]): Promise<string> {
  const c = startChild(args);
  const code = await c.exited;
  assert.equal(code, 0, `child failed: ${c.err()}`);
  return c.out();
}

async function digests(out: string): Promise<Array<[string, string]>> {
  const files = [...(await readdir(join(out, 'data'))).sort().map((f) => `data/${f}`), 'manifest.json', 'README.md'];
  return Promise.all(files.map(async (f) => [f, await sha256File(join(out, f))] as [string, string]));
}

async function readable(out: string): Promise<number> {
  const inst = await DuckDBInstance.create(':memory:');
  const conn = await inst.connect();
  try {
    const r = await conn.runAndReadAll(
      `SELECT count(*)::INTEGER AS n FROM read_parquet('${join(out, 'data', '*.parquet')}')`,
    );
    return r.getRowObjectsJS()[0]!.n as number;
  } finally {
    conn.closeSync();
    inst.closeSync();
  }
}

test('a build killed mid-way leaves the previous output intact and readable; --resume finishes with the same bytes as an uninterrupted run', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'gad-export-kill-'));
  try {
    const reference = join(dir, 'reference');
    const out = join(dir, 'out');
    // uninterrupted reference run
    const refLog = await runChild([reference, '40', '0', 'v2']);
    assert.match(refLog, /done/);
    const want = await digests(reference);
    assert.ok(want.length > 6, 'several shards');
    // previous output in OUT (different settings/content)
    await runChild([out, '7', '0', 'v1']);
    const before = await digests(out);
    assert.equal(await readable(out), 6);

    // v2 build, killed after two shards were finished
    const c = startChild([out, '40', '40', 'v2']);
    const t0 = Date.now();
    while ((c.out().match(/^shard /gm) ?? []).length < 2) {
      assert.ok(Date.now() - t0 < 480_000, `child made no progress: ${c.err()}`);
      if (c.child.exitCode !== null) assert.fail(`child exited early: ${c.err()}`);
      await new Promise((r) => setTimeout(r, 20));
    }
    c.child.kill('SIGKILL');
    await c.exited;
    assert.doesNotMatch(c.out(), /done/);
    assert.deepEqual(await digests(out), before, 'previous output untouched');
    assert.equal(await readable(out), 6);
    assert.ok(
      !(await readdir(join(out, 'data'))).some((f) => !/^train-\d{5}-of-\d{5}\.parquet$/.test(f)),
      'no partial shard in OUT/data',
    );
    assert.ok(existsSync(join(dir, '.out.lock')), 'the dead build left its lock');

    // resume: takes over the stale lock, reuses finished shards, same bytes as the reference
    const log = await runChild([out, '40', '0', 'v2', 'resume']);
    const reused = Number(/reusing (\d+) finished shard/.exec(log)?.[1] ?? -1);
    assert.ok(reused >= 2, `resume reused ${reused} shards:\n${log}`);
    assert.ok(
      (log.match(/^shard /gm) ?? []).length < (refLog.match(/^shard /gm) ?? []).length,
      'fewer shards written on resume',
    );
    assert.deepEqual(await digests(out), want);
    assert.deepEqual((await readdir(dir)).sort(), ['out', 'reference'], 'no lock, work dir or old output left beside');
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('resume with different settings starts fresh and says why', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'gad-export-hash-'));
  try {
    const out = join(dir, 'out');
    const c = startChild([out, '40', '40', 'A']);
    while (!/^shard /m.test(c.out())) {
      if (c.child.exitCode !== null) assert.fail(c.err());
      await new Promise((r) => setTimeout(r, 20));
    }
    c.child.kill('SIGKILL');
    await c.exited;
    const s = await openOutput(out, { settingsHash: 'B', resume: true });
    try {
      assert.equal(s.resumed, null);
      assert.match(s.notice ?? '', /settings hash differs.*starting fresh/);
      assert.deepEqual(await readdir(join(s.workDir, 'data')), []);
    } finally {
      await s.abort();
    }
    assert.ok(!existsSync(join(dir, '.out.partial')));
    assert.ok(!existsSync(join(dir, '.out.lock')));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('two builds into one folder: the second refuses, naming the pid and host; a dead pid lock is taken over', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'gad-export-lock-'));
  try {
    const out = join(dir, 'out');
    const a = await openOutput(out, { settingsHash: 'x' });
    await assert.rejects(openOutput(out, { settingsHash: 'x' }), (e: unknown) => {
      assert.ok(isGadError(e));
      assert.match(e.message, new RegExp(`another build is writing .*pid ${process.pid} on ${hostname()}`));
      return true;
    });
    // the refused build did not disturb the running one
    assert.ok(existsSync(a.workDir));
    await writeFile(join(a.workDir, 'manifest.json'), '{"tool":{"name":"gad-data"}}\n');
    await a.commit();
    assert.deepEqual(JSON.parse(await readFile(join(out, 'manifest.json'), 'utf8')), { tool: { name: 'gad-data' } });

    const dead = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))']).stdout.toString();
    await writeFile(join(dir, '.out.lock'), JSON.stringify({ pid: Number(dead), host: hostname(), started: 'x' }));
    const b = await openOutput(out, { settingsHash: 'x' });
    assert.match(await readFile(join(dir, '.out.lock'), 'utf8'), new RegExp(`"pid":${process.pid}`));
    await b.abort();
    assert.ok(!existsSync(join(dir, '.out.lock')));
    assert.ok(existsSync(join(out, 'manifest.json')), 'abort leaves the previous output');
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('refuses to replace a folder that is not a gad-data output; restores the previous output after a commit cut between its renames', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'gad-export-safe-'));
  try {
    const mine = join(dir, 'notes');
    await mkdir(mine);
    await writeFile(join(mine, 'thesis.tex'), 'precious');
    await assert.rejects(openOutput(mine, { settingsHash: 'x' }), /not a gad-data output/);
    assert.ok(!existsSync(join(dir, '.notes.lock')));

    await mkdir(join(dir, '.out.old', 'data'), { recursive: true });
    await writeFile(join(dir, '.out.old', 'manifest.json'), '{"tool":{"name":"gad-data"},"v":1}\n');
    const s = await openOutput(join(dir, 'out'), { settingsHash: 'x' });
    assert.match(s.notice ?? '', /restored the previous output/);
    assert.equal(await readFile(join(dir, 'out', 'manifest.json'), 'utf8'), '{"tool":{"name":"gad-data"},"v":1}\n');
    await writeFile(join(s.workDir, 'data', 'stray.json'), '{}');
    await assert.rejects(s.commit(), /data\/ must hold only \.parquet shards/);
    await s.abort();
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
