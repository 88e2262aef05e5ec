/**
 * LLaMA-Factory's `dataset_dir` + `dataset` pair as a source (`DIR#NAME`): the entry of DIR/dataset_info.json
 * resolves the file, formatting, columns and tags as src/llamafactory/data/parser.py reads them. The files are
 * written as LLaMA-Factory's data/ folder holds them: the `mllm_demo` entry as in its data/dataset_info.json with
 * two of its data/mllm_demo.json rows (images under dataset_dir/mllm_demo_data), a sharegpt entry with non-default
 * columns and tags (the file in a subfolder, images still relative to dataset_dir, as its media_dir default), an
 * alpaca entry with renamed columns; entries gad-data cannot build faithfully are refused (exit 2).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from '../../src/index.js';
import { writeSolidImage } from '../helpers/solid-image.js';
import { duckRows } from '../helpers/files.js';
import { runCli } from '../helpers/gad-cli.js';

const tmp = mkdtempSync(join(tmpdir(), 'gad-dataset-info-'));
process.on('exit', () => rmSync(tmp, { recursive: true, force: true }));

const data = join(tmp, 'data');
mkdirSync(join(data, 'mllm_demo_data'), { recursive: true });
mkdirSync(join(data, 'geo'), { recursive: true });
for (const [i, name] of ['2.jpg', '3.jpg'].entries()) {
  await writeSolidImage({
    file: join(data, 'mllm_demo_data', name),
    width: 96 + 16 * i,
    height: 72,
    background: { r: 60 * i, g: 110, b: 70 },
    format: 'jpeg',
  });
}

const INFO = {
  mllm_demo: {
    file_name: 'mllm_demo.json',
    formatting: 'sharegpt',
    columns: { messages: 'messages', images: 'images' },
    tags: { role_tag: 'role', content_tag: 'content', user_tag: 'user', assistant_tag: 'assistant' },
  },
  geo_chat: {
    file_name: 'geo/train.json',
    formatting: 'sharegpt',
    columns: { messages: 'dialog', images: 'pictures', system: 'persona' },
    tags: {
      role_tag: 'role',
      content_tag: 'content',
      user_tag: 'user',
      assistant_tag: 'model',
      system_tag: 'setup',
    },
  },
  geo_alpaca: {
    file_name: 'geo/alpaca.json',
    columns: {
      prompt: 'question',
      query: 'context',
      response: 'solution',
      history: 'earlier',
      system: 'persona',
      images: 'pictures',
    },
  },
  hub_only: { hf_hub_url: 'BUAADreamer/llava-en-zh-300k', formatting: 'sharegpt' },
  glaive_toolcall_en_demo: {
    file_name: 'mllm_demo.json',
    formatting: 'sharegpt',
    columns: { messages: 'conversations', tools: 'tools' },
  },
};
writeFileSync(join(data, 'dataset_info.json'), JSON.stringify(INFO, null, 2));

// two rows of LLaMA-Factory's data/mllm_demo.json, as it holds them
const MLLM_DEMO = [
  {
    messages: [
      { content: '<image>Who is he?', role: 'user' },
      { content: "He's Thomas Muller from Bayern Munich.", role: 'assistant' },
      { content: 'Why is he on the ground?', role: 'user' },
      { content: "Because he's sliding on his knees to celebrate.", role: 'assistant' },
    ],
    images: ['mllm_demo_data/2.jpg'],
  },
  {
    messages: [
      { content: '<image>Please describe this image', role: 'user' },
      { content: 'Chinese astronaut Gui Haichao is giving a speech.', role: 'assistant' },
      { content: 'What has he accomplished?', role: 'user' },
      {
        content:
          'He was appointed to be a payload specialist on Shenzhou 16 mission in June 2022, thus becoming the first Chinese civilian of Group 3 in space on 30 May 2023. He is responsible for the on-orbit operation of space science experimental payloads.',
        role: 'assistant',
      },
    ],
    images: ['mllm_demo_data/3.jpg'],
  },
];
writeFileSync(join(data, 'mllm_demo.json'), JSON.stringify(MLLM_DEMO, null, 2));

const SYSTEM = 'You are a football commentator.';
writeFileSync(
  join(data, 'geo', 'train.json'),
  JSON.stringify([
    {
      // the system prompt as a first turn with the entry's system tag
      dialog: [
        { role: 'setup', content: SYSTEM },
        { role: 'user', content: '<image>Who is he?' },
        { role: 'model', content: 'A footballer.' },
      ],
      pictures: ['mllm_demo_data/2.jpg'],
    },
    {
      // the system prompt from the entry's system column
      dialog: [
        { role: 'user', content: '<image>Describe the picture.' },
        { role: 'model', content: 'An astronaut speaking.' },
      ],
      persona: 'You are a space historian.',
      pictures: ['mllm_demo_data/3.jpg'],
    },
  ]),
);
writeFileSync(
  join(data, 'geo', 'alpaca.json'),
  JSON.stringify([
    {
      question: '<image>Why is he on the ground?',
      context: 'Answer in one sentence.',
      solution: "Because he's sliding on his knees to celebrate.",
      earlier: [['Who is he?', 'Thomas Muller.']],
      persona: SYSTEM,
      pictures: ['mllm_demo_data/2.jpg'],
    },
  ]),
);

const shard = (out: string) => join(out, 'data', 'train-00000-of-00001.parquet');
const b64 = (x: unknown) => Buffer.from(x as Uint8Array).toString('base64');
const fileB64 = (rel: string) => readFileSync(join(data, rel)).toString('base64');

test(
  'the mllm_demo entry (data#mllm_demo): messages / images, role / content / user / assistant, the last assistant turn the teacher response',
  { timeout: 600_000 },
  async () => {
    const out = join(tmp, 'out-mllm');
    const r = await build({
      data: { train_files: `${data}#mllm_demo` },
      teacher: { column: 'messages' },
      target: 'verl',
      out,
    });
    const [first, note] = r.input.format.split('\n');
    assert.equal(first, `input format: llamafactory (entry 'mllm_demo' of ${join(data, 'dataset_info.json')})`);
    assert.match(
      note!,
      /sharegpt\): messages turns of \{role, content\}, user user, assistant assistant, system system/,
    );
    assert.deepEqual(r.input.counts, { teacher_from_assistant_turn: 2, earlier_assistant_turns_kept: 2 });
    const rows = await duckRows(shard(out));
    assert.equal(rows.length, 2);
    for (const [i, src] of MLLM_DEMO.entries()) {
      assert.deepEqual(rows[i]!.prompt, src.messages.slice(0, 3), `row ${i} prompt`);
      assert.equal(rows[i]!.teacher_response, src.messages[3]!.content);
      assert.equal(rows[i]!.images.length, 1);
      assert.equal(b64(rows[i]!.images[0].bytes), fileB64(src.images[0]!));
    }
  },
);

test(
  'a sharegpt entry with non-default columns and tags (dialog, pictures, persona; role / content / user / model / setup)',
  { timeout: 600_000 },
  async () => {
    const out = join(tmp, 'out-geo');
    const r = await build({
      data: { train_files: `${join(data, 'dataset_info.json')}#geo_chat` },
      teacher: { column: 'dialog' },
      target: 'verl',
      out,
    });
    assert.match(r.input.format, /^input format: llamafactory \(entry 'geo_chat'/);
    const rows = await duckRows(shard(out));
    assert.equal(rows.length, 2, 'images resolved against dataset_dir, not the file folder geo/');
    assert.deepEqual(rows[0]!.prompt, [
      { role: 'system', content: SYSTEM },
      { role: 'user', content: '<image>Who is he?' },
    ]);
    assert.equal(rows[0]!.teacher_response, 'A footballer.');
    assert.equal(b64(rows[0]!.images[0].bytes), fileB64('mllm_demo_data/2.jpg'));
    assert.deepEqual(rows[1]!.prompt, [
      { role: 'system', content: 'You are a space historian.' },
      { role: 'user', content: '<image>Describe the picture.' },
    ]);
    assert.equal(rows[1]!.teacher_response, 'An astronaut speaking.');
    assert.equal(b64(rows[1]!.images[0].bytes), fileB64('mllm_demo_data/3.jpg'));
    for (const row of rows) {
      assert.equal(row.persona, undefined, 'the system column is read into the prompt');
      assert.equal(row.extra_info.persona, undefined);
    }
  },
);

test('an alpaca entry with renamed columns (question + context, solution, earlier, persona, pictures)', async () => {
  const out = join(tmp, 'out-alpaca');
  const r = await build({
    data: { train_files: `${data}#geo_alpaca` },
    teacher: { column: 'solution' },
    target: 'verl',
    out,
  });
  assert.match(
    r.input.format,
    /^input format: llamafactory \(entry 'geo_alpaca'.*\n {2}dataset_info.json entry geo_alpaca \(alpaca\): question \+ context → solution/,
  );
  const [row] = await duckRows(shard(out));
  assert.deepEqual(row!.prompt, [
    { role: 'system', content: SYSTEM },
    { role: 'user', content: 'Who is he?' },
    { role: 'assistant', content: 'Thomas Muller.' },
    { role: 'user', content: '<image>Why is he on the ground?\nAnswer in one sentence.' },
  ]);
  assert.equal(row!.teacher_response, "Because he's sliding on his knees to celebrate.");
  assert.equal(b64(row!.images[0].bytes), fileB64('mllm_demo_data/2.jpg'));
});

test(
  'docs/sources.md command: the entry from the CLI; entries not built faithfully are refused with exit 2',
  { timeout: 600_000 },
  async () => {
    const ok = await runCli(
      ['build', '--train', 'data#mllm_demo', '--teacher-column', 'messages', '--target', 'verl', '--out', 'out-cli'],
      { cwd: tmp, timeoutMs: 600_000 },
    );
    assert.equal(ok.status, 0, ok.stderr);
    assert.match(ok.stderr.split('\n')[0]!, /^input format: llamafactory \(entry 'mllm_demo' of /);
    assert.equal((await duckRows(shard(join(tmp, 'out-cli')))).length, 2);
    for (const [name, message] of [
      ['hub_only', /the data is not a local file \(hf_hub_url: "BUAADreamer\/llava-en-zh-300k"\)/],
      ['glaive_toolcall_en_demo', /columns tools are not read/],
      ['no_such', /no dataset 'no_such'[\s\S]*mllm_demo, geo_chat/],
    ] as const) {
      const r = await runCli(['build', '--train', `data#${name}`, '--out', `out-${name}`], {
        cwd: tmp,
        timeoutMs: 600_000,
      });
      assert.equal(r.status, 2, r.stderr);
      assert.match(r.stderr, message);
      assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
    }
  },
);
