/**
 * Real inputs of verl users build unchanged: a parquet shaped like the output of verl's
 * `examples/data_preprocess/geo3k.py` (written here by HF `datasets`, as geo3k.py does), with a system turn,
 * extra `extra_info` fields and extra columns, built with default flags. The output rows must equal what verl's
 * loader reads from the input (every column, every field, the whole message list, types and features), and the
 * counts must be those of the whole message list. Also: `--image-key image` gives verl's `images` column,
 * text-only and mixed datasets, a nested `--id-key extra_info.index` teacher join, and build/validate defaults.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { runCli } from '../helpers/gad-cli.js';
import { ensurePythonVenv, runPython } from '../helpers/python.js';
import { loadFormatPrompt } from '../../src/model/chat-template.js';
import { loadModelProfile } from '../../src/model/model-profile.js';
import { PromptCounter } from '../../src/model/token-counts.js';
import type { PromptMessage } from '../../src/core/types.js';

const python = await ensurePythonVenv(['pyarrow', 'datasets', 'Pillow']);
const skip = python ? false : 'python venv not available';
const TIMEOUT = 600_000;

const INSTRUCTION =
  'You FIRST think about the reasoning process as an internal monologue and then provide the final answer. The reasoning process MUST BE enclosed within <think> </think> tags. The final answer MUST BE put in \\boxed{}.';
const SYSTEM = 'You are a careful geometry tutor. Answer step by step.';

/** A PNG diagram of a given size (sizes on the Qwen3-VL 32-grid, so every pipeline leaves them as they are). */
async function png(w: number, h: number, shade: number): Promise<Buffer> {
  return sharp({ create: { width: w, height: h, channels: 3, background: { r: shade, g: 255 - shade, b: 128 } } })
    .png()
    .toBuffer();
}

const PROBLEMS = [
  { problem: '<image>Find x. Round to the nearest tenth.', answer: '16.6', size: [320, 224] },
  { problem: 'In the figure <image> AB = 7. Find the area of the circle.', answer: '38.48', size: [256, 384] },
  { problem: '<image>Find the measure of angle 2.', answer: '55', size: [448, 320] },
] as const;

/** Writes geo3k.py's rows (plus a system turn, extra extra_info fields and columns) with HF datasets. */
const WRITE_VERL = String.raw`
import sys, json, datasets
from datasets import Features, Value, Image
out, spec = sys.argv[1], json.loads(sys.argv[2])
rows = []
for i, r in enumerate(spec["rows"]):
    rows.append({
        "data_source": "hiyouga/geometry3k",
        "prompt": [{"role": "system", "content": spec["system"]}, {"role": "user", "content": r["problem"] + " " + spec["instruction"]}],
        "images": [{"bytes": open(r["image"], "rb").read(), "path": None}],
        "ability": "math",
        "reward_model": {"style": "rule", "ground_truth": r["answer"]},
        "extra_info": {"split": "train", "index": i, "answer": r["answer"], "question": r["problem"],
                       "interaction_kwargs": {"name": "geo", "query": r["problem"], "ground_truth": r["answer"]},
                       "reward_weight": 0.5 + i},
        "id": "geo-%04d" % (100 + i),
        "choices": ["A", "B", "C%d" % i],
        "difficulty": i + 1,
    })
features = Features({
    "data_source": Value("string"),
    "prompt": [{"role": Value("string"), "content": Value("string")}],
    "images": [Image()],
    "ability": Value("string"),
    "reward_model": {"style": Value("string"), "ground_truth": Value("string")},
    "extra_info": {"split": Value("string"), "index": Value("int64"), "answer": Value("string"), "question": Value("string"),
                   "interaction_kwargs": {"name": Value("string"), "query": Value("string"), "ground_truth": Value("string")},
                   "reward_weight": Value("float64")},
    "id": Value("string"),
    "choices": [Value("string")],
    "difficulty": Value("int32"),
})
datasets.Dataset.from_list(rows, features=features).to_parquet(out)
`;

/** What verl's loader reads from a parquet file: datasets.load_dataset("parquet"), every column, arrow types. */
const READ = String.raw`
import sys, json, io
import pyarrow.parquet as pq
import datasets
res = {}
for name, path in json.loads(sys.argv[1]).items():
    sch = pq.read_schema(path)
    ds = datasets.load_dataset("parquet", data_files=[path], split="train")
    rows = []
    for r in ds:
        row = {}
        for k, v in r.items():
            if k in ("images", "image"):
                row[k] = None if v is None else [[im.size[0], im.size[1]] for im in v] if isinstance(v, list) else [[v.size[0], v.size[1]]]
            else:
                row[k] = v
        rows.append(row)
    res[name] = {
        "columns": ds.column_names,
        "types": {f.name: str(f.type) for f in sch},
        "features": {k: str(v) for k, v in ds.features.items()},
        "hf_meta": sch.metadata is not None and b"huggingface" in sch.metadata,
        "rows": rows,
    }
print(json.dumps(res))
`;

interface Read {
  columns: string[];
  types: Record<string, string>;
  features: Record<string, string>;
  hf_meta: boolean;
  rows: Array<Record<string, unknown>>;
}

async function readBack(files: Record<string, string>): Promise<Record<string, Read>> {
  return JSON.parse(await runPython(python!, READ, [JSON.stringify(files)])) as Record<string, Read>;
}

async function lengths(out: string): Promise<
  Array<{
    index: number;
    id: string;
    prompt_tokens: number;
    text_tokens: number;
    image_tokens: number;
    resized: Array<[number, number]>;
    split: string;
  }>
> {
  return (await readFile(join(out, 'lengths.jsonl'), 'utf8'))
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l));
}

async function dropped(out: string): Promise<Array<{ reason: string }>> {
  return (await readFile(join(out, 'dropped.jsonl'), 'utf8'))
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l));
}

/** Exact prompt length of a message list as verl renders it (Qwen3-VL: N = (w/32)·(h/32) per image at its target size). */
async function expectedTokens(messages: PromptMessage[], sizes: Array<[number, number]>): Promise<number> {
  const profile = await loadModelProfile('qwen3-vl');
  const counter = new PromptCounter(profile, await loadFormatPrompt('none'));
  const n = sizes.map(([w, h]) => (w / 32) * (h / 32));
  const user = messages.findIndex((m) => m.role === 'user');
  return counter.countMessages(messages, user, n, null).promptTokens;
}

async function makeVerlParquet(dir: string): Promise<string> {
  const rows = [];
  for (let i = 0; i < PROBLEMS.length; i++) {
    const p = PROBLEMS[i]!;
    const file = join(dir, `img${i}.png`);
    await writeFile(file, await png(p.size[0], p.size[1], 40 + i * 60));
    rows.push({ problem: p.problem, answer: p.answer, image: file });
  }
  const out = join(dir, 'train.parquet');
  await runPython(python!, WRITE_VERL, [out, JSON.stringify({ rows, system: SYSTEM, instruction: INSTRUCTION })]);
  return out;
}

test(
  'a geo3k.py-shaped verl parquet builds unchanged with default flags: every turn, column and extra_info field',
  { skip, timeout: TIMEOUT },
  async () => {
    const dir = await mkdtemp(join(tmpdir(), 'gad-verl-in-'));
    try {
      const input = await makeVerlParquet(dir);
      const r = await runCli(['build', '--train', input, '--out', 'out'], { cwd: dir, timeoutMs: TIMEOUT });
      assert.equal(r.status, 0, r.stderr + r.stdout);
      const out = join(dir, 'out');
      const manifest = JSON.parse(await readFile(join(out, 'manifest.json'), 'utf8'));
      assert.equal(
        manifest.resize.pipeline,
        'qwen-vl-utils',
        'target verl defaults to the qwen-vl-utils pipeline verl runs',
      );
      assert.equal(
        manifest.formatPrompt.name,
        'none',
        'no format prompt was applied to the message lists, and the manifest says so',
      );
      const shard = join(out, 'data', 'train-00000-of-00001.parquet');
      const got = await readBack({ input, output: shard });
      const [a, b] = [got.input!, got.output!];

      // The same columns in the same order, the same Arrow types and datasets features (images: list of Image).
      assert.deepEqual(b.columns, a.columns);
      assert.deepEqual(b.types, a.types);
      assert.deepEqual(b.features, a.features);
      assert.equal(b.hf_meta, true);
      assert.equal(b.rows.length, a.rows.length);
      for (let i = 0; i < a.rows.length; i++) {
        // Every cell as verl reads it: the whole message list (system turn kept, no second instruction),
        // extra_info with interaction_kwargs and the custom reward field, id, choices, difficulty.
        assert.deepEqual(b.rows[i], a.rows[i], `row ${i}`);
      }
      // The dataset card's features (used by load_dataset(OUT)) agree with the shards, pass-through columns included.
      const card = await runPython(
        python!,
        'import sys, json, datasets\nd = datasets.load_dataset(sys.argv[1], split="train")\nprint(json.dumps({"features": {k: str(v) for k, v in d.features.items()}, "rows": len(d)}))',
        [out],
      );
      assert.deepEqual(JSON.parse(card), { features: a.features, rows: a.rows.length });
      assert.equal((b.rows[0]!.prompt as PromptMessage[])[0]!.role, 'system');
      assert.ok(!(b.rows[0]!.prompt as PromptMessage[])[1]!.content.endsWith(`${INSTRUCTION} ${INSTRUCTION}`));

      // Counts: exactly the whole message list as verl renders it.
      const lens = await lengths(out);
      assert.equal(lens.length, PROBLEMS.length);
      for (let i = 0; i < lens.length; i++) {
        const want = await expectedTokens(a.rows[i]!.prompt as PromptMessage[], [
          PROBLEMS[i]!.size as unknown as [number, number],
        ]);
        assert.equal(lens[i]!.prompt_tokens, want, `row ${i}: prompt tokens of the full message list`);
        assert.equal(lens[i]!.image_tokens, (PROBLEMS[i]!.size[0] / 32) * (PROBLEMS[i]!.size[1] / 32));
      }
      // The system turn is counted: without it the count would be different (the template's default system prompt).
      const noSystem = await expectedTokens((a.rows[0]!.prompt as PromptMessage[]).slice(1), [
        PROBLEMS[0]!.size as unknown as [number, number],
      ]);
      assert.notEqual(lens[0]!.prompt_tokens, noSystem);

      // Our own validate, with its defaults, accepts the shards and counts the same.
      const v = await runCli(['validate', shard, '--model', 'qwen3-vl', '--json'], { cwd: dir, timeoutMs: TIMEOUT });
      assert.equal(v.status, 0, v.stdout + v.stderr);
      const vs = JSON.parse(v.stdout).summary.files[0].tokens.prompt;
      assert.equal(vs.max, Math.max(...lens.map((l) => l.prompt_tokens)));
      assert.equal(vs.min, Math.min(...lens.map((l) => l.prompt_tokens)));

      // An explicit format prompt is applied (asked for), with a warning that the instruction is there already.
      const twice = await runCli(['build', '--train', input, '--out', 'out2', '--format-prompt', 'math'], {
        cwd: dir,
        timeoutMs: TIMEOUT,
      });
      assert.equal(twice.status, 0, twice.stderr);
      assert.match(twice.stderr, /already holds the math format prompt's instruction/);
      const lens2 = await lengths(join(dir, 'out2'));
      assert.ok(lens2[0]!.prompt_tokens > lens[0]!.prompt_tokens);

      // Target easyr1 reads one text prompt: the other turns cannot be kept, and the build says so.
      const e = await runCli(
        ['build', '--train', input, '--out', 'out-e', '--target', 'easyr1', '--format-prompt', 'none'],
        { cwd: dir, timeoutMs: TIMEOUT },
      );
      assert.equal(e.status, 0, e.stderr);
      assert.match(e.stderr, /system prompt, are NOT kept for target easyr1/);
      const profile = await loadModelProfile('qwen3-vl');
      const none = new PromptCounter(profile, await loadFormatPrompt('none'));
      const le = await lengths(join(dir, 'out-e'));
      assert.equal(
        le[0]!.prompt_tokens,
        none.count(`${PROBLEMS[0].problem} ${INSTRUCTION}`, [le[0]!.image_tokens]).promptTokens,
        'counted as EasyR1 renders it: one user message',
      );

      // --no-passthrough: the built columns only (the opt-out); extra_info is rebuilt (question: the user message as
      // the input holds it), the message list is still kept whole.
      const np = await runCli(['build', '--train', input, '--out', 'out3', '--no-passthrough'], {
        cwd: dir,
        timeoutMs: TIMEOUT,
      });
      assert.equal(np.status, 0, np.stderr);
      const c = (await readBack({ o: join(dir, 'out3', 'data', 'train-00000-of-00001.parquet') })).o!;
      assert.deepEqual(c.columns, ['data_source', 'prompt', 'images', 'ability', 'reward_model', 'extra_info']);
      assert.deepEqual(c.rows[1]!.prompt, a.rows[1]!.prompt);
      assert.deepEqual(c.rows[1]!.extra_info, {
        split: 'train',
        index: 1,
        answer: PROBLEMS[1].answer,
        question: `${PROBLEMS[1].problem} ${INSTRUCTION}`,
      });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  },
);

test('nested --id-key extra_info.index joins the teacher file', { skip, timeout: TIMEOUT }, async () => {
  const dir = await mkdtemp(join(tmpdir(), 'gad-verl-id-'));
  try {
    const input = await makeVerlParquet(dir);
    // Teacher lines in another order than the rows, keyed by the index verl stores in extra_info.
    const teacher = [2, 0, 1]
      .map((i) => JSON.stringify({ id: i, response: `<think>row ${i}</think> \\boxed{${PROBLEMS[i]!.answer}}` }))
      .join('\n');
    await writeFile(join(dir, 'teacher.jsonl'), `${teacher}\n`);
    const r = await runCli(
      [
        'build',
        '--train',
        input,
        '--out',
        'out',
        '--teacher',
        'teacher.jsonl',
        '--id-key',
        'extra_info.index',
        '--teacher-id-key',
        'id',
      ],
      { cwd: dir, timeoutMs: TIMEOUT },
    );
    assert.equal(r.status, 0, r.stderr + r.stdout);
    const b = (await readBack({ o: join(dir, 'out', 'data', 'train-00000-of-00001.parquet') })).o!;
    assert.equal(b.rows.length, 3);
    for (const row of b.rows) {
      const i = (row.extra_info as { index: number }).index;
      assert.equal(row.teacher_response, `<think>row ${i}</think> \\boxed{${PROBLEMS[i]!.answer}}`);
    }
    const lens = await lengths(join(dir, 'out'));
    assert.deepEqual(
      lens.map((l) => l.id),
      ['0', '1', '2'],
    );
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test(
  '--image-key image: the verl output column is images (verl default image_key), and validate accepts it',
  { skip, timeout: TIMEOUT },
  async () => {
    const dir = await mkdtemp(join(tmpdir(), 'gad-verl-imgkey-'));
    try {
      await mkdir(join(dir, 'img'));
      const lines = [];
      for (let i = 0; i < 2; i++) {
        await writeFile(join(dir, 'img', `${i}.png`), await png(320, 256, 30 + i * 90));
        // Row 1 has no <image> tag: it is prepended in the prompt, extra_info.question keeps the raw text (geo3k.py).
        lines.push(
          JSON.stringify({
            question: `${i === 0 ? '<image>' : ''}What is shown in figure ${i}?`,
            answer: String(i),
            image: `img/${i}.png`,
          }),
        );
      }
      await writeFile(join(dir, 'train.jsonl'), `${lines.join('\n')}\n`);
      const r = await runCli(
        ['build', '--train', 'train.jsonl', '--out', 'out', '--prompt-key', 'question', '--image-key', 'image'],
        { cwd: dir, timeoutMs: TIMEOUT },
      );
      assert.equal(r.status, 0, r.stderr + r.stdout);
      const shard = join(dir, 'out', 'data', 'train-00000-of-00001.parquet');
      const b = (await readBack({ o: shard })).o!;
      assert.ok(b.columns.includes('images') && !b.columns.includes('image'), b.columns.join(','));
      assert.deepEqual(b.rows[0]!.images, [[320, 256]]);
      assert.equal((b.rows[1]!.extra_info as { question: string }).question, 'What is shown in figure 1?');
      assert.match((b.rows[1]!.prompt as PromptMessage[])[0]!.content, /^<image>What is shown in figure 1\?/);
      const manifest = JSON.parse(await readFile(join(dir, 'out', 'manifest.json'), 'utf8'));
      assert.equal(manifest.columns.images, 'images');
      const v = await runCli(['validate', shard], { cwd: dir, timeoutMs: TIMEOUT });
      assert.equal(v.status, 0, v.stdout + v.stderr);

      // EasyR1 reads the configured image_key: its build keeps the name.
      const e = await runCli(
        [
          'build',
          '--train',
          'train.jsonl',
          '--out',
          'out-e',
          '--prompt-key',
          'question',
          '--image-key',
          'image',
          '--target',
          'easyr1',
        ],
        { cwd: dir, timeoutMs: TIMEOUT },
      );
      assert.equal(e.status, 0, e.stderr);
      const eb = (await readBack({ o: join(dir, 'out-e', 'data', 'train-00000-of-00001.parquet') })).o!;
      assert.deepEqual(eb.columns, ['question', 'answer', 'image']);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  },
);

test(
  'text-only and mixed datasets build: rows without an image are kept and counted, unless --require-image',
  { skip, timeout: TIMEOUT },
  async () => {
    const dir = await mkdtemp(join(tmpdir(), 'gad-verl-text-'));
    try {
      // Text-only, like EasyR1's default hiyouga/math12k: no image column at all.
      const text = [
        { problem: 'What is 2 + 3?', answer: '5', level: 1 },
        { problem: 'Solve x^2 = 9 for x > 0.', answer: '3', level: 2 },
      ];
      await writeFile(join(dir, 'text.jsonl'), text.map((x) => JSON.stringify(x)).join('\n') + '\n');
      const r = await runCli(['build', '--train', 'text.jsonl', '--out', 'out-text'], { cwd: dir, timeoutMs: TIMEOUT });
      assert.equal(r.status, 0, r.stderr + r.stdout);
      assert.match(r.stderr, /text-only/);
      const profile = await loadModelProfile('qwen3-vl');
      const math = new PromptCounter(profile, await loadFormatPrompt('math'));
      const lens = await lengths(join(dir, 'out-text'));
      assert.deepEqual(
        lens.map((l) => [l.image_tokens, l.prompt_tokens]),
        text.map((t) => [0, math.count(t.problem, []).promptTokens]),
      );
      const shard = join(dir, 'out-text', 'data', 'train-00000-of-00001.parquet');
      const b = (await readBack({ o: shard })).o!;
      // verl and EasyR1 both read an empty image list as a text-only row (EasyR1 calls len() on it: not null).
      assert.deepEqual(
        b.rows.map((x) => x.images),
        [[], []],
      );
      assert.deepEqual(
        b.rows.map((x) => x.level),
        [1, 2],
        'extra columns pass through from jsonl too',
      );
      assert.equal(b.types.level, 'int64');
      const v = await runCli(['validate', shard, '--model', 'qwen3-vl'], { cwd: dir, timeoutMs: TIMEOUT });
      assert.equal(v.status, 0, v.stdout + v.stderr);

      // Mixed: an image on some rows, an empty or null cell on the others.
      await mkdir(join(dir, 'img'));
      await writeFile(join(dir, 'img', 'a.png'), await png(256, 256, 100));
      const mixed = [
        { problem: '<image>Find the radius of the circle.', answer: '4', images: ['img/a.png'] },
        { problem: 'What is 7 * 6?', answer: '42', images: [] },
        { problem: 'What is 10 / 4?', answer: '2.5', images: null },
      ];
      await writeFile(join(dir, 'mixed.jsonl'), mixed.map((x) => JSON.stringify(x)).join('\n') + '\n');
      const m = await runCli(['build', '--train', 'mixed.jsonl', '--out', 'out-mixed'], {
        cwd: dir,
        timeoutMs: TIMEOUT,
      });
      assert.equal(m.status, 0, m.stderr + m.stdout);
      const ml = await lengths(join(dir, 'out-mixed'));
      assert.deepEqual(
        ml.map((l) => [l.index, l.image_tokens]),
        [
          [0, 64],
          [1, 0],
          [2, 0],
        ],
      );
      assert.equal(ml[0]!.prompt_tokens, math.count(mixed[0]!.problem, [64]).promptTokens);
      assert.equal(ml[1]!.prompt_tokens, math.count(mixed[1]!.problem, []).promptTokens);

      // --require-image: text-only rows are dropped as no_image.
      const q = await runCli(['build', '--train', 'mixed.jsonl', '--out', 'out-req', '--require-image'], {
        cwd: dir,
        timeoutMs: TIMEOUT,
      });
      assert.equal(q.status, 1, 'two of three rows dropped > max_drop_ratio 0.5');
      assert.deepEqual(
        (await dropped(join(dir, 'out-req'))).map((d) => d.reason),
        ['no_image', 'no_image'],
      );
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  },
);

test(
  'build and validate default to the same pipeline and format prompt (target easyr1)',
  { skip, timeout: TIMEOUT },
  async () => {
    const dir = await mkdtemp(join(tmpdir(), 'gad-verl-defaults-'));
    try {
      await mkdir(join(dir, 'img'));
      const lines = [];
      for (let i = 0; i < 3; i++) {
        await writeFile(join(dir, 'img', `${i}.png`), await png(200 + 37 * i, 150 + 11 * i, 20 + i * 70));
        lines.push(
          JSON.stringify({
            problem: `<image>Find the length of side ${i}.`,
            answer: String(i),
            images: [`img/${i}.png`],
          }),
        );
      }
      await writeFile(join(dir, 'train.jsonl'), `${lines.join('\n')}\n`);
      const r = await runCli(['build', '--train', 'train.jsonl', '--out', 'out', '--target', 'easyr1'], {
        cwd: dir,
        timeoutMs: TIMEOUT,
      });
      assert.equal(r.status, 0, r.stderr);
      const lens = await lengths(join(dir, 'out'));
      const v = await runCli(
        [
          'validate',
          join(dir, 'out', 'data', 'train-00000-of-00001.parquet'),
          '--target',
          'easyr1',
          '--model',
          'qwen3-vl',
          '--json',
        ],
        { cwd: dir, timeoutMs: TIMEOUT },
      );
      assert.equal(v.status, 0, v.stdout + v.stderr);
      const s = JSON.parse(v.stdout).summary;
      assert.equal(s.pipeline, 'easyr1');
      const t = s.files[0].tokens.prompt;
      const want = lens.map((l) => l.prompt_tokens).sort((x, y) => x - y);
      assert.deepEqual(
        [t.min, t.max],
        [want[0], want[want.length - 1]],
        'validate counts the math format prompt the build applied',
      );
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  },
);
