/**
 * Containment: an image path in the data reads only files inside the allowed folders (image_dir, else the data
 * file's folder; the Hub cache of the dataset). A symlink leading out of the image folder, an absolute path
 * elsewhere, a `..` path and a secret file offered as an "image" are `image_outside_root` drops (the rest
 * builds) unless `--allow-outside-paths` opts in; no file's bytes ever reach dropped.jsonl, the reports or the
 * console. Duplicate row ids (id_key) within a split are `duplicate_id` drops: the first row keeps the id; an id may
 * recur in another split (ids are unique per split, as verl's extra_info.index).
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { flat } from '../helpers/bad-corpus.js';
import { filesBelow, readJsonl } from '../helpers/files.js';
import { runCli, type CliResult } from '../helpers/gad-cli.js';

const SECRET = 'hf_SECRETcontainmentToken0123456789abcdef';

let tmp: string;
let data: string;
let outsideDir: string;

/** The secret's bytes in any form a report could carry them: text, hex, base64 of its first bytes. */
function leaks(text: string): string[] {
  const head = Buffer.from(SECRET.slice(0, 8));
  const forms = [
    SECRET.slice(0, 8),
    head.toString('hex'),
    head.toString('base64').slice(0, 8),
    Buffer.from(SECRET).toString('base64').slice(0, 12),
  ];
  return forms.filter((f) => text.includes(f));
}

const row = (id: string, image: string, problem = `<image>What is shown in ${id}?`) =>
  JSON.stringify({ id, problem, answer: '1', images: [image] });

before(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'gad-rel-contain-'));
  data = join(tmp, 'data');
  outsideDir = join(tmp, 'outside');
  await mkdir(join(data, 'img'), { recursive: true });
  await mkdir(outsideDir, { recursive: true });
  for (let i = 0; i < 8; i++)
    await writeFile(
      join(data, 'img', `good-${i}.png`),
      await flat(64 + 8 * i, 48, i)
        .png()
        .toBuffer(),
    );
  // a real image and a token file outside the data folder
  await writeFile(join(outsideDir, 'secret.png'), await flat(80, 60, 99).png().toBuffer());
  await writeFile(join(outsideDir, 'token'), SECRET + '\n');
  // symlinks in the image folder: two leading out, one staying inside
  await symlink(join(outsideDir, 'secret.png'), join(data, 'img', 'link-out.png'));
  await symlink('../../outside/token', join(data, 'img', 'link-token.png'));
  await symlink('good-0.png', join(data, 'img', 'link-in.png'));
  const lines = [
    ...Array.from({ length: 8 }, (_, i) => row(`g-${i}`, `img/good-${i}.png`)),
    row('link-in', 'img/link-in.png'),
    row('sym-out', 'img/link-out.png'),
    row('abs-out', join(outsideDir, 'secret.png')),
    row('file-uri-out', `file://${join(outsideDir, 'secret.png')}`),
    row('dotdot', '../outside/secret.png'),
    row('token-abs', join(outsideDir, 'token')),
    row('token-sym', 'img/link-token.png'),
    // a second row with the id of g-3 (another prompt and image): one teacher response could not serve both
    row('g-3', 'img/good-5.png', '<image>A different question reusing the id g-3?'),
  ];
  await writeFile(join(data, 'train.jsonl'), lines.join('\n') + '\n');
  await writeFile(
    join(data, 'test.jsonl'),
    [
      row('t-0', 'img/good-6.png', '<image>Test 0?'),
      row('g-1', 'img/good-7.png', '<image>Test reusing train id g-1?'),
    ].join('\n') + '\n',
  );
});
after(async () => {
  await rm(tmp, { recursive: true, force: true });
});

async function build(name: string, extra: string[]): Promise<{ r: CliResult; out: string }> {
  const out = join(tmp, name);
  const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: '1' };
  delete env.GAD_DATA_DEBUG;
  const r = await runCli(
    [
      'build',
      '--train',
      join(data, 'train.jsonl'),
      '--val',
      join(data, 'test.jsonl'),
      '--out',
      out,
      '--prompt-key',
      'problem',
      '--id-key',
      'id',
      '--format-prompt',
      'none',
      '--max-drop-ratio',
      '1',
      ...extra,
    ],
    { cwd: tmp, env, timeoutMs: 540_000 },
  );
  return { r, out };
}

function assertNoLeak(r: CliResult, out: string) {
  assert.deepEqual(leaks(r.stdout + r.stderr), [], 'the console carries no bytes of the token file');
  for (const f of filesBelow(out)) {
    if (f.endsWith('.parquet')) continue;
    assert.deepEqual(leaks(readFileSync(f, 'latin1')), [], `${f} carries no bytes of the token file`);
  }
}

test(
  'paths leading outside the data folder are refused (image_outside_root); the rest builds; no file content in any report',
  { timeout: 600_000 },
  async () => {
    const { r, out } = await build('out-default', []);
    assert.equal(r.status, 0, r.stderr);
    const dropped = readJsonl(join(out, 'dropped.jsonl'));
    const byId = new Map(dropped.map((d) => [`${d.split}/${d.id}/${d.index}`, d]));
    const reasons = Object.fromEntries(dropped.map((d) => [`${d.split}/${d.id}`, d.reason]));
    for (const id of ['sym-out', 'abs-out', 'file-uri-out', 'dotdot', 'token-abs', 'token-sym']) {
      assert.equal(
        reasons[`train/${id}`],
        'image_outside_root',
        `${id} is refused: ${JSON.stringify(dropped.find((d) => d.id === id))}`,
      );
    }
    const symOut = dropped.find((d) => d.id === 'sym-out')!;
    assert.match(symOut.detail, /symlink/);
    assert.match(symOut.detail, /--allow-outside-paths/);
    assert.match(dropped.find((d) => d.id === 'abs-out')!.detail, /absolute/);
    assert.match(dropped.find((d) => d.id === 'dotdot')!.detail, /'\.\.'/);

    // duplicate ids: the later rows are dropped, naming the id and the first row's position
    const dupTrain = byId.get('train/g-3/15')!;
    assert.equal(dupTrain.reason, 'duplicate_id');
    assert.match(dupTrain.detail, /id 'g-3'/);
    assert.match(dupTrain.detail, /row 3 of split 'train'/);
    // an id of the train split reused in the test split is not a repeat: ids are unique per split
    assert.equal(
      dropped.find((d) => d.split === 'test' && d.id === 'g-1'),
      undefined,
    );

    const lengths = readJsonl(join(out, 'lengths.jsonl'));
    const kept = lengths.map((l) => `${l.split}/${l.id}`).sort();
    assert.deepEqual(
      kept,
      [...Array.from({ length: 8 }, (_, i) => `train/g-${i}`), 'train/link-in', 'test/t-0', 'test/g-1'].sort(),
      'good rows and the symlink inside the folder are kept',
    );
    assert.equal(lengths.filter((l) => l.id === 'g-3').length, 1, 'the first g-3 row is kept once');

    const manifest = JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8'));
    assert.equal(manifest.splits.train.dropped.image_outside_root, 6);
    assert.equal(manifest.splits.train.dropped.duplicate_id, 1);
    assert.equal(manifest.splits.test.dropped.duplicate_id, undefined);
    assertNoLeak(r, out);
  },
);

test(
  '--allow-outside-paths opts in: outside images are read; a token file is refused as "not a recognized image format" without its bytes',
  { timeout: 600_000 },
  async () => {
    const { r, out } = await build('out-allow', ['--allow-outside-paths']);
    assert.equal(r.status, 0, r.stderr);
    const dropped = readJsonl(join(out, 'dropped.jsonl'));
    const kept = readJsonl(join(out, 'lengths.jsonl')).map((l) => `${l.split}/${l.id}`);
    for (const id of ['sym-out', 'abs-out', 'file-uri-out', 'dotdot'])
      assert.ok(kept.includes(`train/${id}`), `${id} is read when opted in`);
    for (const id of ['token-abs', 'token-sym']) {
      const d = dropped.find((x) => x.id === id)!;
      assert.equal(d.reason, 'image_undecodable');
      assert.match(d.detail, /not a recognized image format/);
    }
    assert.equal(
      dropped.filter((d) => d.reason === 'duplicate_id').length,
      1,
      'duplicate ids are dropped whatever the path policy',
    );
    const manifest = JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8'));
    assert.equal(manifest.config.allow_outside_paths, true, 'the opt-in is recorded in the manifest');
    assertNoLeak(r, out);
  },
);

test('allow_outside_paths in gad-data.yaml opts in too (default false)', { timeout: 600_000 }, async () => {
  const cfg = join(tmp, 'gad-data.yaml');
  await writeFile(
    cfg,
    `data:\n  train_files: ${join(data, 'train.jsonl')}\n  prompt_key: problem\n  format_prompt: none\nid_key: id\nmax_drop_ratio: 1\nallow_outside_paths: true\nout: out-yaml\n`,
  );
  const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: '1' };
  const r = await runCli(['build', '--config', cfg], { cwd: tmp, env, timeoutMs: 540_000 });
  assert.equal(r.status, 0, r.stderr);
  const kept = readJsonl(join(tmp, 'out-yaml', 'lengths.jsonl')).map((l) => l.id);
  assert.ok(kept.includes('sym-out') && kept.includes('abs-out'));
});
