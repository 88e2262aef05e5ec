/**
 * ms-swift's dataset format read as input (issue: the assistant answer was kept inside the prompt, counted as prompt
 * tokens, and no teacher response taken). Rows are written as ms-swift's docs/source_en/Customization/
 * Custom-dataset.md shows them: `messages` (system / user / assistant turns) with `images`, the `system` column, and
 * the `query` / `response` / `history` form. Each build is compared field by field with the same rows written in
 * gad-data's own columns (prompt message list + teacher_response): same prompts, image bytes, teacher responses and
 * token counts (those of the gad columns are checked against transformers elsewhere: test/format/).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from '../../src/index.js';
import { writeSolidImage } from '../helpers/solid-image.js';
import { duckRows, readJsonl } from '../helpers/files.js';
import { runCli } from '../helpers/gad-cli.js';

const tmp = mkdtempSync(join(tmpdir(), 'gad-ms-swift-'));
process.on('exit', () => rmSync(tmp, { recursive: true, force: true }));

const SYSTEM = 'You are a careful tutor.';
type Msg = { role: string; content: string };
/** The rows: [the messages ms-swift trains on, the prompt gad-data should write, the teacher response]. */
const CASES: Array<{ messages: Msg[]; prompt: Msg[]; teacher: string; image: string }> = [
  {
    messages: [
      { role: 'system', content: SYSTEM },
      { role: 'user', content: '<image>What colour is the square?' },
      { role: 'assistant', content: 'The square is red.' },
    ],
    prompt: [
      { role: 'system', content: SYSTEM },
      { role: 'user', content: '<image>What colour is the square?' },
    ],
    teacher: 'The square is red.',
    image: 'red.png',
  },
  {
    // two rounds: the last assistant turn is the answer, the earlier one stays as context (docs/sources.md)
    messages: [
      { role: 'user', content: '<image>Name the colour.' },
      { role: 'assistant', content: 'Blue.' },
      { role: 'user', content: 'And in French?' },
      { role: 'assistant', content: 'Bleu.' },
    ],
    prompt: [
      { role: 'user', content: '<image>Name the colour.' },
      { role: 'assistant', content: 'Blue.' },
      { role: 'user', content: 'And in French?' },
    ],
    teacher: 'Bleu.',
    image: 'blue.png',
  },
];

async function png(name: string, r: number, b: number, dir: string) {
  await writeSolidImage({ file: join(dir, name), width: 96, height: 64, background: { r, g: 30, b } });
}

const swiftDir = join(tmp, 'swift');
const gadDir = join(tmp, 'gad');
for (const dir of [swiftDir, gadDir]) {
  mkdirSync(dir);
  await png('red.png', 220, 10, dir);
  await png('blue.png', 10, 220, dir);
}
const lines = (rows: object[]) => rows.map((r) => JSON.stringify(r)).join('\n') + '\n';
writeFileSync(join(swiftDir, 'train.jsonl'), lines(CASES.map((c) => ({ messages: c.messages, images: [c.image] }))));
writeFileSync(
  join(gadDir, 'train.jsonl'),
  lines(CASES.map((c) => ({ prompt: c.prompt, images: [c.image], teacher_response: c.teacher }))),
);

const shard = (out: string) => join(out, 'data', 'train-00000-of-00001.parquet');
const bytesOf = (img: { bytes: unknown }) => Buffer.from(img.bytes as Uint8Array).toString('base64');

test(
  'ms-swift messages, GAD build (--teacher-column messages): the last assistant turn is the teacher response, field by field as gad columns',
  { timeout: 600_000 },
  async () => {
    const outSwift = join(tmp, 'out-swift-gad');
    const outGad = join(tmp, 'out-gad');
    const swift = await build({
      data: { train_files: join(swiftDir, 'train.jsonl') },
      teacher: { column: 'messages' },
      target: 'verl',
      out: outSwift,
    });
    await build({
      data: { train_files: join(gadDir, 'train.jsonl') },
      teacher: { column: 'teacher_response' },
      target: 'verl',
      out: outGad,
    });
    assert.match(swift.input.format, /^input format: ms-swift \(detected from the columns of .*: messages, images;/);
    assert.deepEqual(swift.input.counts, { teacher_from_assistant_turn: 2, earlier_assistant_turns_kept: 1 });
    const a = await duckRows(shard(outSwift));
    const b = await duckRows(shard(outGad));
    assert.equal(a.length, CASES.length);
    for (let i = 0; i < CASES.length; i++) {
      assert.deepEqual(a[i]!.prompt, CASES[i]!.prompt, `row ${i} prompt`);
      assert.deepEqual(a[i]!.prompt, b[i]!.prompt);
      assert.equal(a[i]!.teacher_response, CASES[i]!.teacher);
      assert.equal(bytesOf(a[i]!.images[0]), readFileSync(join(swiftDir, CASES[i]!.image)).toString('base64'));
      assert.equal(bytesOf(a[i]!.images[0]), bytesOf(b[i]!.images[0]));
    }
    const la = readJsonl(join(outSwift, 'lengths.jsonl'));
    const lb = readJsonl(join(outGad, 'lengths.jsonl'));
    for (let i = 0; i < CASES.length; i++) {
      for (const k of ['prompt_tokens', 'text_tokens', 'image_tokens', 'response_tokens'])
        assert.equal(la[i]![k], lb[i]![k], `row ${i} ${k}`);
    }
  },
);

test(
  'docs/sources.md command: ms-swift messages, GAD build from the CLI, the input format said first and the teacher source said loudly',
  { timeout: 600_000 },
  async () => {
    const r = await runCli(
      ['build', '--train', 'swift/train.jsonl', '--teacher-column', 'messages', '--out', 'out-swift'],
      {
        cwd: tmp,
        timeoutMs: 600_000,
      },
    );
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stderr.split('\n')[0]!, /^input format: ms-swift \(detected/);
    const stdout = r.stdout.trim().split('\n');
    assert.match(stdout[0]!, /^input format: ms-swift/);
    assert.match(
      stdout[1]!,
      /^TEACHER RESPONSES ARE THE INPUT'S ASSISTANT TURNS: the last assistant turn of 2 row\(s\)/,
    );
    assert.match(stdout[2]!, /^1 row\(s\) have several assistant turns/);
  },
);

test(
  'ms-swift messages, GRPO build: the last assistant turn is left out of the prompt and counted',
  { timeout: 600_000 },
  async () => {
    const out = join(tmp, 'out-swift-grpo');
    const r = await build({ data: { train_files: join(swiftDir, 'train.jsonl') }, target: 'verl', out });
    assert.deepEqual(r.input.counts, { assistant_turn_left_out: 2, earlier_assistant_turns_kept: 1 });
    const rows = await duckRows(shard(out));
    for (let i = 0; i < CASES.length; i++) {
      assert.deepEqual(rows[i]!.prompt, CASES[i]!.prompt);
      assert.equal(rows[i]!.teacher_response, undefined);
    }
  },
);

test('ms-swift query/response/history and the system column', { timeout: 600_000 }, async () => {
  const dir = join(tmp, 'query');
  mkdirSync(dir);
  await png('red.png', 220, 10, dir);
  writeFileSync(
    join(dir, 'train.jsonl'),
    lines([
      {
        system: SYSTEM,
        query: '<image>And in French?',
        response: 'Rouge.',
        history: [['What colour?', 'Red.']],
        rejected_response: 'Rot.',
        images: ['red.png'],
      },
    ]),
  );
  const out = join(tmp, 'out-query');
  const r = await build({
    data: { train_files: join(dir, 'train.jsonl') },
    teacher: { column: 'response' },
    target: 'verl',
    out,
  });
  assert.match(r.input.format, /^input format: ms-swift/);
  assert.deepEqual(r.input.counts, {
    student_from_rejected_response: 1,
    earlier_assistant_turns_kept: 1,
    teacher_from_assistant_turn: 1,
  });
  const [row] = await duckRows(shard(out));
  assert.equal(row!.rejected_response, 'Rot.', 'read as the student answer, and still passed through');
  assert.deepEqual(readJsonl(join(out, 'rejected_response.jsonl')), [
    { id: 'train.jsonl#0', split: 'train', response: 'Rot.' },
  ]);
  assert.deepEqual(row!.prompt, [
    { role: 'system', content: SYSTEM },
    { role: 'user', content: 'What colour?' },
    { role: 'assistant', content: 'Red.' },
    { role: 'user', content: '<image>And in French?' },
  ]);
  assert.equal(row!.teacher_response, 'Rouge.');
  assert.deepEqual(Object.keys(row!.extra_info).sort(), ['answer', 'index', 'question', 'split']);
  assert.equal(row!.system, undefined, 'system is read into the prompt, not passed through');
  assert.equal(row!.history, undefined);
});

test(
  "--input-format gad reads ms-swift columns as gad columns (the choice is the user's)",
  { timeout: 600_000 },
  async () => {
    await assert.rejects(
      build({
        data: { train_files: join(swiftDir, 'train.jsonl') },
        input_format: 'gad',
        target: 'verl',
        out: join(tmp, 'out-forced'),
      }),
      /column 'problem' \(prompt_key\) not found/,
    );
  },
);
