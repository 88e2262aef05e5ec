/**
 * Hub datasets are split as `datasets.load_dataset(repo, name, split=...)` splits them: the dataset card's
 * `configs:` (config names, `default: true`, `data_files` with `{split, path}`), then the file-name and folder
 * conventions, and an unknown split is an error (no `dev` → `validation` aliasing).
 *
 * The oracle is the venv's real `datasets`: `load_dataset(repo, name, split=...)` against the same local Hub
 * server (HF_ENDPOINT on 127.0.0.1) the builds run against with the real CLI. (The layout table at the end also
 * checks more layouts with datasets' LocalDatasetModuleFactory, which applies the same card and conventions.)
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import sharp from 'sharp';
import { startHubServer, fakeCommit, type HubServer, type HubFile } from '../helpers/hub-server.js';
import { writeRowsParquet, type GenRow } from '../helpers/ingest-parquet.js';
import { runCli } from '../helpers/gad-cli.js';
import { ensurePythonVenv, runPython } from '../helpers/python.js';
import { resolveLayout } from '../../src/ingest/data-files.js';
import { GadError } from '../../src/core/errors.js';

const tmp = mkdtempSync(join(tmpdir(), 'gad-hub-configs-'));
process.on('exit', () => rmSync(tmp, { recursive: true, force: true }));
const python = process.env.GAD_TEST_PYTHON || (await ensurePythonVenv(['pyarrow', 'datasets', 'pillow']));

const CARD = `---
license: mit
configs:
- config_name: main
  default: true
  data_files:
  - split: train
    path: part-a.parquet
  - split: test
    path: part-b.parquet
- config_name: extra
  data_files:
  - split: train
    path: "extra/*.parquet"
---
# Two configs, one default
`;

let png: Uint8Array;
const rows = (prefix: string, n: number): GenRow[] =>
  Array.from({ length: n }, (_, i) => ({
    id: `${prefix}-${i}`,
    problem: `<image>${prefix} problem ${i}: find x when x + ${i} = ${i * 3 + 1}.`,
    answer: String(i * 2 + 1),
    images: [{ bytes: png, path: null }],
  }));

async function parquet(prefix: string, n: number): Promise<Uint8Array> {
  const p = join(tmp, `${prefix}.parquet`);
  await writeRowsParquet(p, rows(prefix, n));
  return new Uint8Array(readFileSync(p));
}

/** repo → files, served by the local Hub server to the builds and to the datasets oracle. */
const REPOS: Record<string, Record<string, () => Promise<Uint8Array>>> = {
  'tester/cards': {
    'README.md': async () => Buffer.from(CARD),
    '.gitattributes': async () => Buffer.from('*.parquet filter=lfs diff=lfs merge=lfs -text\n'),
    'part-a.parquet': () => parquet('a', 24),
    'part-b.parquet': () => parquet('b', 6),
    'extra/e1.parquet': () => parquet('e', 4),
    'extra/e2.parquet': () => parquet('f', 3),
  },
  // push_to_hub names: data/<split>-NNNNN-of-NNNNN.parquet; a root test-*.parquet is then NOT part of any split
  'tester/conventions': {
    'README.md': async () => Buffer.from('# no front matter\n'),
    'data/train-00000-of-00001.parquet': () => parquet('c', 10),
    'data/test-00000-of-00001.parquet': () => parquet('t', 4),
    'test-extra.parquet': () => parquet('x', 3),
  },
  // split folders win over keywords in file names; `dev/` is the split `validation`
  'tester/dirs': {
    'train/p.parquet': () => parquet('p', 5),
    'dev/q.parquet': () => parquet('q', 3),
    'training-notes.parquet': () => parquet('n', 2),
  },
};

const JSONL_CARD = `---
configs:
- config_name: en
  default: true
  data_files:
  - split: train
    path: en/train.jsonl
  - split: test
    path: en/test.jsonl
- config_name: fr
  data_files: fr/*.jsonl
---
`;
const jsonl = (prefix: string, n: number) =>
  Buffer.from(
    rows(prefix, n)
      .map((r) => JSON.stringify({ id: r.id, problem: r.problem, answer: r.answer }))
      .join('\n') + '\n',
  );

let server: HubServer;
let env: NodeJS.ProcessEnv;

before(async () => {
  png = new Uint8Array(
    await sharp({ create: { width: 64, height: 48, channels: 3, background: { r: 200, g: 40, b: 90 } } })
      .png()
      .toBuffer(),
  );
  const hubRepos = [];
  for (const [name, files] of Object.entries(REPOS)) {
    const list: HubFile[] = [];
    for (const [path, make] of Object.entries(files)) {
      const content = await make();
      list.push({ path, content });
    }
    hubRepos.push({ name, revisions: { main: { commit: fakeCommit(name), files: list } } });
  }
  // a jsonl repo: datasets reads the jsonl; the Hub's converted parquet holds the same rows (with their images)
  const jsonlFiles: Record<string, Uint8Array> = {
    'README.md': Buffer.from(JSONL_CARD),
    'en/train.jsonl': jsonl('j', 8),
    'en/test.jsonl': jsonl('k', 3),
    'fr/all.jsonl': jsonl('l', 2),
  };
  hubRepos.push({
    name: 'tester/jsonl',
    revisions: {
      main: {
        commit: fakeCommit('jsonl-main'),
        files: Object.entries(jsonlFiles).map(([path, content]) => ({ path, content })),
      },
      'refs/convert/parquet': {
        commit: fakeCommit('jsonl-conv'),
        files: [
          { path: 'en/train/0000.parquet', content: await parquet('j', 8) },
          { path: 'en/partial-test/0000.parquet', content: await parquet('k', 3) },
          { path: 'fr/train/0000.parquet', content: await parquet('l', 2) },
        ],
      },
    },
  });
  server = await startHubServer(hubRepos);
  const home = join(tmp, 'hf-home');
  env = {
    ...process.env,
    HF_ENDPOINT: server.url,
    HF_HOME: home,
    HF_HUB_CACHE: join(home, 'hub'),
    HF_HUB_OFFLINE: '0',
    HF_TOKEN: '',
  };
  delete env.HF_TOKEN;
});

after(async () => {
  await server?.close();
});

const ORACLE = `
import sys, json
from datasets import load_dataset
out = []
for spec in json.loads(sys.argv[1]):
    try:
        ds = load_dataset(spec["path"], spec.get("name"), split=spec["split"])
        out.append({"ids": list(ds["id"])})
    except Exception as e:
        out.append({"error": type(e).__name__ + ": " + str(e)})
print(json.dumps(out))
`;

/** What datasets gives for (repo, config, split): the row ids, or its error. */
async function oracle(
  specs: Array<{ repo: string; name?: string; split: string }>,
): Promise<Array<{ ids?: string[]; error?: string }>> {
  assert.ok(python, 'the test venv with datasets is needed for this interop test');
  const arg = specs.map((s) => ({ path: s.repo, name: s.name ?? null, split: s.split }));
  return JSON.parse(
    await runPython(python!, ORACLE, [JSON.stringify(arg)], {
      HF_ENDPOINT: server.url,
      HF_HOME: join(tmp, 'py-hf-home'),
      HF_DATASETS_CACHE: join(tmp, 'py-hf-home', 'datasets'),
      HF_HUB_OFFLINE: '0',
      HF_DATASETS_OFFLINE: '0',
      HF_HUB_DISABLE_TELEMETRY: '1',
    }),
  );
}

async function build(args: string[], out: string) {
  const r = await runCli(['build', ...args, '--id-key', 'id', '--out', out, '-q'], {
    cwd: tmp,
    env,
    timeoutMs: 540_000,
  });
  return r;
}

/** Per split: the ids of the kept rows, in order (lengths.jsonl has one line per kept row). */
function keptIds(out: string): Record<string, string[]> {
  const res: Record<string, string[]> = {};
  for (const line of readFileSync(join(tmp, out, 'lengths.jsonl'), 'utf8')
    .split('\n')
    .filter(Boolean)) {
    const r = JSON.parse(line) as { split: string; id: string };
    (res[r.split] ??= []).push(r.id);
  }
  return res;
}

test('card configs: the default config splits train → part-a, test → part-b exactly as datasets loads them', async () => {
  const [train, testSplit] = await oracle([
    { repo: 'tester/cards', split: 'train' },
    { repo: 'tester/cards', split: 'test' },
  ]);
  assert.equal(train!.ids!.length, 24);
  assert.equal(testSplit!.ids!.length, 6);
  const r = await build(['--train', 'tester/cards@train', '--val', 'tester/cards@test'], 'cards');
  assert.equal(r.status, 0, r.stderr);
  const kept = keptIds('cards');
  assert.deepEqual(kept.train, train!.ids, 'train: exactly part-a, no test rows leaked in');
  assert.deepEqual(kept.test, testSplit!.ids);
  const manifest = JSON.parse(readFileSync(join(tmp, 'cards', 'manifest.json'), 'utf8'));
  assert.deepEqual(
    manifest.sources.map((s: { files: Array<{ path: string }> }) => s.files.map((f) => f.path)),
    [['part-a.parquet'], ['part-b.parquet']],
  );
  assert.equal(manifest.sources[0].config, 'main');
});

test('a config name in the spec (owner/name:config@split) takes that config', async () => {
  const [extra] = await oracle([{ repo: 'tester/cards', name: 'extra', split: 'train' }]);
  assert.equal(extra!.ids!.length, 7);
  const r = await build(['--train', 'tester/cards:extra@train'], 'cards-extra');
  assert.equal(r.status, 0, r.stderr);
  assert.deepEqual(keptIds('cards-extra').train, extra!.ids);
  const bad = await build(['--train', 'tester/cards:nope@train'], 'cards-nope');
  assert.equal(bad.status, 2, bad.stderr);
  assert.match(bad.stderr, /config 'nope' does not exist in tester\/cards; available configs: main, extra/);
  const [py] = await oracle([{ repo: 'tester/cards', name: 'nope', split: 'train' }]);
  assert.match(py!.error!, /'nope' not found/, 'datasets refuses the unknown config too');
});

test('file-name conventions: data/<split>-NNNNN-of-NNNNN.parquet only; a root test-*.parquet is not part of the test split', async () => {
  const [train, testSplit] = await oracle([
    { repo: 'tester/conventions', split: 'train' },
    { repo: 'tester/conventions', split: 'test' },
  ]);
  const r = await build(['--train', 'tester/conventions@train', '--val', 'tester/conventions@test'], 'conv');
  assert.equal(r.status, 0, r.stderr);
  const kept = keptIds('conv');
  assert.deepEqual(kept.train, train!.ids);
  assert.deepEqual(kept.test, testSplit!.ids);
  assert.equal(kept.test!.length, 4);
});

test('split folders: train/ and dev/ (= validation); training-notes.parquet is in no split; unknown splits are errors, no aliases', async () => {
  const [train, validation, dev] = await oracle([
    { repo: 'tester/dirs', split: 'train' },
    { repo: 'tester/dirs', split: 'validation' },
    { repo: 'tester/dirs', split: 'dev' },
  ]);
  assert.match(dev!.error!, /Unknown split "dev"/, 'datasets does not alias dev to validation');
  const r = await build(['--train', 'tester/dirs@train', '--val', 'tester/dirs@validation'], 'dirs');
  assert.equal(r.status, 0, r.stderr);
  const kept = keptIds('dirs');
  assert.deepEqual(kept.train, train!.ids);
  assert.deepEqual(kept.test, validation!.ids);
  for (const split of ['dev', 'val']) {
    const bad = await build(['--train', 'tester/dirs@train', '--val', `tester/dirs@${split}`], `dirs-${split}`);
    assert.equal(bad.status, 2, bad.stderr);
    assert.match(
      bad.stderr,
      new RegExp(`split '${split}' does not exist in tester/dirs; available splits: train, validation`),
    );
  }
  const slice = await build(['--train', 'tester/dirs@train[:50%]'], 'dirs-slice');
  assert.equal(slice.status, 2, slice.stderr);
  assert.match(slice.stderr, /split 'train\[:50%\]' of tester\/dirs is a datasets split expression/);
  const missing = await build(['--train', 'tester/cards@validation'], 'cards-validation');
  assert.equal(missing.status, 2, missing.stderr);
  assert.match(
    missing.stderr,
    /split 'validation' does not exist in tester\/cards \(config 'main'\); available splits: test, train/,
  );
});

test('the data-files resolution matches datasets on more layouts (hidden and __special__ folders, keywords, data_dir, globs, mixed formats)', async () => {
  const layouts: Record<string, Record<string, string>> = {
    sharded: {
      'data/train-00000-of-00002.parquet': '',
      'data/train-00001-of-00002.parquet': '',
      'data/random-00000-of-00001.parquet': '',
      'data/validation-00000-of-00001.parquet': '',
      'test.parquet': '',
      LICENSE: '',
    },
    keywords: { 'x_train.parquet': '', 'x_val.parquet': '', 'foo.parquet': '', 'training.parquet': '' },
    nokeyword: { 'a.parquet': '', 'b.parquet': '', 'TEST.parquet': '' },
    folders: {
      'my-test-set/a.parquet': '',
      'evaluation/b.parquet': '',
      'c.parquet': '',
      'data/train/0.parquet': '',
      'data/valid/0.parquet': '',
    },
    hidden: { '.hidden/test.parquet': '', '__pycache__/validation.parquet': '', 'train.parquet': '', 'x.parquet': '' },
    mixed: { 'train.parquet': '', 'val.jsonl': '' },
    datadir: {
      'README.md':
        '---\nconfigs:\n- config_name: a\n  data_dir: sub\n- config_name: b\n  default: true\n  data_files:\n  - split: train\n    path: "b/*.parquet"\n  - split: test\n    path: [b/t2.parquet, b/t1.parquet]\n---\n',
      'sub/train.parquet': '',
      'sub/test.parquet': '',
      'b/x.parquet': '',
      'b/t1.parquet': '',
      'b/t2.parquet': '',
    },
    cardglob: {
      'README.md': '---\nconfigs:\n- config_name: only\n  data_files: "*.parquet"\n---\n',
      'p.parquet': '',
      'q.parquet': '',
      'sub/r.parquet': '',
    },
  };
  const root = join(tmp, 'layouts');
  for (const [name, files] of Object.entries(layouts)) {
    for (const [p, c] of Object.entries(files)) {
      mkdirSync(dirname(join(root, name, p)), { recursive: true });
      writeFileSync(join(root, name, p), c);
    }
  }
  assert.ok(python);
  const PY = `
import sys, json, os
from datasets.load import LocalDatasetModuleFactory
from datasets.data_files import DataFilesPatternsDict
out = {}
for d in sys.argv[1:]:
    try:
        m = LocalDatasetModuleFactory(d).get_module()
    except Exception as e:
        out[os.path.basename(d)] = {"error": type(e).__name__}
        continue
    res = {}
    for bc in m.builder_configs_parameters.builder_configs:
        df = bc.data_files
        if isinstance(df, DataFilesPatternsDict):
            df = df.resolve(os.path.join(d, bc.data_dir) if bc.data_dir else d, None)
        res[bc.name] = {str(s): [os.path.relpath(f, d) for f in files] for s, files in df.items()}
    out[os.path.basename(d)] = res
print(json.dumps(out))
`;
  const py = JSON.parse(
    await runPython(
      python!,
      PY,
      Object.keys(layouts).map((n) => join(root, n)),
    ),
  );
  for (const [name, files] of Object.entries(layouts)) {
    const expected = py[name];
    const readme = files['README.md'] ?? null;
    if (expected.error) {
      assert.throws(
        () => resolveLayout(Object.keys(files).sort(), readme, null, name),
        (e: unknown) => e instanceof GadError,
        `${name}: datasets refuses it (${expected.error})`,
      );
      continue;
    }
    const mine: Record<string, Record<string, string[]>> = {};
    for (const config of Object.keys(expected)) {
      mine[config] = Object.fromEntries(
        resolveLayout(Object.keys(files).sort(), readme, readme ? config : null, name).splits,
      );
    }
    assert.deepEqual(mine, expected, name);
  }
});

test('a jsonl repo: the rows of its default config come from refs/convert/parquet; a partial conversion is said loudly', async () => {
  const [train, testSplit, fr] = await oracle([
    { repo: 'tester/jsonl', split: 'train' },
    { repo: 'tester/jsonl', split: 'test' },
    { repo: 'tester/jsonl', name: 'fr', split: 'train' },
  ]);
  const r = await runCli(
    ['build', '--train', 'tester/jsonl@train', '--val', 'tester/jsonl@test', '--id-key', 'id', '--out', 'jsonl'],
    { cwd: tmp, env, timeoutMs: 540_000 },
  );
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stderr, /holds json data files, not parquet; using the Hub's converted parquet/);
  assert.match(r.stderr, /split 'test' of config 'en' is a PARTIAL conversion/);
  const kept = keptIds('jsonl');
  assert.deepEqual(kept.train, train!.ids);
  assert.deepEqual(kept.test, testSplit!.ids);
  const m = JSON.parse(readFileSync(join(tmp, 'jsonl', 'manifest.json'), 'utf8'));
  assert.deepEqual(
    m.sources.map((x: { revision: string; config: string }) => [x.revision, x.config]),
    [
      ['refs/convert/parquet', 'en'],
      ['refs/convert/parquet', 'en'],
    ],
  );
  const rf = await build(['--train', 'tester/jsonl:fr@train'], 'jsonl-fr');
  assert.equal(rf.status, 0, rf.stderr);
  assert.deepEqual(keptIds('jsonl-fr').train, fr!.ids);
  // offline: the cache holds the card and the converted parquet, not the jsonl: the same rows
  const off = await runCli(
    [
      'build',
      '--train',
      'tester/jsonl@train',
      '--val',
      'tester/jsonl@test',
      '--id-key',
      'id',
      '--out',
      'jsonl-offline',
      '-q',
    ],
    { cwd: tmp, env: { ...env, HF_HUB_OFFLINE: '1' }, timeoutMs: 540_000 },
  );
  assert.equal(off.status, 0, off.stderr);
  assert.deepEqual(keptIds('jsonl-offline'), kept);
});

test('offline, the cached card and files give the same splits', async () => {
  const [train, testSplit] = await oracle([
    { repo: 'tester/cards', split: 'train' },
    { repo: 'tester/cards', split: 'test' },
  ]);
  const online = await build(['--train', 'tester/cards@train', '--val', 'tester/cards@test'], 'cards-online');
  assert.equal(online.status, 0, online.stderr);
  const n = server.requests.length;
  const r = await runCli(
    [
      'build',
      '--train',
      'tester/cards@train',
      '--val',
      'tester/cards@test',
      '--id-key',
      'id',
      '--out',
      'cards-offline',
      '-q',
    ],
    {
      cwd: tmp,
      env: { ...env, HF_HUB_OFFLINE: '1' },
      timeoutMs: 540_000,
    },
  );
  assert.equal(r.status, 0, r.stderr);
  assert.equal(server.requests.length, n, 'no request reached the Hub');
  const kept = keptIds('cards-offline');
  assert.deepEqual(kept.train, train!.ids);
  assert.deepEqual(kept.test, testSplit!.ids);
});
