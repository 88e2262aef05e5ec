/**
 * `export sft` and prompts of several turns. Before, a build whose prompt held a system turn or earlier rounds (an
 * ms-swift / LLaMA-Factory conversation read as input) stopped the whole export ("the prompt is not one user
 * message", hint: rebuild). Now a system turn and one user turn are written exactly (ms-swift's system message,
 * sharegpt's first turn with the `system` tag) and counted with the system turn; a prompt with earlier assistant
 * turns, which both trainers would learn as answers, is not written: dropped with its reason, counted in a note.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeSolidImage } from '../helpers/solid-image.js';
import { duckRows, readJsonl } from '../helpers/files.js';
import { runCli } from '../helpers/gad-cli.js';

const tmp = mkdtempSync(join(tmpdir(), 'gad-sft-turns-'));
process.on('exit', () => rmSync(tmp, { recursive: true, force: true }));

const SYSTEM = 'You are a geometry teacher.';
const PROMPTS = [
  [
    { role: 'system', content: SYSTEM },
    { role: 'user', content: '<image>Find the area of the figure.' },
  ],
  [
    { role: 'user', content: '<image>Name the shape.' },
    { role: 'assistant', content: 'A square.' },
    { role: 'user', content: 'And its area?' },
  ],
  [{ role: 'user', content: '<image>Find the perimeter.' }],
];
const TEACHER = ['The area is 12. <answer>12</answer>', 'It is 9. <answer>9</answer>', 'It is 16. <answer>16</answer>'];
const rows: Array<Record<string, unknown>> = [];
for (let i = 0; i < PROMPTS.length; i++) {
  await writeSolidImage({
    file: join(tmp, `f${i}.png`),
    width: 448,
    height: 336,
    background: { r: 70 * i, g: 90, b: 40 },
  });
  rows.push({ uid: `q${i}`, prompt: PROMPTS[i], images: [`f${i}.png`], teacher_response: TEACHER[i] });
}
writeFileSync(join(tmp, 'train.jsonl'), rows.map((r) => JSON.stringify(r)).join('\n') + '\n');

const cli = async (args: string[]) => {
  const r = await runCli(args, { cwd: tmp, timeoutMs: 600_000 });
  assert.equal(r.status, 0, `${args.join(' ')}\n${r.stderr}`);
  return r;
};
// prettier-ignore
await cli(['build', '--train', 'train.jsonl', '--id-key', 'uid', '--teacher-column', 'teacher_response', '--target', 'verl', '--out', 'first']);
const firstLengths = readJsonl(join(tmp, 'first', 'lengths.jsonl'));

for (const [format, column] of [
  ['ms-swift', 'messages'],
  ['llamafactory', 'conversations'],
] as const) {
  test(
    `export sft --format ${format}: a system turn written exactly, a prompt with earlier assistant turns not written and said`,
    { timeout: 900_000 },
    async () => {
      const out = `sft-${format}`;
      const r = await cli(['export', 'sft', '--from', 'first', '--format', format, '--out', out]);
      assert.match(r.stdout + r.stderr, /1 row\(s\) NOT WRITTEN: their prompt has earlier assistant turns/);
      const lines = readJsonl(join(tmp, out, 'train.jsonl'));
      assert.equal(lines.length, 2);
      const turns = lines.map((l) => (format === 'ms-swift' ? l.messages : l.conversations));
      assert.deepEqual(
        turns[0],
        format === 'ms-swift'
          ? [...PROMPTS[0]!, { role: 'assistant', content: TEACHER[0] }]
          : [
              { from: 'system', value: SYSTEM },
              { from: 'human', value: PROMPTS[0]![1]!.content },
              { from: 'gpt', value: TEACHER[0] },
            ],
      );
      const dropped = readJsonl(join(tmp, out, 'dropped.jsonl'));
      assert.deepEqual(
        dropped.map((d) => [d.id, d.reason]),
        [['q1', 'multi_turn_prompt']],
      );
      assert.match(String(dropped[0]!.detail), /3 turns \(user, assistant, user\)/);
      // counted with its system turn: the same prompt tokens as the build counted for the trainer
      const exported = readJsonl(join(tmp, out, 'lengths.jsonl'));
      assert.equal(exported[0]!.prompt_tokens, firstLengths[0]!.prompt_tokens);
      assert.equal(exported[1]!.prompt_tokens, firstLengths[2]!.prompt_tokens);

      // and read back: the system turn is a system turn again
      // prettier-ignore
      await cli(['build', '--train', `${out}/train.jsonl`, '--teacher-column', column, '--target', 'verl', '--out', `again-${format}`]);
      const again = await duckRows(join(tmp, `again-${format}`, 'data', 'train-00000-of-00001.parquet'));
      assert.deepEqual(again[0]!.prompt, PROMPTS[0]);
      assert.equal(again[0]!.teacher_response, TEACHER[0]);
      assert.deepEqual(again[1]!.prompt, PROMPTS[2]);
      assert.ok(readFileSync(join(tmp, `again-${format}`, 'manifest.json')).length > 0);
    },
  );
}

test(
  'export sft of a build whose every prompt has earlier rounds: exit 1, nothing written, the fix named',
  { timeout: 900_000 },
  async () => {
    writeFileSync(join(tmp, 'rounds.jsonl'), JSON.stringify(rows[1]) + '\n');
    // prettier-ignore
    await cli(['build', '--train', 'rounds.jsonl', '--id-key', 'uid', '--teacher-column', 'teacher_response', '--target', 'verl', '--out', 'rounds']);
    const r = await runCli(['export', 'sft', '--from', 'rounds', '--format', 'ms-swift', '--out', 'sft-rounds'], {
      cwd: tmp,
      timeoutMs: 600_000,
    });
    assert.equal(r.status, 1, r.stderr);
    assert.match(r.stderr, /all 1 row\(s\) were dropped \(multi_turn_prompt 1\)/);
    assert.match(r.stderr, /export sft writes a system turn and one user turn/);
  },
);
