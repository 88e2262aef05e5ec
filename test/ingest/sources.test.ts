import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, mkdir, writeFile, readFile, copyFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createHash } from 'node:crypto';
import sharp from 'sharp';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { openIngest, type IngestOptions } from '../../src/ingest/ingest.js';
import { parseSourceSpec } from '../../src/ingest/source-spec.js';
import { readParquetSchema } from '../../src/ingest/parquet.js';
import { GadError } from '../../src/core/errors.js';
import { packagePath } from '../../src/core/paths.js';
import type { Sample } from '../../src/core/types.js';
import { splitRows } from '../helpers/split-rows.js';
import { writeRowsParquet } from '../helpers/ingest-parquet.js';
import { firstDrop, rowRules, viewOfSample } from '../../src/rules/row-rules.js';

/** Ingest drops unreadable rows only; the row rules (rules/row-rules.ts) the build runs next decide the rest. */
const RULES = rowRules({
  maxPromptLength: Infinity,
  maxResponseLength: Infinity,
  singleImage: true,
  requireImage: false,
  requireTeacher: true,
});
const dropOf = (s: Sample) => s.drop ?? firstDrop(RULES, viewOfSample(s), 'row');

const REF = (f: string) => packagePath('test', 'fixtures', 'parquet', f);
const DEEPEYES = REF('deepeyes_mini_10.parquet');
const DJ = REF('data-juicer_demo-dataset-images-bytes.parquet');
const LLF = REF('llamafactory_mllm_example_test-0.parquet');
const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

let dir: string;
let conn: DuckDBConnection;

async function duck(sql: string): Promise<Record<string, unknown>[]> {
  const r = await conn.runAndReadAll(sql);
  return r.getRowObjectsJson() as Record<string, unknown>[];
}

async function all(
  opts: Partial<IngestOptions> & { splits: IngestOptions['splits'] },
  warnings: string[] = [],
): Promise<Record<string, Sample[]>> {
  const ing = await openIngest({
    columns: { prompt: 'problem', answer: 'answer', images: 'images' },
    onWarning: (m) => warnings.push(m),
    ...opts,
  });
  return splitRows({ ing, splits: opts.splits });
}

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'gad-ingest-src-'));
  conn = await (await DuckDBInstance.create(':memory:')).connect();
});
after(async () => {
  conn?.closeSync();
  await rm(dir, { recursive: true, force: true });
});

test('deepeyes (verl rows): prompt message list, embedded bytes, ground truth, pass-through columns — checked against DuckDB', async () => {
  const warnings: string[] = [];
  const { train } = await all({ splits: [{ split: 'train', specs: [DEEPEYES] }] }, warnings);
  const ref =
    await duck(`SELECT list_filter(prompt, x -> x.role = 'user')[1].content AS u, sha256(images[1].bytes) AS h, images[1].path AS p,
    len(images) AS n, data_source, reward_model.ground_truth AS gt, ability FROM read_parquet('${DEEPEYES}')`);
  assert.equal(train!.length, ref.length);
  assert.equal(train!.length, 10);
  train!.forEach((s, i) => {
    assert.equal(s.drop, undefined, JSON.stringify(s.drop));
    assert.equal(s.problem, ref[i]!.u);
    assert.equal(s.images.length, Number(ref[i]!.n));
    assert.equal(sha(s.images[0]!.bytes!), ref[i]!.h);
    assert.equal(s.images[0]!.path, ref[i]!.p, 'the foreign path is kept as written');
    assert.equal(s.images[0]!.resolvedPath ?? null, null, 'bytes present: the path is not resolved');
    assert.equal(s.answer, ref[i]!.gt);
    assert.equal(s.dataSource, ref[i]!.data_source);
    assert.equal(s.extra.ability, ref[i]!.ability);
    assert.equal(typeof (s.extra.extra_info as Record<string, unknown>).question, 'string');
    assert.equal(s.id, `${DEEPEYES}#${i}`);
  });
  assert.ok(
    warnings.some((w) => w.includes("'prompt' message list")),
    'the prompt_key fallback is stated',
  );
});

test('data-juicer: list<string> + image_bytes needs image_bytes_key; with it, bytes are taken and <__dj__image> becomes <image>', async () => {
  await assert.rejects(
    all({ splits: [{ split: 'train', specs: [DJ] }], columns: { prompt: 'text', answer: 'answer', images: 'images' } }),
    (e: unknown) => {
      assert.ok(e instanceof GadError);
      assert.match(e.hint ?? '', /image_bytes_key: image_bytes/);
      assert.match(e.message, /list<binary>/);
      return true;
    },
  );
  const { train } = await all({
    splits: [{ split: 'train', specs: [DJ] }],
    columns: { prompt: 'text', answer: 'answer', images: 'images', imageBytes: 'image_bytes' },
  });
  const ref = await duck(`SELECT sha256(image_bytes[1]) AS h, images[1] AS p, text FROM read_parquet('${DJ}')`);
  assert.equal(train!.length, 3);
  train!.forEach((s, i) => {
    assert.equal(s.drop, undefined);
    assert.equal(sha(s.images[0]!.bytes!), ref[i]!.h);
    assert.equal(s.images[0]!.path, ref[i]!.p);
    assert.equal(s.problem, String(ref[i]!.text).replace('<__dj__image>', '<image>'));
    assert.equal(s.dataSource, 'data-juicer_demo-dataset-images-bytes');
  });
});

test('LLaMA-Factory (path-only images, messages with content parts): clear errors, then ingests with image_dir', async () => {
  // `messages` is detected as the ms-swift format (the prompt column): the next error is the unknown image folder
  await assert.rejects(all({ splits: [{ split: 'train', specs: [LLF] }] }), (e: unknown) => {
    assert.ok(e instanceof GadError);
    assert.match(e.message, /images in .* are paths without bytes \(e\.g\. 'data\/images\/1\.jpg'\)/);
    return true;
  });
  await assert.rejects(all({ splits: [{ split: 'train', specs: [LLF] }], inputFormat: 'gad' }), (e: unknown) => {
    assert.ok(e instanceof GadError);
    assert.match(e.message, /column 'problem' \(prompt_key\) not found/);
    assert.match(e.message, /columns: messages, images/);
    return true;
  });
  const cols = { prompt: 'messages', answer: 'answer', images: 'images' };
  const noDir = await openIngest({ splits: [{ split: 'train', specs: [LLF] }], columns: cols });
  await assert.rejects(
    (async () => {
      for await (const _ of noDir.rows('train')) void _;
    })(),
    (e: unknown) => e instanceof GadError && /image_dir/.test(e.hint ?? '') && /data\/images\/1\.jpg/.test(e.message),
  );
  const imageDir = join(dir, 'llf');
  const { train } = await all({ splits: [{ split: 'train', specs: [LLF] }], columns: cols, imageDir });
  const ref = await duck(
    `SELECT images[1].path AS p, list_filter(messages, m -> m.role = 'user')[1].content AS c FROM read_parquet('${LLF}')`,
  );
  assert.equal(train!.length, 3);
  train!.forEach((s, i) => {
    assert.equal(s.images[0]!.bytes, null);
    assert.equal(s.images[0]!.path, ref[i]!.p);
    assert.equal(s.images[0]!.resolvedPath, join(imageDir, String(ref[i]!.p)));
    const parts = ref[i]!.c as Array<{ type: string; text: string | null }>;
    const expected = parts.map((p) => (p.type === 'image' ? '<image>' : p.text)).join('');
    assert.equal(s.problem, expected);
  });
});

test('readParquetSchema gives nested logical types', async () => {
  const s = await readParquetSchema(DEEPEYES);
  const t = Object.fromEntries(s.columns.map((c) => [c.name, c.type]));
  assert.equal(t.images, 'list<struct<bytes: binary, path: string>>');
  assert.equal(t.prompt, 'list<struct<content: string, role: string>>');
  assert.equal(t.reward_model, 'struct<ground_truth: string, style: string>');
  assert.equal(s.rows, 10);
  const dj = await readParquetSchema(DJ);
  assert.deepEqual(
    dj.columns.map((c) => [c.name, c.type]),
    [
      ['images', 'list<string>'],
      ['text', 'string'],
      ['image_bytes', 'list<binary>'],
    ],
  );
  assert.ok(dj.keyValue.huggingface?.includes('"features"'));
});

test('jsonl + image folder: paths resolved against the file folder or image_dir, escapes dropped, broken lines dropped with their line number', async () => {
  const d = join(dir, 'own');
  await mkdir(join(d, 'img'), { recursive: true });
  const png = await sharp({ create: { width: 20, height: 10, channels: 3, background: { r: 200, g: 10, b: 10 } } })
    .png()
    .toBuffer();
  await writeFile(join(d, 'img', 'a.png'), png);
  const lines = [
    JSON.stringify({ id: 'r0', problem: 'What colour?', answer: 'red', images: ['img/a.png'], ability: 'vision' }),
    JSON.stringify({ id: 'r1', problem: '<image> and <image>?', answer: 'x', images: ['img/a.png'] }),
    '{"id": "r2", "problem": broken',
    JSON.stringify({ id: 'r3', problem: '   ', answer: 'x', images: ['img/a.png'] }),
    JSON.stringify({ id: 'r4', problem: 'escape', answer: 'x', images: ['../outside.png'] }),
    JSON.stringify({ id: 'r5', problem: 'struct form', answer: 7, images: [{ bytes: null, path: 'img/a.png' }] }),
    JSON.stringify({
      id: 'r6',
      problem: 'a data uri',
      answer: null,
      images: [`data:image/png;base64,${png.toString('base64')}`],
    }),
    JSON.stringify({ id: 'r7', problem: 42, answer: 'x', images: [] }),
  ];
  await writeFile(join(d, 'train.jsonl'), lines.join('\n') + '\n');
  const { train } = await all({
    splits: [{ split: 'train', specs: [join(d, 'train.jsonl')] }],
    columns: { prompt: 'problem', answer: 'answer', images: 'images', id: 'id' },
  });
  assert.equal(train!.length, 8);
  const by = (i: number) => train![i]!;
  assert.equal(by(0).problem, '<image>What colour?', 'prepended <image> like geometry3k');
  assert.equal(by(0).images[0]!.resolvedPath, join(d, 'img', 'a.png'));
  assert.deepEqual(await readFile(by(0).images[0]!.resolvedPath!), png);
  assert.equal(by(0).extra.ability, 'vision');
  assert.equal(by(0).dataSource, 'train');
  assert.equal(by(1).drop, undefined, 'a count mismatch is a rule, not an unreadable row');
  assert.equal(dropOf(by(1))?.reason, 'image_count_mismatch');
  assert.equal(by(2).drop?.reason, 'bad_row');
  assert.match(by(2).drop!.detail, /line 3/);
  assert.equal(dropOf(by(3))?.reason, 'empty_prompt');
  assert.equal(by(4).drop?.reason, 'image_outside_root');
  assert.match(by(4).drop!.detail, /escapes/);
  assert.equal(by(5).drop, undefined);
  assert.equal(by(5).answer, '7');
  assert.equal(by(5).images[0]!.resolvedPath, join(d, 'img', 'a.png'));
  assert.deepEqual(Buffer.from(by(6).images[0]!.bytes!), png);
  assert.equal(by(7).drop?.reason, 'bad_row');
  assert.deepEqual(
    train!.map((s) => s.index),
    [0, 1, 2, 3, 4, 5, 6, 7],
  );

  // image_dir set: relative paths resolve against it, absolute paths outside it are refused
  const other = join(dir, 'elsewhere');
  await writeFile(
    join(d, 'abs.jsonl'),
    [
      JSON.stringify({ problem: 'p', images: ['img/a.png'] }),
      JSON.stringify({ problem: 'q', images: [join(d, 'img', 'a.png')] }),
    ].join('\n'),
  );
  const r = await all({ splits: [{ split: 'train', specs: [join(d, 'abs.jsonl')] }], imageDir: other });
  assert.equal(r.train![0]!.images[0]!.resolvedPath, join(other, 'img', 'a.png'));
  assert.equal(r.train![1]!.drop?.reason, 'image_outside_root');
  assert.match(r.train![1]!.drop!.detail, /outside image_dir/);
  assert.equal(r.train![0]!.id, `${join(d, 'abs.jsonl')}#0`);
});

test('teacher responses: joined on id (rows without one dropped), by row index (stated), duplicates are an error', async () => {
  const d = join(dir, 'teach');
  await mkdir(d, { recursive: true });
  const png = new Uint8Array([137, 80, 78, 71, 1, 2, 3]);
  await writeRowsParquet(
    join(d, 'src.parquet'),
    ['a', 'b', 'c'].map((id) => ({ id, problem: `q ${id}`, answer: id, images: [{ bytes: png, path: null }] })),
  );
  await writeFile(
    join(d, 't.jsonl'),
    [
      { id: 'c', response: 'C!' },
      { id: 'a', response: 'A!' },
    ]
      .map((x) => JSON.stringify(x))
      .join('\n'),
  );
  const cols = { prompt: 'problem', answer: 'answer', images: 'images', id: 'id' };
  const { train } = await all({
    splits: [{ split: 'train', specs: [join(d, 'src.parquet')] }],
    columns: cols,
    teacher: { file: join(d, 't.jsonl') },
  });
  assert.deepEqual(
    train!.map((s) => s.teacherResponse),
    ['A!', null, 'C!'],
  );
  assert.equal(dropOf(train![1]!)?.reason, 'no_teacher_response');
  assert.match(dropOf(train![1]!)!.detail, /'b'/);

  // by row index, with a warning; teacher as parquet with teacher_response
  await writeFile(
    join(d, 't2.jsonl'),
    ['r0', 'r1', 'r2'].map((t) => JSON.stringify({ teacher_response: t })).join('\n'),
  );
  const warnings: string[] = [];
  const byIndex = await all(
    {
      splits: [{ split: 'train', specs: [join(d, 'src.parquet')] }],
      columns: { prompt: 'problem', answer: 'answer', images: 'images' },
      teacher: { file: join(d, 't2.jsonl') },
    },
    warnings,
  );
  assert.deepEqual(
    byIndex.train!.map((s) => s.teacherResponse),
    ['r0', 'r1', 'r2'],
  );
  assert.ok(warnings.some((w) => /row index/.test(w)));

  await writeFile(
    join(d, 'dup.jsonl'),
    [
      { id: 'a', response: '1' },
      { id: 'a', response: '2' },
    ]
      .map((x) => JSON.stringify(x))
      .join('\n'),
  );
  await assert.rejects(
    all({
      splits: [{ split: 'train', specs: [join(d, 'src.parquet')] }],
      columns: cols,
      teacher: { file: join(d, 'dup.jsonl') },
    }),
    (e: unknown) => {
      assert.ok(e instanceof GadError);
      assert.match(e.message, /duplicate id 'a'/);
      assert.ok(e.message.includes('dup.jsonl'));
      return true;
    },
  );
});

test('source specs: hub ids, files, folders with HF split names, globs; missing files and splits are clear errors', async () => {
  const d = join(dir, 'specs');
  await mkdir(join(d, 'data'), { recursive: true });
  assert.deepEqual(parseSourceSpec('hiyouga/geometry3k@train', d), {
    kind: 'hub',
    spec: 'hiyouga/geometry3k@train',
    split: 'train',
    repo: 'hiyouga/geometry3k',
  });
  assert.equal(parseSourceSpec('hiyouga/geometry3k', d).split, null);
  assert.throws(
    () => parseSourceSpec('missing.parquet', d),
    (e: unknown) => e instanceof GadError && /not found/.test(e.message),
  );

  const rows = (p: string) =>
    [0, 1].map((i) => ({
      problem: `${p} ${i}`,
      answer: '1',
      images: [{ bytes: new Uint8Array([1, 2, 3]), path: null }],
    }));
  await writeRowsParquet(join(d, 'data', 'train-00000-of-00002.parquet'), rows('a'));
  await writeRowsParquet(join(d, 'data', 'train-00001-of-00002.parquet'), rows('b'));
  await writeRowsParquet(join(d, 'data', 'test-00000-of-00001.parquet'), rows('c'));
  const ing = await openIngest({
    splits: [
      { split: 'train', specs: ['data@train', 'data/test-00000-of-00001.parquet'] },
      { split: 'test', specs: ['data'] },
    ],
    columns: { prompt: 'problem', answer: 'answer', images: 'images' },
    cwd: d,
  });
  assert.deepEqual(ing.rowCount, { train: 6, test: 2 });
  const train: Sample[] = [];
  for await (const s of ing.rows('train')) train.push(s);
  assert.deepEqual(
    train.map((s) => s.problem),
    ['<image>a 0', '<image>a 1', '<image>b 0', '<image>b 1', '<image>c 0', '<image>c 1'],
  );
  assert.deepEqual(
    train.map((s) => s.index),
    [0, 1, 2, 3, 4, 5],
  );
  assert.equal(train[4]!.source, 'data/test-00000-of-00001.parquet');
  assert.deepEqual(
    ing.sources.map((s) => [s.split, s.kind, s.files.length]),
    [
      ['train', 'dir', 2],
      ['train', 'parquet', 1],
      ['test', 'dir', 1],
    ],
  );
  assert.equal(ing.sources[1]!.files[0]!.sha256, sha(await readFile(join(d, 'data', 'test-00000-of-00001.parquet'))));

  const g = await openIngest({
    splits: [{ split: 'train', specs: ['data/*.parquet'] }],
    columns: { prompt: 'problem', answer: 'answer', images: 'images' },
    cwd: d,
  });
  assert.equal(g.rowCount.train, 6);

  await assert.rejects(
    openIngest({
      splits: [{ split: 'train', specs: ['data@validation'] }],
      columns: { prompt: 'problem', answer: 'answer', images: 'images' },
      cwd: d,
    }),
    (e: unknown) =>
      e instanceof GadError && /split 'validation' does not exist/.test(e.message) && /test, train/.test(e.message),
  );
  await copyFile(DEEPEYES, join(d, 'x.parquet'));
  await assert.rejects(
    openIngest({
      splits: [{ split: 'train', specs: ['x.parquet'] }],
      columns: { prompt: 'question', answer: 'answer', images: 'images' },
      cwd: d,
    }),
    (e: unknown) =>
      e instanceof GadError && /prompt_key/.test(e.message) && /data_source, prompt, images/.test(e.message),
  );
});

test('a prompt message list: message keys other than role/content and non-text, non-image parts are named in a warning (once), not lost silently', async () => {
  const d = join(dir, 'msg-lost');
  await mkdir(d, { recursive: true });
  const msgs = (i: number) => [
    { role: 'system', content: 'Be brief.', name: null },
    {
      role: 'user',
      name: 'alice',
      content: [{ type: 'image' }, { type: 'text', text: `Q${i}?` }, { type: 'video', video: 'clip.mp4' }],
    },
    { role: 'assistant', content: '', tool_calls: [{ id: 'c1', function: { name: 'zoom', arguments: '{}' } }] },
  ];
  const lines = [0, 1].map((i) => JSON.stringify({ id: `m${i}`, prompt: msgs(i), answer: 'a', images: [] }));
  await writeFile(join(d, 'train.jsonl'), lines.join('\n') + '\n');
  const warnings: string[] = [];
  const { train } = await all(
    {
      splits: [{ split: 'train', specs: [join(d, 'train.jsonl')] }],
      columns: { prompt: 'prompt', answer: 'answer', images: 'images', id: 'id' },
    },
    warnings,
  );
  assert.equal(train!.length, 2);
  assert.deepEqual(train![0]!.messages![1], { role: 'user', content: '<image>Q0?' });
  const lost = warnings.filter((w) => w.includes('is NOT written'));
  assert.equal(lost.length, 3, lost.join('\n'));
  for (const what of ["message key 'name'", "content part of type 'video'", "message key 'tool_calls'"])
    assert.ok(
      lost.some((w) => w.includes(what) && w.includes('train.jsonl')),
      `${what}: ${lost.join('\n')}`,
    );
});

test('an empty entry (null or "") in an image list is a bad_row naming its position, not skipped; an empty single cell is no image', async () => {
  const d = join(dir, 'img-empty');
  await mkdir(d, { recursive: true });
  const png = await sharp({ create: { width: 20, height: 10, channels: 3, background: { r: 9, g: 9, b: 9 } } })
    .png()
    .toBuffer();
  await writeFile(join(d, 'a.png'), png);
  const lines = [
    { id: 'e0', problem: 'Q?', answer: 'a', images: [null, 'a.png'] },
    { id: 'e1', problem: 'Q?', answer: 'a', images: ['a.png', ''] },
    { id: 'e2', problem: 'Q?', answer: 'a', images: null },
    { id: 'e3', problem: 'Q?', answer: 'a', images: ['a.png'] },
  ].map((r) => JSON.stringify(r));
  await writeFile(join(d, 'train.jsonl'), lines.join('\n') + '\n');
  const { train } = await all({
    splits: [{ split: 'train', specs: [join(d, 'train.jsonl')] }],
    columns: { prompt: 'problem', answer: 'answer', images: 'images', id: 'id' },
  });
  assert.equal(train![0]!.drop?.reason, 'bad_row');
  assert.match(train![0]!.drop!.detail!, /image 0 of 2 in column images is empty \(null\)/);
  assert.equal(train![1]!.drop?.reason, 'bad_row');
  assert.match(train![1]!.drop!.detail!, /image 1 of 2 in column images is empty \(''\)/);
  assert.equal(train![2]!.drop, undefined);
  assert.equal(train![2]!.images.length, 0);
  assert.equal(train![3]!.drop, undefined);
  assert.equal(train![3]!.images.length, 1);
});
