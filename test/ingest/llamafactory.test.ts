/**
 * LLaMA-Factory's dataset formats read as input (issue: sharegpt rows were all dropped as `bad_row`, "no user
 * message"). Files are written as LLaMA-Factory's data/README.md and data/mllm_demo.json show them (JSON arrays):
 * sharegpt with its default tags (`conversations`, `from` / `value`, `human` / `gpt`), the `mllm_demo` layout
 * (`messages` of `role` / `content`, `images` under `mllm_demo_data/`), and alpaca (`instruction` + `input` joined
 * by "\n" as its AlpacaDatasetConverter does, `output`, `history`, `system`). Each build is compared field by field
 * with the same rows written in gad-data's own columns: prompts, image bytes, teacher responses, token counts.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from '../../src/index.js';
import { writeSolidImage } from '../helpers/solid-image.js';
import { duckRows, readJsonl } from '../helpers/files.js';

const tmp = mkdtempSync(join(tmpdir(), 'gad-llamafactory-'));
process.on('exit', () => rmSync(tmp, { recursive: true, force: true }));

const SYSTEM = 'You are a geometry teacher.';
type Msg = { role: string; content: string };
const PROMPTS: Msg[][] = [
  [
    { role: 'system', content: SYSTEM },
    { role: 'user', content: '<image>Who are they?' },
  ],
  [
    { role: 'user', content: '<image>Who is he?' },
    { role: 'assistant', content: 'A footballer.' },
    { role: 'user', content: 'Why is he on the ground?' },
  ],
];
const TEACHER = ["They're the players of a team.", "Because he's sliding on his knees to celebrate."];
const IMAGES = ['mllm_demo_data/1.jpg', 'mllm_demo_data/2.jpg'];

async function folder(name: string): Promise<string> {
  const dir = join(tmp, name);
  mkdirSync(join(dir, 'mllm_demo_data'), { recursive: true });
  for (const [i, img] of IMAGES.entries()) {
    await writeSolidImage({
      file: join(dir, img),
      width: 80 + 16 * i,
      height: 60,
      background: { r: 40 * i, g: 120, b: 90 },
      format: 'jpeg',
    });
  }
  return dir;
}

const TAG: Record<string, string> = { user: 'human', assistant: 'gpt', system: 'system' };
const gadDir = await folder('gad');
writeFileSync(
  join(gadDir, 'train.json'),
  JSON.stringify(PROMPTS.map((p, i) => ({ prompt: p, images: [IMAGES[i]], teacher_response: TEACHER[i] }))),
);
const outGad = join(tmp, 'out-gad');
await build({
  data: { train_files: join(gadDir, 'train.json') },
  teacher: { column: 'teacher_response' },
  target: 'verl',
  out: outGad,
});

const shard = (out: string) => join(out, 'data', 'train-00000-of-00001.parquet');
const b64 = (x: unknown) => Buffer.from(x as Uint8Array).toString('base64');

async function sameAsGad(dir: string, out: string) {
  const a = await duckRows(shard(out));
  const b = await duckRows(shard(outGad));
  assert.equal(a.length, PROMPTS.length);
  for (let i = 0; i < PROMPTS.length; i++) {
    assert.deepEqual(a[i]!.prompt, PROMPTS[i], `row ${i} prompt`);
    assert.deepEqual(a[i]!.prompt, b[i]!.prompt);
    assert.equal(a[i]!.teacher_response, TEACHER[i]);
    assert.equal(b64(a[i]!.images[0].bytes), readFileSync(join(dir, IMAGES[i]!)).toString('base64'));
    assert.equal(b64(a[i]!.images[0].bytes), b64(b[i]!.images[0].bytes));
  }
  const la = readJsonl(join(out, 'lengths.jsonl'));
  const lb = readJsonl(join(outGad, 'lengths.jsonl'));
  for (let i = 0; i < PROMPTS.length; i++)
    for (const k of ['prompt_tokens', 'text_tokens', 'image_tokens', 'response_tokens'])
      assert.equal(la[i]![k], lb[i]![k], `row ${i} ${k}`);
}

test(
  'sharegpt with the default tags (conversations, from/value, human/gpt): the last gpt turn is the teacher response',
  { timeout: 600_000 },
  async () => {
    const dir = await folder('sharegpt');
    const rows = PROMPTS.map((p, i) => ({
      conversations: [...p, { role: 'assistant', content: TEACHER[i] }].map((m) => ({
        from: TAG[m.role],
        value: m.content,
      })),
      images: [IMAGES[i]],
    }));
    writeFileSync(join(dir, 'train.json'), JSON.stringify(rows, null, 2));
    const out = join(tmp, 'out-sharegpt');
    const r = await build({
      data: { train_files: join(dir, 'train.json') },
      teacher: { column: 'conversations' },
      target: 'verl',
      out,
    });
    assert.match(r.input.format, /^input format: llamafactory \(detected/);
    assert.deepEqual(r.input.counts, { teacher_from_assistant_turn: 2, earlier_assistant_turns_kept: 1 });
    await sameAsGad(dir, out);
  },
);

test(
  'the mllm_demo layout (messages of role/content, images): read alike as llamafactory and as detected',
  { timeout: 600_000 },
  async () => {
    const dir = await folder('mllm_demo');
    const rows = PROMPTS.map((p, i) => ({
      messages: [...p, { role: 'assistant', content: TEACHER[i] }],
      images: [IMAGES[i]],
    }));
    writeFileSync(join(dir, 'mllm_demo.json'), JSON.stringify(rows, null, 2));
    for (const input_format of ['llamafactory', 'auto'] as const) {
      const out = join(tmp, `out-mllm-${input_format}`);
      const r = await build({
        data: { train_files: join(dir, 'mllm_demo.json') },
        input_format,
        teacher: { column: 'messages' },
        target: 'verl',
        out,
      });
      assert.match(
        r.input.format,
        input_format === 'auto'
          ? /^input format: ms-swift \(detected/
          : /^input format: llamafactory \(--input-format\)/,
      );
      await sameAsGad(dir, out);
    }
  },
);

test(
  'alpaca: instruction and input joined by a newline, history, system, output as the teacher response',
  { timeout: 600_000 },
  async () => {
    const dir = await folder('alpaca');
    const rows = [
      { instruction: '<image>Who are', input: 'they?', output: TEACHER[0], system: SYSTEM, images: [IMAGES[0]] },
      {
        instruction: 'Why is he on the ground?',
        input: '',
        output: TEACHER[1],
        history: [['<image>Who is he?', 'A footballer.']],
        images: [IMAGES[1]],
      },
    ];
    writeFileSync(join(dir, 'train.json'), JSON.stringify(rows, null, 2));
    const out = join(tmp, 'out-alpaca');
    const r = await build({
      data: { train_files: join(dir, 'train.json') },
      teacher: { column: 'output' },
      target: 'verl',
      out,
    });
    assert.match(r.input.format, /^input format: llamafactory/);
    const got = await duckRows(shard(out));
    assert.deepEqual(got[0]!.prompt, [
      { role: 'system', content: SYSTEM },
      { role: 'user', content: '<image>Who are\nthey?' },
    ]);
    assert.deepEqual(got[1]!.prompt, PROMPTS[1]);
    assert.deepEqual(
      got.map((g) => g.teacher_response),
      TEACHER,
    );
  },
);
