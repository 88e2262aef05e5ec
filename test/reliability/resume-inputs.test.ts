/**
 * Resume that cannot mix inputs (issue 13, item 4). A build is SIGKILLed with finished shards in its work folder
 * (mid-build), then an input is edited and the build is resumed:
 * - the teacher file edited → the resumed build starts over (a log line says the teacher file changed) and its
 *   shards equal those of a fresh build with the new file (no old teacher response survives);
 * - an image file edited → likewise (a log line names the image);
 * - killed after the shards got their final names but before the commit, nothing edited → the shards are reused.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, mkdir, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { startHeldCli } from '../helpers/held-cli.js';
import { cliArgv, runCli } from '../helpers/gad-cli.js';
import { duckRows, tree } from '../helpers/files.js';
import { flat } from '../helpers/bad-corpus.js';

let tmp: string;
const ROWS = 60;
const env = { ...process.env, NO_COLOR: '1' };

async function writeTeacher(tag: string) {
  const lines = Array.from({ length: ROWS }, (_, i) =>
    JSON.stringify({ id: `r${i}`, response: `${tag} response ${i}` }),
  );
  await writeFile(join(tmp, 'teacher.jsonl'), `${lines.join('\n')}\n`);
}

before(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'gad-rel-resume-'));
  await mkdir(join(tmp, 'img'), { recursive: true });
  const rows = [];
  for (let i = 0; i < ROWS; i++) {
    await writeFile(
      join(tmp, 'img', `${i}.png`),
      await flat(48 + 4 * i, 40, 200 + i)
        .png()
        .toBuffer(),
    );
    rows.push(
      JSON.stringify({ id: `r${i}`, problem: `<image>Question ${i}?`, answer: String(i), images: [`img/${i}.png`] }),
    );
  }
  await writeFile(join(tmp, 'train.jsonl'), `${rows.join('\n')}\n`);
  await writeTeacher('old');
});
after(async () => {
  await rm(tmp, { recursive: true, force: true });
});

const args = (out: string) => [
  'build',
  '--train',
  'train.jsonl',
  '--teacher',
  'teacher.jsonl',
  '--id-key',
  'id',
  '--format-prompt',
  'none',
  '--shard-size',
  '3kB',
  '--out',
  out,
];

/** Run a build until it holds just before its commit (every shard finished and renamed), then SIGKILL it. */
async function killBeforeCommit(out: string) {
  const holdFile = join(tmp, `hold-${Date.now()}`);
  const held = await startHeldCli({
    args: args(out),
    cwd: tmp,
    env,
    point: 'before-commit',
    holdFile,
    what: 'the build to reach its commit',
  });
  await held.kill();
  assert.ok(existsSync(join(tmp, `.${out}.partial`, 'data')), 'the interrupted work folder holds the finished shards');
}

/** Run a build until its journal lists two finished shards (mid-build), then SIGKILL it. */
async function killMidBuild(out: string, work = join(tmp, `.${out}.partial`)) {
  const journal = join(work, '.journal.jsonl');
  const child = spawn(process.execPath, cliArgv(args(out)), { cwd: tmp, env, stdio: 'ignore' });
  let exited = false;
  const done = new Promise((ok) => child.once('exit', () => ok((exited = true))));
  const t0 = Date.now();
  while (!(existsSync(journal) && readFileSync(journal, 'utf8').trim().split('\n').length >= 3)) {
    if (exited) throw new Error('the build finished before it could be killed mid-way');
    if (Date.now() - t0 > 480_000) throw new Error('no finished shard in time');
    await sleep(10);
  }
  child.kill('SIGKILL');
  await done;
  assert.ok(!existsSync(join(tmp, out)), 'killed before the commit');
}

async function freshBuild(out: string) {
  const r = await runCli(args(out), { cwd: tmp, env });
  assert.equal(r.status, 0, r.stderr);
  return tree(join(tmp, out, 'data'));
}

test(
  'killed before the commit, nothing edited: --resume reuses the finished shards',
  { timeout: 600_000 },
  async () => {
    await killBeforeCommit('same');
    const r = await runCli([...args('same'), '--resume'], { cwd: tmp, env });
    assert.equal(r.status, 0, r.stderr);
    const m = /resume: reusing (\d+) finished shard/.exec(r.stderr);
    assert.ok(m && Number(m[1]) > 1, `shards reused: ${r.stderr}`);
    assert.deepEqual(tree(join(tmp, 'same', 'data')), await freshBuild('same-ref'));
  },
);

test(
  'the teacher file edited between the kill and --resume: starts over, says why, no old response survives',
  { timeout: 600_000 },
  async () => {
    await writeTeacher('old');
    await killMidBuild('teacher');
    await writeTeacher('new');
    const r = await runCli([...args('teacher'), '--resume'], { cwd: tmp, env });
    assert.equal(r.status, 0, r.stderr);
    assert.doesNotMatch(r.stderr, /reusing \d+ finished shard/);
    assert.match(r.stderr, /resume: the teacher file \S*teacher\.jsonl changed \(sha256 differs\)/);
    const rows = [];
    for (const f of Object.keys(tree(join(tmp, 'teacher', 'data'))).sort())
      rows.push(...(await duckRows(join(tmp, 'teacher', 'data', f))));
    assert.equal(rows.length, ROWS);
    assert.deepEqual(
      rows.map((x) => x.teacher_response),
      Array.from({ length: ROWS }, (_, i) => `new response ${i}`),
    );
    assert.deepEqual(tree(join(tmp, 'teacher', 'data')), await freshBuild('teacher-ref'));
  },
);

test(
  'an image file edited between the kill and --resume: starts over, naming the image; output equals a fresh build',
  { timeout: 600_000 },
  async () => {
    await writeTeacher('old');
    await killMidBuild('image');
    // row 0 is in the first finished shard
    const before = readFileSync(join(tmp, 'img', '0.png'));
    await writeFile(join(tmp, 'img', '0.png'), await flat(96, 64, 999).png().toBuffer());
    assert.notDeepEqual(readFileSync(join(tmp, 'img', '0.png')), before);
    const r = await runCli([...args('image'), '--resume'], { cwd: tmp, env });
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stderr, /resume: image file \S*img\/0\.png changed since the interrupted build/);
    assert.doesNotMatch(r.stderr, /reusing \d+ finished shard/);
    assert.deepEqual(tree(join(tmp, 'image', 'data')), await freshBuild('image-ref'));
  },
);

test(
  'an --out that is a symlink: a refused resume still says why (the digest is read beside the link target)',
  { timeout: 600_000 },
  async () => {
    await writeTeacher('old');
    await mkdir(join(tmp, 'targets'), { recursive: true });
    await symlink(join('targets', 'real'), join(tmp, 'linked'));
    await killMidBuild('linked', join(tmp, 'targets', '.real.partial'));
    await writeTeacher('new');
    const r = await runCli([...args('linked'), '--resume'], { cwd: tmp, env });
    assert.equal(r.status, 0, r.stderr);
    assert.doesNotMatch(r.stderr, /reusing \d+ finished shard/);
    assert.match(r.stderr, /resume: the teacher file \S*teacher\.jsonl changed \(sha256 differs\)/);
  },
);
