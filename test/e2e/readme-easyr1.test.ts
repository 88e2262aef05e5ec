/**
 * README "Coming from EasyR1", run verbatim: the commands of its code block (read from README.md) in a checkout
 * shaped like EasyR1's (its shipped examples/config.yaml, format prompt and reward function), the Hub dataset served
 * by a loopback stand-in. The build is made for Qwen2.5-VL while the example config names the text model
 * Qwen/Qwen2.5-7B-Instruct: the launch must use the build's model and the pre-flight must pass.
 */
import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import sharp from 'sharp';
import YAML from 'yaml';
import { packagePath } from '../../src/core/paths.js';
import { runCli } from '../helpers/gad-cli.js';
import { fakeCommit, startHubServer, type HubServer } from '../helpers/hub-server.js';
import { writeRowsParquet, type GenRow } from '../helpers/ingest-parquet.js';
import { FAKE_VERL_DIR } from '../helpers/train.js';

const tmp = mkdtempSync(join(tmpdir(), 'gad-readme-easyr1-'));
let server: HubServer;

/** The `npx gad-data ...` commands of README's "Coming from EasyR1" block, as argv (continuations joined). */
function readmeCommands(): string[][] {
  const readme = readFileSync(packagePath('README.md'), 'utf8');
  const section = readme.slice(readme.indexOf('### Coming from EasyR1'));
  const block = /```sh\n([\s\S]*?)```/.exec(section)![1]!;
  return block
    .replace(/\\\n\s*/g, ' ')
    .split('\n')
    .filter((l) => l.startsWith('npx gad-data '))
    .map((l) =>
      l
        .replace(/^npx gad-data /, '')
        .trim()
        .split(/\s+/),
    );
}

before(async () => {
  const png = new Uint8Array(
    await sharp({ create: { width: 320, height: 240, channels: 3, background: { r: 30, g: 120, b: 200 } } })
      .png()
      .toBuffer(),
  );
  // hiyouga/geometry3k's shape: problem with <image>, answer, images [{bytes, path}]; 601 train rows, enough for
  // the example config's rollout_batch_size 512
  const rows = (split: string, n: number): GenRow[] =>
    Array.from({ length: n }, (_, i) => ({
      problem: `<image>${split} ${i}: find x when x + ${i} = ${2 * i + 3}.`,
      answer: String(i + 3),
      images: [{ bytes: png, path: null }],
    }));
  const files = [];
  for (const [split, n] of [
    ['train', 601],
    ['test', 24],
  ] as const) {
    const p = join(tmp, `${split}.parquet`);
    await writeRowsParquet(p, rows(split, n));
    files.push({ path: `data/${split}-00000-of-00001.parquet`, content: new Uint8Array(readFileSync(p)) });
  }
  server = await startHubServer([
    { name: 'hiyouga/geometry3k', revisions: { main: { commit: fakeCommit('geo3k'), files } } },
  ]);
});

after(async () => {
  await server?.close();
  rmSync(tmp, { recursive: true, force: true });
});

test(
  'README "Coming from EasyR1", verbatim: the build\'s Qwen2.5-VL is launched and pre-flight passes',
  { timeout: 900_000 },
  async () => {
    const cmds = readmeCommands();
    assert.equal(cmds.length, 2, JSON.stringify(cmds));
    assert.deepEqual(
      cmds.map((c) => c[0]),
      ['build', 'train'],
    );
    // an EasyR1 checkout: its shipped examples/config.yaml, format prompt and reward function
    const root = join(tmp, 'EasyR1');
    mkdirSync(join(root, 'examples', 'format_prompt'), { recursive: true });
    mkdirSync(join(root, 'examples', 'reward_function'), { recursive: true });
    copyFileSync(packagePath('test', 'fixtures', 'easyr1', 'config.yaml'), join(root, 'examples', 'config.yaml'));
    copyFileSync(
      packagePath('test', 'fixtures', 'easyr1', 'format_prompt', 'math.jinja'),
      join(root, 'examples', 'format_prompt', 'math.jinja'),
    );
    writeFileSync(
      join(root, 'examples', 'reward_function', 'math.py'),
      'def compute_score(reward_inputs):\n    return []\n',
    );
    const home = join(tmp, 'hf-home');
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      HF_ENDPOINT: server.url,
      HF_HOME: home,
      HF_HUB_CACHE: join(home, 'hub'),
      HF_HUB_OFFLINE: '0',
      PYTHONPATH: FAKE_VERL_DIR,
      PYTHONDONTWRITEBYTECODE: '1',
      FAKE_VERL_RECORD: join(tmp, 'verl.json'),
      PATH: '/usr/local/bin:/usr/bin:/bin',
    };
    for (const k of ['HF_TOKEN', 'MODEL_PATH', 'PYTHON']) delete env[k];
    const build = await runCli(cmds[0]!, { cwd: root, env, timeoutMs: 600_000 });
    assert.equal(build.status, 0, build.stderr);
    const train = await runCli(cmds[1]!, { cwd: root, env, timeoutMs: 300_000 });
    assert.equal(train.status, 0, train.stdout + train.stderr);
    assert.doesNotMatch(train.stdout, /FAIL/);
    assert.match(train.stdout, /# {3}ok {3}policy model: Hub id Qwen\/Qwen2\.5-VL-7B-Instruct: qwen2\.5-vl/);
    assert.match(train.stdout, /# {3}ok {3}paths: /);
    const cfg = YAML.parse(readFileSync(join(root, 'geo3k-easyr1', 'train', 'config.yaml'), 'utf8'));
    assert.equal(
      cfg.worker.actor.model.model_path,
      'Qwen/Qwen2.5-VL-7B-Instruct',
      "the build's model, not the example's",
    );
    assert.equal(cfg.worker.reward.reward_function, './examples/reward_function/math.py:compute_score');
    assert.equal(cfg.trainer.total_epochs, 15);
  },
);
