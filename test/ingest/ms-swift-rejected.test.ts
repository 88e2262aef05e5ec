/**
 * ms-swift RLHF / RM rows read as GAD data: `messages` (user + assistant) with `images` and `rejected_response`,
 * written as ms-swift's docs/source_en/Customization/Custom-dataset.md shows them ("RLHF: DPO/ORPO/CPO/SimPO/RM":
 * a string, or the list of one assistant message). A GAD build takes the last assistant turn as the teacher answer
 * and rejected_response as the student answer, writes the answers beside its shards (rejected_response.jsonl, in
 * `generate student`'s line format) and `export rm` pairs them with no --student: chosen = teacher, rejected =
 * student, row by row, field by field, with the row's image bytes. Also: --student wins (and says so), the
 * swift-rm pre-flight names the input column, bad cells are bad_row with the fix, a GRPO build says the column
 * was read and not used, and a build resumed after a kill before its commit writes the same side file.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build, exportRm } from '../../src/index.js';
import { packagePath } from '../../src/core/paths.js';
import { rmSourcesChecks } from '../../src/train/rm-sources.js';
import type { ExportManifest } from '../../src/recipes/common.js';
import { writeSolidImage } from '../helpers/solid-image.js';
import { startHeldCli } from '../helpers/held-cli.js';
import { readJsonl } from '../helpers/files.js';
import { runCli } from '../helpers/gad-cli.js';

const tmp = mkdtempSync(join(tmpdir(), 'gad-swift-rejected-'));
process.on('exit', () => rmSync(tmp, { recursive: true, force: true }));
const env = { ...process.env, NO_COLOR: '1' };

type Msg = { role: string; content: string };
const user = (content: string): Msg => ({ role: 'user', content });
const assistant = (content: string): Msg => ({ role: 'assistant', content });

/** The RM rows: [question, teacher (chosen), rejected_response as written, student (rejected) text, image]. */
const TRAIN = [
  ['<image>What colour is the square?', 'The square is red.', 'The square is blue.', 'The square is blue.', 'red.png'],
  ['<image>Name the colour.', 'Blue.', [assistant('Green.')], 'Green.', 'blue.png'],
  ['<image>Which colour fills it?', 'Green.', null, null, 'green.png'],
] as const;
const TEST = [['<image>What is shown?', 'A red square.', 'A blue circle.', 'A blue circle.', 'red.png']] as const;

async function png(dir: string, name: string, rgb: [number, number, number]) {
  await writeSolidImage({
    file: join(dir, name),
    width: 96,
    height: 64,
    background: { r: rgb[0], g: rgb[1], b: rgb[2] },
  });
}
const lines = (rows: object[]) => rows.map((r) => JSON.stringify(r)).join('\n') + '\n';
function rmRows(rows: ReadonlyArray<readonly [string, string, unknown, unknown, string]>) {
  return rows.map(([q, teacher, rejected, , image]) => ({
    messages: [user(q), assistant(teacher)],
    images: [image],
    ...(rejected === null ? {} : { rejected_response: rejected }),
  }));
}

const swift = join(tmp, 'swift');
mkdirSync(swift);
await png(swift, 'red.png', [220, 30, 10]);
await png(swift, 'blue.png', [10, 30, 220]);
await png(swift, 'green.png', [10, 200, 30]);
writeFileSync(join(swift, 'rm.jsonl'), lines(rmRows(TRAIN)));
writeFileSync(join(swift, 'rm-test.jsonl'), lines(rmRows(TEST)));

/** The commands of docs/sources.md ("ms-swift RLHF / RM rows"), run verbatim. */
const BUILD_CMD =
  'gad-data build --train swift/rm.jsonl --val swift/rm-test.jsonl --teacher-column messages --out out-rm';
const EXPORT_CMD = 'gad-data export rm --from out-rm';
const argv = (cmd: string) => cmd.split(' ').slice(1);

test(
  'docs/sources.md commands: GAD build of ms-swift RM rows → export rm without --student: chosen = teacher, rejected = rejected_response, images',
  { timeout: 600_000 },
  async () => {
    assert.ok(
      readFileSync(packagePath('docs', 'sources.md'), 'utf8').includes(`\n${BUILD_CMD}\n${EXPORT_CMD}\n`),
      'docs/sources.md shows the commands run here',
    );
    const b = await runCli(argv(BUILD_CMD), { cwd: tmp, env, timeoutMs: 600_000 });
    assert.equal(b.status, 0, b.stderr);
    const summary = b.stdout.split('\n');
    assert.ok(
      summary.includes(
        "STUDENT ANSWERS ARE THE INPUT'S rejected_response: 3 row(s) carry one, read as the row's student answer (written beside the shards for export rm)",
      ),
      b.stdout,
    );
    assert.ok(summary.some((l) => l.startsWith('1 row(s) have no rejected_response: no student answer')));
    assert.ok(
      summary.includes(
        'Student answers: ./out-rm/rejected_response.jsonl, 3 row(s), from input column rejected_response of swift/rm.jsonl, swift/rm-test.jsonl; 1 written row(s) have none (export rm reads it when no --student is given).',
      ),
      b.stdout,
    );
    const out = join(tmp, 'out-rm');
    // the side file: generate student's line format, split by split in input order
    assert.deepEqual(readJsonl(join(out, 'rejected_response.jsonl')), [
      { id: 'swift/rm.jsonl#0', split: 'train', response: 'The square is blue.' },
      { id: 'swift/rm.jsonl#1', split: 'train', response: 'Green.' },
      { id: 'swift/rm-test.jsonl#0', split: 'test', response: 'A blue circle.' },
    ]);
    const manifest = JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8'));
    assert.equal(manifest.kind, 'gad');
    assert.deepEqual(
      { ...manifest.student, sha256: undefined },
      {
        file: 'rejected_response.jsonl',
        from: 'input column rejected_response of swift/rm.jsonl, swift/rm-test.jsonl',
        column: 'rejected_response',
        rows: 3,
        without: 1,
        sha256: undefined,
      },
    );

    const x = await runCli(argv(EXPORT_CMD), { cwd: tmp, env, timeoutMs: 600_000 });
    assert.equal(x.status, 0, x.stderr);
    assert.match(
      x.stderr.split('\n')[0]!,
      /^student answers from input column rejected_response of swift\/rm\.jsonl, swift\/rm-test\.jsonl: the build's out-rm\/rejected_response\.jsonl \(3 row\(s\)\); --student FILE to use other answers$/,
    );
    const dir = join(out, 'rm-ms-swift');
    const check = (split: 'train' | 'test', rows: typeof TRAIN | typeof TEST) => {
      const pairs = readJsonl(join(dir, `${split}.jsonl`));
      const expected = rows.filter((r) => r[3] !== null);
      assert.equal(pairs.length, expected.length, split);
      expected.forEach(([q, teacher, , student, image], i) => {
        const p = pairs[i]!;
        assert.deepEqual(Object.keys(p).sort(), ['images', 'messages', 'rejected_response'], `${split} ${i}`);
        assert.deepEqual(p.messages, [user(q), assistant(teacher)], `${split} ${i}: chosen = the teacher answer`);
        assert.equal(p.rejected_response, student, `${split} ${i}: rejected = the input's rejected_response`);
        assert.equal(p.images.length, 1);
        assert.deepEqual(readFileSync(join(dir, p.images[0])), readFileSync(join(swift, image)), `${split} ${i} image`);
      });
    };
    check('train', TRAIN);
    check('test', TEST);
    const xm = JSON.parse(readFileSync(join(dir, 'export.json'), 'utf8')) as ExportManifest;
    assert.deepEqual(xm.dropped, { no_student_response: 1 });
    assert.equal(xm.student?.from, 'input column rejected_response of swift/rm.jsonl, swift/rm-test.jsonl');
    assert.equal(xm.student?.file, '../rejected_response.jsonl');
    assert.equal(xm.student?.sha256, manifest.student.sha256);
    assert.match(xm.notes[0]!, /^student answers from input column rejected_response of /);

    // train --profile swift-rm's pre-flight names the input column the answers came from
    const [student] = await rmSourcesChecks(xm, dir, tmp);
    assert.match(
      student!.message,
      /^student answers from input column rejected_response of swift\/rm\.jsonl, swift\/rm-test\.jsonl, written by the build as \S*rejected_response\.jsonl \(3 row ids; unchanged, sha256 [0-9a-f]{12}\)$/,
    );

    // --student wins: the given file's answers are the rejected side, and the export says the input's were not used
    writeFileSync(
      join(tmp, 'student.jsonl'),
      lines([
        { id: 'swift/rm.jsonl#0', response: 'Sampled: purple.' },
        { id: 'swift/rm.jsonl#2', response: 'Sampled: yellow.' },
      ]),
    );
    const r = await exportRm({
      from: out,
      out: join(tmp, 'rm-given'),
      format: 'ms-swift',
      student: join(tmp, 'student.jsonl'),
    });
    assert.deepEqual(
      readJsonl(join(tmp, 'rm-given', 'train.jsonl')).map((p) => p.rejected_response),
      ['Sampled: purple.', 'Sampled: yellow.'],
    );
    assert.equal(r.manifest.student?.from, undefined);
    assert.match(
      r.notices[0]!,
      /^the input's rejected responses \(3 row\(s\) in .*rejected_response\.jsonl, input column rejected_response of swift\/rm\.jsonl, swift\/rm-test\.jsonl\) were NOT used: --student .*student\.jsonl gives the student answers$/,
    );
    assert.ok(r.manifest.notes.includes(r.notices[0]!));
  },
);

test('a rejected_response that is not one answer drops its row as bad_row, naming the row and the fix', async () => {
  const dir = join(tmp, 'bad');
  mkdirSync(dir);
  await png(dir, 'red.png', [220, 30, 10]);
  const row = (rejected: unknown) => ({
    messages: [user('<image>Colour?'), assistant('Red.')],
    images: ['red.png'],
    rejected_response: rejected,
  });
  writeFileSync(
    join(dir, 'train.jsonl'),
    lines([
      row('Blue.'),
      row(42),
      row([assistant('I will look.'), { role: 'tool_call', content: '{}' }]),
      row([user('again?')]),
      row({ text: 'Blue.' }),
      {
        ...row('Green.'),
        messages: [user('<image>Colour, once more?'), assistant('Red.')],
        rejected_images: ['blue.png'],
      },
    ]),
  );
  const out = join(tmp, 'out-bad');
  const r = await build({ data: { train_files: join(dir, 'train.jsonl') }, teacher: { column: 'messages' }, out });
  assert.deepEqual(r.splits.train!.dropped, { bad_row: 4 });
  // the answer to other images (rejected_images) is no student answer to this row: counted, not used, row kept
  assert.deepEqual(r.input.counts, {
    teacher_from_assistant_turn: 6,
    student_from_rejected_response: 1,
    rejected_response_other_images: 1,
  });
  assert.equal(r.splits.train!.rowsOut, 2);
  const fix = 'give the student answer as a string (or a list of one {"role": "assistant", "content": "..."} message)';
  assert.deepEqual(
    readJsonl(join(out, 'dropped.jsonl')).map((d) => [d.reason, d.detail]),
    [
      ['bad_row', `row 1 of train.jsonl: rejected_response is a number, not a string; ${fix}`],
      [
        'bad_row',
        `row 2 of train.jsonl: rejected_response is a list of 2 messages (ms-swift's agent form: what follows the last user turn), not one answer; ${fix}`,
      ],
      [
        'bad_row',
        `row 3 of train.jsonl: rejected_response is a list of one message with role "user" and a string content; ${fix}`,
      ],
      ['bad_row', `row 4 of train.jsonl: rejected_response is a JSON object, not a string; ${fix}`],
    ],
  );
  assert.deepEqual(readJsonl(join(out, 'rejected_response.jsonl')), [
    { id: 'train.jsonl#0', split: 'train', response: 'Blue.' },
  ]);
});

test('a GRPO build reads rejected_response and says it is not used; the column stays', async () => {
  const out = join(tmp, 'out-grpo');
  const r = await build({ data: { train_files: join(swift, 'rm.jsonl') }, target: 'verl', out });
  assert.deepEqual(r.input.counts, { assistant_turn_left_out: 3, rejected_response_not_used: 2 });
  assert.equal(r.manifest.student, undefined);
  assert.ok(!existsSync(join(out, 'rejected_response.jsonl')));
  const b = await runCli(['build', '--train', 'swift/rm.jsonl', '--out', 'out-grpo-cli'], { cwd: tmp, env });
  assert.equal(b.status, 0, b.stderr);
  assert.ok(
    b.stdout
      .split('\n')
      .includes(
        '2 row(s) have a rejected_response: read but NOT used (a GRPO build has no student answers; a GAD build, --teacher-column or --teacher, takes it as the student answer for export rm); the column is passed through as any other',
      ),
    b.stdout,
  );
});

test(
  'killed before its commit and resumed: the side file (from the journal notes) is byte-identical to a fresh build',
  { timeout: 600_000 },
  async () => {
    const dir = join(tmp, 'many');
    mkdirSync(dir);
    const rows = [];
    for (let i = 0; i < 24; i++) {
      await png(dir, `${i}.png`, [10 * i, 100, 255 - 10 * i]);
      rows.push({
        messages: [user(`<image>Question ${i}?`), assistant(`Teacher answer ${i}.`)],
        images: [`${i}.png`],
        ...(i % 5 === 4 ? {} : { rejected_response: `Student answer ${i}: ${'ü'.repeat(i)}\n"quoted"` }),
      });
    }
    writeFileSync(join(dir, 'train.jsonl'), lines(rows));
    const args = (out: string) => [
      'build',
      '--train',
      'many/train.jsonl',
      '--teacher-column',
      'messages',
      '--shard-size',
      '3kB',
      '--out',
      out,
    ];
    const hold = join(tmp, 'hold');
    const held = await startHeldCli({
      args: args('resumed'),
      cwd: tmp,
      env,
      point: 'before-commit',
      holdFile: hold,
      what: 'the build to reach its commit',
    });
    await held.kill();
    const r = await runCli([...args('resumed'), '--resume'], { cwd: tmp, env, timeoutMs: 600_000 });
    assert.equal(r.status, 0, r.stderr);
    const m = /resume: reusing (\d+) finished shard/.exec(r.stderr);
    assert.ok(m && Number(m[1]) > 1, `shards reused: ${r.stderr}`);
    const f = await runCli(args('fresh'), { cwd: tmp, env, timeoutMs: 600_000 });
    assert.equal(f.status, 0, f.stderr);
    const side = (out: string) => readFileSync(join(tmp, out, 'rejected_response.jsonl'));
    assert.equal(readJsonl(join(tmp, 'fresh', 'rejected_response.jsonl')).length, 20);
    assert.deepEqual(side('resumed'), side('fresh'));
    const student = (out: string) => JSON.parse(readFileSync(join(tmp, out, 'manifest.json'), 'utf8')).student;
    assert.deepEqual(student('resumed'), student('fresh'));
  },
);
