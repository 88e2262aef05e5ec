/**
 * Secrets: a Hub token (HF_TOKEN in the environment, or hub.token in gad-data.yaml) reaches the Hub — the local
 * stand-in checks the Authorization header — and nowhere else: not in any file the build writes (output folder,
 * its siblings, the HF cache including its blobs), not on the console (progress, summary, --json), not in
 * error messages of a refused token, not in `gad-data train --dry-run` on that build.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeHubRowsParquet } from '../helpers/hub-rows-parquet.js';
import { startHubServer, fakeCommit, type HubServer } from '../helpers/hub-server.js';
import { runCli, type CliResult } from '../helpers/gad-cli.js';
import { filesBelow } from '../helpers/files.js';
import { hubEnv } from '../helpers/hub-env.js';

const TOKEN = 'hf_SecretTokenForTests0123456789abcdefXYZ';
const WRONG = 'hf_WrongTokenForTests9876543210zyxwvuQRS';
const REPO = 'secret/private-geo';

let tmp: string;
let hub: HubServer;

before(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'gad-rel-secrets-'));
  const shard = await writeHubRowsParquet({
    file: join(tmp, 'train.parquet'),
    count: 12,
    idPrefix: 's',
    question: 'Private question',
  });
  hub = await startHubServer([
    {
      name: REPO,
      requireToken: TOKEN,
      revisions: {
        main: {
          commit: fakeCommit('secret-main'),
          files: [{ path: 'data/train-00000-of-00001.parquet', content: shard }],
        },
      },
    },
  ]);
});
after(async () => {
  await hub?.close();
  await rm(tmp, { recursive: true, force: true });
});

/** Files below `dir` (other than `except`) whose bytes contain `secret` (as UTF-8, or as UTF-16LE for good measure). */
function filesContaining(dir: string, secret: string, except: string[] = []): string[] {
  const needles = [Buffer.from(secret, 'utf8'), Buffer.from(secret, 'utf16le')];
  return filesBelow(dir).filter((f) => !except.includes(f) && needles.some((n) => readFileSync(f).includes(n)));
}

const env = (extra: Record<string, string>) => hubEnv({ endpoint: hub.url, set: extra });

function assertClean(r: CliResult, secret: string, what: string) {
  assert.ok(!r.stdout.includes(secret), `${what}: the token is not on stdout`);
  assert.ok(!r.stderr.includes(secret), `${what}: the token is not on stderr`);
}

const ARGS = ['--prompt-key', 'problem', '--id-key', 'id', '--format-prompt', 'none'];

test(
  'HF_TOKEN in the environment: used for the Hub, absent from every written file and the console',
  { timeout: 600_000 },
  async () => {
    const dir = join(tmp, 'env');
    await mkdir(dir, { recursive: true });
    const home = join(dir, 'hf-home');
    const before = hub.requests.length;
    const e = env({ HF_TOKEN: TOKEN, HF_HOME: home });
    const r = await runCli(['build', '--train', `${REPO}@train`, '--out', join(dir, 'out'), ...ARGS], {
      cwd: dir,
      env: e,
    });
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /Wrote 1 shard/, 'the build printed its summary (the console was really checked)');
    const authorized = hub.requests.slice(before).filter((q) => q.authorization === `Bearer ${TOKEN}`);
    assert.ok(authorized.length >= 3, 'the token was sent to the Hub (repo info, listing, download)');
    assertClean(r, TOKEN, 'build');
    const j = await runCli(['build', '--train', `${REPO}@train`, '--out', join(dir, 'out-json'), '--json', ...ARGS], {
      cwd: dir,
      env: e,
    });
    assert.equal(j.status, 0, j.stderr);
    assertClean(j, TOKEN, 'build --json');

    const manifest = JSON.parse(readFileSync(join(dir, 'out', 'manifest.json'), 'utf8'));
    assert.equal(manifest.sources[0].repo, REPO);
    assert.ok(
      filesBelow(join(home, 'hub')).length >= 2,
      `the HF cache was written (ref, blob): ${filesBelow(join(home, 'hub')).join(', ')}`,
    );

    const dry = await runCli(
      ['train', '--profile', 'verl-grpo', '--data', join(dir, 'out'), '--dry-run', '--model-path', join(dir, 'model')],
      { cwd: dir, env: e },
    );
    // no verl and no model here: pre-flight fails (exit 2), and the dry run still prints the whole plan
    assert.equal(dry.status, 2, dry.stderr + dry.stdout);
    assert.match(dry.stdout, /# pre-flight:/);
    assert.match(dry.stdout, /verl\.trainer\.main_ppo/, 'the dry run printed the command');
    assertClean(dry, TOKEN, 'train --dry-run');

    // grep everything written under this test's folder: outputs, their siblings, the HF cache (blobs included)
    assert.deepEqual(filesContaining(dir, TOKEN), [], 'no written file holds the token');
  },
);

test(
  'hub.token in gad-data.yaml: used for the Hub, absent from every written file (but the config) and the console',
  { timeout: 600_000 },
  async () => {
    const dir = join(tmp, 'yaml');
    await mkdir(dir, { recursive: true });
    const cfg = join(dir, 'gad-data.yaml');
    await writeFile(
      cfg,
      `data:\n  train_files: ${REPO}@train\n  prompt_key: problem\n  format_prompt: none\nid_key: id\nout: out\nhub:\n  token: ${TOKEN}\n`,
    );
    const before = hub.requests.length;
    const e = env({ HF_HOME: join(dir, 'hf-home') });
    const r = await runCli(['build'], { cwd: dir, env: e });
    assert.equal(r.status, 0, r.stderr);
    assert.ok(
      hub.requests.slice(before).some((q) => q.authorization === `Bearer ${TOKEN}`),
      'the token from the config was sent to the Hub',
    );
    assertClean(r, TOKEN, 'build');
    const manifest = readFileSync(join(dir, 'out', 'manifest.json'), 'utf8');
    assert.match(manifest, /"token": "<set>"/, 'the manifest says a token was set, without it');
    const dry = await runCli(
      [
        'train',
        '--profile',
        'verl-grpo',
        '--data',
        'out',
        '--dry-run',
        '--config',
        cfg,
        '--model-path',
        join(dir, 'model'),
      ],
      { cwd: dir, env: e },
    );
    // no verl and no model here: pre-flight fails (exit 2), and the dry run still prints the whole plan
    assert.equal(dry.status, 2, dry.stderr + dry.stdout);
    assert.match(dry.stdout, /# pre-flight:/);
    assertClean(dry, TOKEN, 'train --dry-run --config');
    assert.deepEqual(filesContaining(dir, TOKEN, [cfg]), [], 'no written file holds the token');
  },
);

test(
  'a refused token: clear exit-2 error that does not echo it (wrong token, and one not shaped like a token)',
  { timeout: 600_000 },
  async () => {
    const dir = join(tmp, 'wrong');
    await mkdir(dir, { recursive: true });
    for (const bad of [WRONG, 'not-a-token-but-a-password-123']) {
      const e = env({ HF_TOKEN: bad, HF_HOME: join(dir, 'hf-home') });
      const r = await runCli(['build', '--train', `${REPO}@train`, '--out', join(dir, 'out'), ...ARGS], {
        cwd: dir,
        env: e,
      });
      assert.equal(r.status, 2, r.stderr);
      assert.match(r.stderr, /HF_TOKEN/, 'the message says which setting to check');
      assert.doesNotMatch(r.stderr, /\n\s+at /);
      assertClean(r, bad, `token ${bad.slice(0, 6)}…`);
      assertClean(r, TOKEN, 'the right token');
      assert.deepEqual(filesContaining(dir, bad), [], 'no written file holds the refused token');
    }
    // the wrong token did reach the Hub (and was refused there), so the message above is about a real 401
    assert.ok(hub.requests.some((q) => q.authorization === `Bearer ${WRONG}` && q.status === 401));
  },
);
