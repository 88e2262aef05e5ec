/**
 * Round trip through gad-data's own SFT exports (issue: building from `export sft --format llamafactory` dropped
 * every row as `bad_row`): build → `export sft --format ms-swift | llamafactory` → build from the export with the
 * export's conversation column as the teacher gives the same prompts, image bytes, teacher responses and token
 * counts as the first build. Likewise the sampling prompts (`export prompts`, read back as a GRPO build) and the
 * discriminator pairs (`export rm` in ms-swift's format: the teacher answer in `messages`, the student answer in
 * `rejected_response`, read back as a GAD build with the student side file; in LLaMA-Factory's, `chosen` and
 * `rejected`).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { packagePath } from '../../src/core/paths.js';
import { writeSolidImage } from '../helpers/solid-image.js';
import { duckRows, readJsonl } from '../helpers/files.js';
import { runCli } from '../helpers/gad-cli.js';

const tmp = mkdtempSync(join(tmpdir(), 'gad-round-trip-'));
process.on('exit', () => rmSync(tmp, { recursive: true, force: true }));

const rows: Array<Record<string, unknown>> = [];
const teacher: Array<Record<string, unknown>> = [];
for (let i = 0; i < 4; i++) {
  const name = `fig${i}.png`;
  await writeSolidImage({
    file: join(tmp, name),
    width: 320 + 32 * i,
    height: 256 + 32 * i,
    background: { r: 50 * i, g: 100, b: 30 },
  });
  rows.push({ uid: `q${i}`, problem: `<image>Find the area of figure ${i}.`, answer: String(i * 3), images: [name] });
  teacher.push({ uid: `q${i}`, response: `The area is ${i * 3}. <answer>${i * 3}</answer>` });
}
const lines = (xs: object[]) => xs.map((x) => JSON.stringify(x)).join('\n') + '\n';
writeFileSync(join(tmp, 'train.jsonl'), lines(rows));
writeFileSync(join(tmp, 'teacher.jsonl'), lines(teacher));

const cli = async (args: string[]) => {
  const r = await runCli(args, { cwd: tmp, timeoutMs: 600_000 });
  assert.equal(r.status, 0, `${args.join(' ')}\n${r.stderr}`);
  return r;
};
const shard = (out: string) => join(tmp, out, 'data', 'train-00000-of-00001.parquet');
/** The commands of docs/sources.md, run verbatim. */
const DOCS = readFileSync(packagePath('docs', 'sources.md'), 'utf8');
const PROMPTS_CMDS =
  'gad-data export prompts --from first --out prompts\ngad-data build --train prompts/train.jsonl --target verl --out again-prompts';
const RM_CMDS =
  'gad-data export rm --from first --student student.jsonl --out rm\ngad-data build --train rm/train.jsonl --teacher-column messages --target verl --out again-rm';
const RM_LF_CMDS =
  'gad-data export rm --from first --student student.jsonl --format llamafactory --out rm-lf\ngad-data build --train rm-lf/train.jsonl --teacher-column conversations --target verl --out again-rm-lf';
const argv = (cmd: string) => cmd.split(' ').slice(1);
const b64 = (x: unknown) => Buffer.from(x as Uint8Array).toString('base64');

await cli([
  'build',
  '--train',
  'train.jsonl',
  '--id-key',
  'uid',
  '--teacher',
  'teacher.jsonl',
  '--target',
  'verl',
  '--out',
  'first',
]);
const first = await duckRows(shard('first'));
const firstLengths = readJsonl(join(tmp, 'first', 'lengths.jsonl'));

/** The rows of a build from an export equal the first build's: prompts, image bytes, token counts (and teacher answers). */
async function assertSameRows(out: string, teacher: boolean): Promise<void> {
  const second = await duckRows(shard(out));
  const secondLengths = readJsonl(join(tmp, out, 'lengths.jsonl'));
  assert.equal(second.length, first.length);
  const keys = ['prompt_tokens', 'text_tokens', 'image_tokens', ...(teacher ? ['response_tokens'] : [])];
  for (let i = 0; i < first.length; i++) {
    assert.deepEqual(second[i]!.prompt, first[i]!.prompt, `row ${i} prompt`);
    if (teacher) assert.equal(second[i]!.teacher_response, first[i]!.teacher_response, `row ${i} teacher`);
    assert.equal(second[i]!.images.length, first[i]!.images.length);
    assert.equal(b64(second[i]!.images[0].bytes), b64(first[i]!.images[0].bytes), `row ${i} image bytes`);
    for (const k of keys) assert.equal(secondLengths[i]![k], firstLengths[i]![k], `row ${i} ${k}`);
  }
}

for (const [format, column] of [
  ['ms-swift', 'messages'],
  ['llamafactory', 'conversations'],
] as const) {
  test(
    `build → export sft --format ${format} → build from the export: same prompts, images, teacher responses, lengths`,
    { timeout: 900_000 },
    async () => {
      await cli(['export', 'sft', '--from', 'first', '--format', format, '--out', `sft-${format}`]);
      const again = await cli([
        'build',
        '--train',
        `sft-${format}/train.jsonl`,
        '--teacher-column',
        column,
        '--target',
        'verl',
        '--out',
        `again-${format}`,
      ]);
      assert.match(again.stdout, new RegExp(`^input format: ${format} \\(detected`, 'm'));
      await assertSameRows(`again-${format}`, true);
    },
  );
}

test(
  'build → export prompts → build from the export: same prompts, images and prompt lengths (the sampling prompts as a GRPO build)',
  { timeout: 900_000 },
  async () => {
    assert.ok(DOCS.includes(PROMPTS_CMDS), 'docs/sources.md shows the commands run here');
    await cli(argv(PROMPTS_CMDS.split('\n')[0]!));
    const again = await cli(argv(PROMPTS_CMDS.split('\n')[1]!));
    assert.match(again.stdout, /^input format: ms-swift \(detected/m);
    await assertSameRows('again-prompts', false);
  },
);

test(
  'build → export rm (ms-swift) → build from the export: the teacher answers, the student answers (rejected_response), images and lengths',
  { timeout: 900_000 },
  async () => {
    const student = rows.map((r, i) => ({ id: r.uid, response: `Maybe ${i * 5}.` }));
    writeFileSync(join(tmp, 'student.jsonl'), lines(student));
    assert.ok(DOCS.includes(RM_CMDS), 'docs/sources.md shows the commands run here');
    await cli(argv(RM_CMDS.split('\n')[0]!));
    const again = await cli(argv(RM_CMDS.split('\n')[1]!));
    assert.match(again.stdout, /^input format: ms-swift \(detected/m);
    assert.deepEqual(
      readJsonl(join(tmp, 'again-rm', 'rejected_response.jsonl')).map((s) => s.response),
      student.map((s) => s.response),
    );
    await assertSameRows('again-rm', true);
  },
);

test(
  'build → export rm --format llamafactory → build from the export: chosen is the teacher answer, rejected the student answer',
  { timeout: 900_000 },
  async () => {
    assert.ok(DOCS.includes(RM_LF_CMDS), 'docs/sources.md shows the commands run here');
    const student = rows.map((r, i) => ({ id: r.uid, response: `Perhaps ${i * 7}.` }));
    writeFileSync(join(tmp, 'student.jsonl'), lines(student));
    await cli(argv(RM_LF_CMDS.split('\n')[0]!));
    const again = await cli(argv(RM_LF_CMDS.split('\n')[1]!));
    assert.match(again.stdout, /^input format: llamafactory \(detected/m);
    assert.match(again.stdout, /^STUDENT ANSWERS ARE THE INPUT'S rejected: 4 row\(s\) carry one/m);
    assert.deepEqual(
      readJsonl(join(tmp, 'again-rm-lf', 'rejected_response.jsonl')).map((s) => s.response),
      student.map((s) => s.response),
    );
    await assertSameRows('again-rm-lf', true);
  },
);

test(
  'LLaMA-Factory alpaca preference rows: chosen is the teacher answer, rejected the student; a bad rejected cell is a bad_row',
  { timeout: 900_000 },
  async () => {
    const pref = [
      {
        instruction: '<image>Find the area of figure 0.',
        input: '',
        chosen: 'It is 0.',
        rejected: 'It is 9.',
        images: ['fig0.png'],
      },
      {
        instruction: '<image>Find the area of figure 1.',
        input: '',
        chosen: 'It is 3.',
        rejected: { from: 'human', value: 'x' },
        images: ['fig1.png'],
      },
    ];
    writeFileSync(join(tmp, 'pref.jsonl'), lines(pref));
    const r = await runCli(
      [
        'build',
        '--train',
        'pref.jsonl',
        '--teacher-column',
        'instruction',
        '--out',
        'pref-out',
        '--max-drop-ratio',
        '1',
      ],
      { cwd: tmp, timeoutMs: 600_000 },
    );
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /^input format: llamafactory \(detected/m);
    const built = await duckRows(shard('pref-out'));
    assert.deepEqual(
      built.map((b) => b.teacher_response),
      ['It is 0.'],
    );
    assert.deepEqual(
      readJsonl(join(tmp, 'pref-out', 'rejected_response.jsonl')).map((s) => s.response),
      ['It is 9.'],
    );
    const [drop, ...more] = readJsonl(join(tmp, 'pref-out', 'dropped.jsonl'));
    assert.equal(more.length, 0);
    assert.equal(drop?.reason, 'bad_row');
    assert.match(
      String(drop?.detail),
      /rejected is not an assistant answer; give it as a \{"from": "gpt", "value": "..."\} turn/,
    );
  },
);
