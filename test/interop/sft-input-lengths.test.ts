/**
 * The prompt length of a build from ms-swift and LLaMA-Factory input, against transformers directly: the model's own
 * chat template rendered by the transformers tokenizer over the prompt turns as verl passes them (each `<image>` an
 * image part), and each image's tokens from transformers' Qwen2-VL image processor (grid_t·grid_h·grid_w / merge²),
 * put in place of its `<|image_pad|>` as Qwen2_5_VLProcessor does. (The processor class itself needs PyTorch for its
 * video half; the venv has none, so its two halves are used as it combines them.) The system turn, the earlier
 * rounds kept as context and the image count; the teacher's turn does not.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { packagePath } from '../../src/core/paths.js';
import { build } from '../../src/index.js';
import { writeSolidImage } from '../helpers/solid-image.js';
import { readJsonl } from '../helpers/files.js';
import { ensurePythonVenv, runPython } from '../helpers/python.js';

const python = await ensurePythonVenv(['pyarrow', 'Pillow', 'numpy', 'transformers']);
const skip = python ? false : 'no Python venv (see the log)';

const tmp = mkdtempSync(join(tmpdir(), 'gad-sft-input-lengths-'));
process.on('exit', () => rmSync(tmp, { recursive: true, force: true }));

const MODEL = packagePath('fixtures', 'models', 'qwen2.5-vl');
type Msg = { role: string; content: string };
const CASES: Array<{ prompt: Msg[]; teacher: string; image: string; size: [number, number] }> = [
  {
    prompt: [
      { role: 'system', content: 'You are a careful geometry tutor.' },
      { role: 'user', content: '<image>Find the area of the shaded region.' },
    ],
    teacher: 'The area is 24.',
    image: 'a.png',
    size: [640, 480],
  },
  {
    prompt: [
      { role: 'user', content: 'Look at this figure: <image> What shape is it?' },
      { role: 'assistant', content: 'A right triangle.' },
      { role: 'user', content: 'And its hypotenuse, given legs 3 and 4?' },
    ],
    teacher: 'It is 5.',
    image: 'b.png',
    size: [1000, 333],
  },
];

/** Prompt tokens as transformers counts them: chat template over the turns, image pads expanded to their tokens. */
const COUNT = String.raw`
import sys, json
from transformers import AutoTokenizer
from transformers.models.qwen2_vl.image_processing_pil_qwen2_vl import Qwen2VLImageProcessorPil
from PIL import Image
model, spec = sys.argv[1], json.loads(sys.argv[2])
tok = AutoTokenizer.from_pretrained(model)
template = json.load(open(model + "/chat_template.json"))["chat_template"]
proc = Qwen2VLImageProcessorPil.from_pretrained(model)
pad = tok.convert_tokens_to_ids("<|image_pad|>")
out = []
for row in spec:
    msgs = []
    for m in row["prompt"]:
        parts = []
        for k, seg in enumerate(m["content"].split("<image>")):
            if k > 0:
                parts.append({"type": "image"})
            if seg:
                parts.append({"type": "text", "text": seg})
        msgs.append({"role": m["role"], "content": parts})
    text = tok.apply_chat_template(msgs, chat_template=template, add_generation_prompt=True, tokenize=False)
    ids = tok(text)["input_ids"]
    grid = proc(images=[Image.open(row["image"]).convert("RGB")])["image_grid_thw"][0]
    image_tokens = int(grid[0] * grid[1] * grid[2]) // proc.merge_size ** 2
    out.append({"prompt_tokens": len(ids) - ids.count(pad) + image_tokens, "image_tokens": image_tokens})
print(json.dumps(out))
`;

for (const format of ['ms-swift', 'llamafactory'] as const) {
  test(
    `${format} input: prompt_tokens and image_tokens equal transformers' count`,
    { skip, timeout: 900_000 },
    async () => {
      const dir = join(tmp, format);
      mkdirSync(dir);
      for (const [i, c] of CASES.entries())
        await writeSolidImage({
          file: join(dir, c.image),
          width: c.size[0],
          height: c.size[1],
          background: { r: 90 * i, g: 60, b: 30 },
        });
      const TAG: Record<string, string> = { user: 'human', assistant: 'gpt', system: 'system' };
      const rows = CASES.map((c) => {
        const turns = [...c.prompt, { role: 'assistant', content: c.teacher }];
        return format === 'ms-swift'
          ? { messages: turns, images: [c.image] }
          : { conversations: turns.map((m) => ({ from: TAG[m.role], value: m.content })), images: [c.image] };
      });
      const file = join(dir, format === 'ms-swift' ? 'train.jsonl' : 'train.json');
      writeFileSync(
        file,
        format === 'ms-swift' ? rows.map((r) => JSON.stringify(r)).join('\n') + '\n' : JSON.stringify(rows),
      );
      const out = join(tmp, `out-${format}`);
      const r = await build({
        data: { train_files: file },
        model: MODEL,
        teacher: { column: format === 'ms-swift' ? 'messages' : 'conversations' },
        target: 'verl',
        out,
      });
      assert.match(r.input.format, new RegExp(`^input format: ${format}`));
      const got = readJsonl(join(out, 'lengths.jsonl'));
      const want = JSON.parse(
        await runPython(python as string, COUNT, [
          MODEL,
          JSON.stringify(CASES.map((c) => ({ prompt: c.prompt, image: join(dir, c.image) }))),
        ]),
      ) as Array<{ prompt_tokens: number; image_tokens: number }>;
      assert.equal(got.length, CASES.length);
      for (let i = 0; i < CASES.length; i++) {
        assert.equal(got[i]!.image_tokens, want[i]!.image_tokens, `row ${i} image_tokens`);
        assert.equal(got[i]!.prompt_tokens, want[i]!.prompt_tokens, `row ${i} prompt_tokens`);
      }
    },
  );
}
