/**
 * scripts/byte-identity.sh, run as docs/development.md shows it (`scripts/byte-identity.sh main`), in a git
 * repository made of this checkout's files: against itself every build passes (two runs of one commit write the
 * same bytes, a part's rows.bin aside: see the script), and a working-tree change that changes the output (the bundled format
 * prompt) fails, naming the files that differ. Needs git; skipped with the reason outside a git checkout.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { appendFileSync, copyFileSync, mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync } from 'node:fs';
import { symlinkSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, test } from 'node:test';
import { packagePath } from '../../src/core/paths.js';

const root = packagePath();
const tmp = mkdtempSync(join(tmpdir(), 'gad-byte-identity-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

function git(cwd: string, ...args: string[]): string {
  const r = spawnSync('git', args, { cwd, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`git ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
}

function whyNot(): string | undefined {
  if (spawnSync('git', ['--version']).status !== 0) return 'git is not installed';
  const top = spawnSync('git', ['rev-parse', '--show-toplevel'], { cwd: root, encoding: 'utf8' });
  if (top.status !== 0 || realpathSync(top.stdout.trim()) !== realpathSync(root)) return 'not a git checkout';
  if (!existsSync(join(root, 'node_modules'))) return 'no node_modules in the checkout';
  return undefined;
}

/** The command docs/development.md shows under "Byte identity". */
function docsCommand(): string {
  const md = readFileSync(packagePath('docs', 'development.md'), 'utf8');
  const section = md.slice(md.indexOf('## Byte identity'));
  return /```sh\n(scripts\/byte-identity\.sh[^\n]*)\n```/.exec(section)![1]!;
}

/** A git repository on branch main holding this checkout's files (tracked and untracked, not the ignored ones). */
function makeRepo(): string {
  const repo = join(tmp, 'gad-data');
  const files = git(root, 'ls-files', '-z', '--cached', '--others', '--exclude-standard').split('\0');
  for (const f of files) {
    if (!f || /^(node_modules|\.venv|dist)(\/|$)/.test(f) || !existsSync(join(root, f))) continue;
    mkdirSync(dirname(join(repo, f)), { recursive: true });
    copyFileSync(join(root, f), join(repo, f));
  }
  symlinkSync(realpathSync(join(root, 'node_modules')), join(repo, 'node_modules'));
  git(repo, 'init', '-q', '-b', 'main');
  appendFileSync(join(repo, '.git', 'info', 'exclude'), '/node_modules\n');
  git(repo, 'add', '-A');
  git(repo, '-c', 'user.name=t', '-c', 'user.email=t@example.invalid', 'commit', '-q', '-m', 'A');
  return repo;
}

function run(repo: string, builds?: string) {
  const env: NodeJS.ProcessEnv = { ...process.env, TMPDIR: tmp };
  if (builds) env.BYTE_IDENTITY_BUILDS = builds;
  else delete env.BYTE_IDENTITY_BUILDS;
  const r = spawnSync('bash', ['-c', docsCommand()], { cwd: repo, env, encoding: 'utf8', timeout: 1_700_000 });
  return { status: r.status, out: `${r.stdout}\n${r.stderr}` };
}

const skip = whyNot();

test(
  'byte-identity: PASS at a commit against itself, FAIL naming the files when the output changes',
  { skip, timeout: 1_800_000 },
  () => {
    assert.equal(docsCommand(), 'scripts/byte-identity.sh main');
    const repo = makeRepo();

    const same = run(repo);
    assert.equal(same.status, 0, same.out);
    for (const build of ['verl', 'easyr1', 'gad', 'partition']) {
      assert.match(same.out, new RegExp(`^${build} +[1-9]\\d* +0 +0 +0 +PASS$`, 'm'), same.out);
    }
    assert.match(same.out, /^PASS: every output file is byte-identical at main and in the working tree$/m);

    // A change to the bundled format prompt changes what the build writes.
    appendFileSync(join(repo, 'prompts', 'math.jinja'), ' Show your work.');
    const changed = run(repo, 'verl');
    assert.equal(changed.status, 1, changed.out);
    assert.match(changed.out, /^verl +[1-9]\d* +[1-9]\d* +0 +0 +FAIL$/m, changed.out);
    assert.match(changed.out, /^\+[0-9a-f]{64} {2}\.\/gad-data-out\/format_prompt\.jinja$/m, changed.out);
    assert.match(changed.out, /^\+[0-9a-f]{64} {2}\.\/gad-data-out\/data\/train-00000-of-00001\.parquet$/m);
    assert.match(changed.out, /^\+.*Show your work\./m, 'the differing lines of the text file are shown');
    assert.match(changed.out, /^FAIL: outputs differ between main and the working tree/m);

    // Nothing is left registered: the REF checkout was removed.
    assert.deepEqual(
      git(repo, 'worktree', 'list', '--porcelain')
        .split('\n')
        .filter((l) => l.startsWith('worktree ')),
      [`worktree ${realpathSync(repo)}`],
    );
  },
);
