/**
 * `export rm` with row ids that repeat across splits (verl's extra_info.index counts from 0 in each split): the
 * student answers are matched by split and id when the student file's lines name their split (the build's
 * rejected_response.jsonl and `gad-data generate student` write one), so each row gets its own answer; a student
 * file without splits whose id is a row of two splits stops the export with the fix, instead of giving both rows
 * one answer.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeSolidImage } from '../helpers/solid-image.js';
import { readJsonl } from '../helpers/files.js';
import { runCli } from '../helpers/gad-cli.js';

const tmp = mkdtempSync(join(tmpdir(), 'gad-rm-split-ids-'));
process.on('exit', () => rmSync(tmp, { recursive: true, force: true }));
const env = { ...process.env, NO_COLOR: '1' };
const T = { cwd: tmp, env, timeoutMs: 600_000 };

const row = (id: string, q: string, teacher: string, rejected: string) => ({
  id,
  messages: [
    { role: 'user', content: `<image>${q}` },
    { role: 'assistant', content: teacher },
  ],
  images: ['sq.png'],
  rejected_response: rejected,
});
const lines = (rows: object[]) => rows.map((r) => JSON.stringify(r)).join('\n') + '\n';

const data = join(tmp, 'data');
mkdirSync(data);
await writeSolidImage({ file: join(data, 'sq.png'), width: 96, height: 64, background: '#dc1e0a' });
writeFileSync(
  join(data, 'train.jsonl'),
  lines([row('0', 'What colour?', 'Red.', 'Blue.'), row('1', 'What shape?', 'A square.', 'A circle.')]),
);
writeFileSync(join(data, 'test.jsonl'), lines([row('0', 'How many sides?', 'Four.', 'Three.')]));

const BUILD = [
  'build',
  '--train',
  'data/train.jsonl',
  '--val',
  'data/test.jsonl',
  '--teacher-column',
  'messages',
  '--id-key',
  'id',
  '--out',
  'out',
];

test(
  'ids repeating across splits: each row gets the student answer of its own split',
  { timeout: 900_000 },
  async () => {
    const b = await runCli(BUILD, T);
    assert.equal(b.status, 0, b.stderr);
    const x = await runCli(['export', 'rm', '--from', 'out'], T);
    assert.equal(x.status, 0, x.stderr);
    const pairs = (split: string) =>
      readJsonl(join(tmp, 'out', 'rm-ms-swift', `${split}.jsonl`)).map((p) => [
        p.messages[1].content,
        p.rejected_response,
      ]);
    assert.deepEqual(pairs('train'), [
      ['Red.', 'Blue.'],
      ['A square.', 'A circle.'],
    ]);
    assert.deepEqual(pairs('test'), [['Four.', 'Three.']]);

    // the same answers without their split: id 0 is a row of train and of test, so no answer can be placed
    const noSplit = join(tmp, 'student-no-split.jsonl');
    writeFileSync(
      noSplit,
      lines([
        { id: '0', response: 'Blue.' },
        { id: '1', response: 'A circle.' },
      ]),
    );
    const y = await runCli(['export', 'rm', '--from', 'out', '--student', noSplit, '--out', 'out/rm-nosplit'], T);
    assert.equal(y.status, 2, y.stderr);
    assert.match(
      y.stderr,
      /id 0 is a row of split train and of split test, and the student file's lines name no split/,
    );
    assert.match(y.stderr, /add a "split" field to each line/);
    assert.doesNotMatch(y.stderr, /\n\s+at /, 'no stack trace');
    assert.ok(!existsSync(join(tmp, 'out', 'rm-nosplit', 'train.jsonl')), 'nothing half-written');

    // a split on some lines only is refused by line
    const mixed = join(tmp, 'student-mixed.jsonl');
    writeFileSync(
      mixed,
      lines([
        { id: '0', split: 'train', response: 'Blue.' },
        { id: '0', response: 'Three.' },
      ]),
    );
    const z = await runCli(['export', 'rm', '--from', 'out', '--student', mixed, '--out', 'out/rm-mixed'], T);
    assert.notEqual(z.status, 0);
    assert.match(z.stderr, /student-mixed\.jsonl line 2 \(id 0\) has no "split", unlike line 1/);
  },
);
