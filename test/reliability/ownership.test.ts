/**
 * Ownership of the output folder (issue 13, item 1): a build replaces only what gad-data wrote there.
 * - a folder that is not a gad-data output (an unrelated manifest.json, notes, sources) is refused with
 *   exit 2 naming its files, and left untouched;
 * - a git clone of an earlier output is rebuilt into: `.git/` and `.gitattributes` survive, git sees only
 *   gad-data's files change;
 * - `train.log` and `train/` (written by `gad-data train`) and the user's notes survive a rebuild;
 * - a file in `data/` that the manifest does not list is refused (the trainer would read it as data);
 * - an OUT that is a symlink is written through to its target, never replaced by a folder;
 * - a SIGKILL while the user's entries are being carried over, or between the two renames of the commit,
 *   loses nothing: the next build puts the previous output and the user's entries back.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, lstatSync, readFileSync, readdirSync, readlinkSync } from 'node:fs';
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from '../../src/pipeline/build.js';
import { isGadError } from '../../src/core/errors.js';
import { openOutput } from '../../src/output/out-dir.js';
import { startHeldCli } from '../helpers/held-cli.js';
import { writeSquareRows } from '../helpers/square-rows.js';
import { squareBuild } from '../helpers/square-build.js';
import { tree } from '../helpers/files.js';
import { packagePath } from '../../src/core/paths.js';
import { runCli } from '../helpers/gad-cli.js';

let tmp: string;
let data: string;

before(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'gad-rel-own-'));
  data = join(tmp, 'src-data');
  await writeSquareRows({ dir: data, prompt: (i) => `What colour is square ${i}?` });
});
after(async () => {
  await rm(tmp, { recursive: true, force: true });
});

/** A tiny build (6 rows); `format` changes the bytes of the shards. */
const config = (out: string, format: 'png' | 'jpeg' = 'png') => squareBuild({ data, out, format }).config;
const cliArgs = (out: string, format: 'png' | 'jpeg' = 'png') => squareBuild({ data, out, format, quiet: true }).argv;

/** Files gad-data writes, relative to OUT (for "ours was replaced" checks). */
const ownFiles = (t: Record<string, string>) =>
  Object.fromEntries(
    Object.entries(t).filter(([k]) => !k.startsWith('.git') && !k.startsWith('train') && k !== 'notes.txt'),
  );
/** Nothing left beside OUT (lock, work dir, old output, carry record). */
function assertNothingBeside(parent: string, name: string) {
  const left = readdirSync(parent).filter((f) => f.startsWith(`.${name}.`));
  assert.deepEqual(left, [], `left beside ${name}: ${left.join(', ')}`);
}

test('a folder with an unrelated manifest.json, notes.txt and src/ is refused (exit 2, naming the files) and left untouched', async () => {
  const out = join(tmp, 'webapp');
  await mkdir(join(out, 'src'), { recursive: true });
  await writeFile(join(out, 'manifest.json'), '{"name": "my web app", "short_name": "app", "icons": []}\n');
  await writeFile(join(out, 'notes.txt'), 'three weeks of notes');
  await writeFile(join(out, 'src', 'main.c'), 'int main(void) { return 0; }\n');
  const before = tree(out);

  await assert.rejects(build(config(out)), (e: unknown) => {
    assert.ok(isGadError(e), String(e));
    assert.equal(e.exitCode, 2);
    assert.match(e.message, /not a gad-data output/);
    assert.match(e.message, /not written by gad-data/);
    for (const f of ['manifest.json', 'notes.txt', 'src']) assert.ok(e.message.includes(f), `names ${f}: ${e.message}`);
    assert.match(e.hint ?? '', /choose another --out, or empty/);
    return true;
  });
  assert.deepEqual(tree(out), before, 'the folder is untouched');
  assertNothingBeside(tmp, 'webapp');

  const r = await runCli(cliArgs(out), { cwd: tmp });
  assert.equal(r.status, 2, r.stderr);
  assert.match(r.stderr, /not a gad-data output.*manifest\.json, notes\.txt, src/);
  assert.match(r.stderr, /fix: choose another --out/);
  assert.doesNotMatch(r.stderr, /bug/);
  assert.deepEqual(tree(out), before);

  // without any manifest.json: refused too
  const plain = join(tmp, 'plain');
  await mkdir(plain);
  await writeFile(join(plain, 'thesis.tex'), 'precious');
  await assert.rejects(build(config(plain)), /not a gad-data output \(no manifest\.json\); it holds thesis\.tex/);
  assert.equal(readFileSync(join(plain, 'thesis.tex'), 'utf8'), 'precious');
});

test('rebuilding into a git clone of an earlier output keeps .git/ and .gitattributes; git sees only gad-data files change', async () => {
  const out = join(tmp, 'clone');
  await build(config(out, 'png'));
  const git = (...args: string[]) => {
    const r = spawnSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@example.com', ...args], {
      cwd: out,
      encoding: 'utf8',
    });
    assert.equal(r.status, 0, `git ${args.join(' ')}: ${r.stderr}`);
    return r.stdout;
  };
  git('init', '-q');
  await writeFile(join(out, '.gitattributes'), '*.parquet binary\n*.jsonl text eol=lf\n');
  git('add', '-A');
  git('commit', '-q', '-m', 'first build');
  const head = git('rev-parse', 'HEAD').trim();
  const gitBefore = tree(join(out, '.git'));
  const ours = ownFiles(tree(out));

  const r = await build(config(out, 'jpeg'));
  assert.equal(r.exitCode, 0);
  assert.ok(existsSync(join(out, '.git')), '.git/ survives the rebuild');
  assert.equal(readFileSync(join(out, '.gitattributes'), 'utf8'), '*.parquet binary\n*.jsonl text eol=lf\n');
  assert.equal(git('rev-parse', 'HEAD').trim(), head);
  git('fsck', '--no-progress');
  assert.deepEqual(tree(join(out, '.git')), gitBefore, 'nothing in .git/ changed');
  const changed = git('status', '--porcelain')
    .split('\n')
    .filter(Boolean)
    .map((l) => l.slice(3));
  assert.ok(changed.length > 0, 'the new build changed the shards');
  for (const f of changed) assert.ok(!f.startsWith('.git'), `git reports only gad-data files as changed, not ${f}`);
  assert.notDeepEqual(ownFiles(tree(out)), ours, 'gad-data files were replaced');
  assert.equal(JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8')).config.image_format, 'jpeg');
  assertNothingBeside(tmp, 'clone');
});

test('train.log, train/ and notes survive a rebuild through the CLI; a stray file in data/ is refused', async () => {
  const out = join(tmp, 'trained');
  let r = await runCli(cliArgs(out, 'png'), { cwd: tmp });
  assert.equal(r.status, 0, r.stderr);
  await writeFile(join(out, 'train.log'), '# gad-data train\nstep 1 loss 0.5\n');
  await mkdir(join(out, 'train', 'ckpt'), { recursive: true });
  await writeFile(join(out, 'train', 'ckpt', 'state.txt'), 'step 1');
  await writeFile(join(out, 'notes.txt'), 'mine');
  const theirs = Object.fromEntries(
    Object.entries(tree(out)).filter(([k]) => k.startsWith('train') || k === 'notes.txt'),
  );
  assert.equal(Object.keys(theirs).length, 3);

  r = await runCli(cliArgs(out, 'jpeg'), { cwd: tmp });
  assert.equal(r.status, 0, r.stderr);
  const now = tree(out);
  for (const [k, v] of Object.entries(theirs)) assert.equal(now[k], v, `${k} kept as it was`);
  assert.equal(JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8')).config.image_format, 'jpeg');
  assertNothingBeside(tmp, 'trained');

  // a file in data/ the manifest does not list: the trainer would read it; refused, nothing changed
  await writeFile(join(out, 'data', 'extra-00000-of-00001.parquet'), 'not ours');
  const before = tree(out);
  r = await runCli(cliArgs(out, 'png'), { cwd: tmp });
  assert.equal(r.status, 2, r.stderr);
  assert.match(r.stderr, /data\/extra-00000-of-00001\.parquet/);
  assert.match(r.stderr, /fix: move them out of data\//);
  assert.deepEqual(tree(out), before);
});

test('an OUT that is a symlink is written through to its target and stays a symlink', async () => {
  const target = join(tmp, 'big-disk', 'dataset');
  await mkdir(join(tmp, 'big-disk'));
  const link = join(tmp, 'linked-out');
  await symlink(target, link); // dangling: the target does not exist yet
  await build(config(link, 'png'));
  assert.ok(lstatSync(link).isSymbolicLink(), 'OUT is still a symlink');
  assert.equal(readlinkSync(link), target);
  assert.ok(existsSync(join(target, 'manifest.json')), 'the output is in the target');
  await writeFile(join(target, 'notes.txt'), 'mine');

  const r = await runCli(cliArgs(link, 'jpeg'), { cwd: tmp });
  assert.equal(r.status, 0, r.stderr);
  assert.ok(lstatSync(link).isSymbolicLink(), 'a rebuild keeps the symlink');
  assert.equal(JSON.parse(readFileSync(join(target, 'manifest.json'), 'utf8')).config.image_format, 'jpeg');
  assert.equal(readFileSync(join(target, 'notes.txt'), 'utf8'), 'mine');
  assertNothingBeside(join(tmp, 'big-disk'), 'dataset');
  assertNothingBeside(tmp, 'linked-out');
});

for (const point of ['commit-carry', 'commit-swap'] as const) {
  test(`SIGKILL at ${point} with the user's files in OUT: the next build puts everything back, a later one carries them over`, async () => {
    const out = join(tmp, `kill-${point}`);
    let r = await runCli(cliArgs(out, 'png'), { cwd: tmp });
    assert.equal(r.status, 0, r.stderr);
    await mkdir(join(out, '.git', 'objects'), { recursive: true });
    await writeFile(join(out, '.git', 'HEAD'), 'ref: refs/heads/main\n');
    await writeFile(join(out, '.gitattributes'), '*.parquet binary\n');
    await writeFile(join(out, 'train.log'), 'log');
    await mkdir(join(out, 'train'));
    await writeFile(join(out, 'train', 'x.txt'), 'x');
    const previous = tree(out);

    const flag = join(tmp, `hold-${point}`);
    const held = await startHeldCli({
      args: cliArgs(out, 'jpeg'),
      cwd: tmp,
      point,
      holdFile: flag,
      what: `the build to reach ${point}`,
    });
    await held.kill();
    // Killed mid-commit: some of the user's entries sit in the work folder.
    assert.notDeepEqual(existsSync(out) ? tree(out) : {}, previous);

    // Any next build rolls the commit back first, even one that then fails on a missing input.
    r = await runCli(['build', '--out', out, '--train', join(tmp, 'missing.jsonl'), '-q'], { cwd: tmp });
    assert.equal(r.status, 2, r.stderr);
    assert.deepEqual(tree(out), previous, 'previous output and the user entries are back, byte for byte');

    r = await runCli(cliArgs(out, 'jpeg'), { cwd: tmp });
    assert.equal(r.status, 0, r.stderr);
    const now = tree(out);
    for (const k of ['.git/HEAD', '.gitattributes', 'train.log', 'train/x.txt'])
      assert.equal(now[k], previous[k], `${k} carried over`);
    assert.equal(JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8')).config.image_format, 'jpeg');
    assertNothingBeside(tmp, `kill-${point}`);
  });
}

test('an interrupted commit whose carry record is unreadable still gives the user entries back', async () => {
  const dir = join(tmp, 'torn-carry');
  const out = join(dir, 'out');
  await mkdir(join(out, 'data'), { recursive: true });
  await writeFile(join(out, 'manifest.json'), '{"tool":{"name":"gad-data"},"shards":[]}\n');
  // state after step 2 of a commit: the user's entries were moved into the work folder, the record is damaged
  await mkdir(join(dir, '.out.partial', 'data'), { recursive: true });
  await writeFile(join(dir, '.out.partial', 'manifest.json'), '{"tool":{"name":"gad-data"}}\n');
  await mkdir(join(dir, '.out.partial', '.git'));
  await writeFile(join(dir, '.out.partial', '.git', 'HEAD'), 'ref');
  await writeFile(join(dir, '.out.partial', 'notes.txt'), 'mine');
  await writeFile(join(dir, '.out.carry'), '["notes.t');
  const s = await openOutput(out, { settingsHash: 'x' });
  try {
    assert.match(s.notice ?? '', /put back 2/);
    assert.equal(readFileSync(join(out, 'notes.txt'), 'utf8'), 'mine');
    assert.equal(readFileSync(join(out, '.git', 'HEAD'), 'utf8'), 'ref');
    assert.ok(!existsSync(join(dir, '.out.carry')));
  } finally {
    await s.abort();
  }
  assert.deepEqual(readdirSync(dir), ['out']);
});

test("every file a build writes is gad-data's: a chat_template.jinja from an earlier override goes when the override does", async () => {
  const out = join(tmp, 'override-then-not');
  // the override: the bundled model's own template, as a file (EasyR1's data.override_chat_template)
  const own = JSON.parse(readFileSync(packagePath('fixtures', 'models', 'qwen3-vl', 'chat_template.json'), 'utf8')) as {
    chat_template: string;
  };
  const file = join(tmp, 'override.jinja');
  await writeFile(file, own.chat_template);
  await build({ ...config(out), data: { ...config(out).data, override_chat_template: file } });
  assert.ok(existsSync(join(out, 'chat_template.jinja')), 'the override travels with the data');
  await build(config(out));
  assert.ok(!existsSync(join(out, 'chat_template.jinja')), 'no stale override beside a build made without one');
});
