/**
 * `export rm` reads the student answers as the build reads its jsonl inputs, and counts them as the build counts
 * answers (issue 23, items 5 and 7):
 * - a student file starting with a byte-order mark is read (it was refused: "line 1 is not valid JSON");
 * - a line whose "id" is an object or a list is an error naming the line (it became the id "[object Object]");
 * - a 20 MB student answer is not tokenized whole (2.0 GB before): the pair is dropped as too_long with a lower bound.
 * And in a build, an object-valued id is a bad_row naming the row (it silently became `file#row`).
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build, exportRm } from '../../src/index.js';
import { packagePath } from '../../src/core/paths.js';
import { CachedEncoder } from '../../src/model/encoder.js';
import { readJsonl } from '../helpers/files.js';
import { runCli } from '../helpers/gad-cli.js';

let tmp: string;
let from: string;
const students = readFileSync(packagePath('fixtures', 'sample', 'student.jsonl'), 'utf8');

before(async () => {
  tmp = mkdtempSync(join(tmpdir(), 'gad-student-file-'));
  from = join(tmp, 'build');
  await build({ out: from });
});
after(() => rmSync(tmp, { recursive: true, force: true }));

test('a student file with a byte-order mark is read like one without', { timeout: 300_000 }, async () => {
  writeFileSync(join(tmp, 'plain.jsonl'), students);
  writeFileSync(join(tmp, 'bom.jsonl'), `\uFEFF${students}`);
  const plain = await exportRm({
    from,
    format: 'ms-swift',
    student: join(tmp, 'plain.jsonl'),
    out: join(tmp, 'rm-plain'),
  });
  const bom = await exportRm({ from, format: 'ms-swift', student: join(tmp, 'bom.jsonl'), out: join(tmp, 'rm-bom') });
  assert.equal(
    readFileSync(join(tmp, 'rm-bom', 'train.jsonl'), 'utf8'),
    readFileSync(join(tmp, 'rm-plain', 'train.jsonl'), 'utf8'),
  );
  assert.ok(plain.manifest && bom.manifest);
});

test('a student line whose id is an object: exit 2 naming the line and the fix', { timeout: 300_000 }, async () => {
  const first = students.split('\n')[0]!;
  writeFileSync(join(tmp, 'objid.jsonl'), `${first}\n{"id": {"n": 1}, "response": "x"}\n`);
  const r = await runCli(
    ['export', 'rm', '--from', from, '--student', join(tmp, 'objid.jsonl'), '--out', join(tmp, 'rm-obj')],
    { cwd: tmp },
  );
  assert.equal(r.status, 2, r.stderr);
  assert.match(r.stderr, /objid\.jsonl line 2: its "id" is a JSON object/);
  assert.match(r.stderr, /fix: /);
});

test(
  'a 20 MB student answer is not tokenized whole: the pair is too_long with a lower bound',
  { timeout: 300_000 },
  async () => {
    const lines = students.trim().split('\n');
    const first = JSON.parse(lines[0]!) as { id: string };
    const huge = 'the side is 12 and the angle is 30 degrees so '.repeat(450_000);
    lines[0] = JSON.stringify({ id: first.id, response: huge });
    writeFileSync(join(tmp, 'huge.jsonl'), `${lines.join('\n')}\n`);
    const calls: number[] = [];
    const encode = CachedEncoder.prototype.encode;
    CachedEncoder.prototype.encode = function (this: CachedEncoder, text: string) {
      calls.push(text.length);
      return encode.call(this, text);
    };
    try {
      await exportRm({ from, format: 'ms-swift', student: join(tmp, 'huge.jsonl'), out: join(tmp, 'rm-huge') });
    } finally {
      CachedEncoder.prototype.encode = encode;
    }
    assert.ok(
      calls.every((n) => n < 1_000_000),
      `no encode of the 20 MB answer (longest encoded text: ${Math.max(...calls)} characters)`,
    );
    const drop = readJsonl(join(tmp, 'rm-huge', 'dropped.jsonl')).find((d) => d.id === first.id);
    assert.equal(drop?.reason, 'too_long', JSON.stringify(drop));
    assert.match(drop!.detail, /rejected at least \d+ tokens/);
  },
);

test(
  'a build row whose id is an object is a bad_row naming the row, not `file#row`',
  { timeout: 300_000 },
  async () => {
    const file = join(tmp, 'ids.jsonl');
    writeFileSync(
      file,
      [
        { id: 'a', problem: 'Find x.', answer: '1' },
        { id: { n: 2 }, problem: 'Find y.', answer: '2' },
        { id: ['c'], problem: 'Find z.', answer: '3' },
        { id: 7, problem: 'Find w.', answer: '4' },
      ]
        .map((r) => JSON.stringify(r))
        .join('\n') + '\n',
    );
    const out = join(tmp, 'ids-out');
    const r = await build({ data: { train_files: file }, id_key: 'id', max_drop_ratio: 1, out });
    assert.deepEqual(r.splits.train, { rowsIn: 4, rowsOut: 2, dropped: { bad_row: 2 } });
    const drops = readJsonl(join(out, 'dropped.jsonl'));
    assert.deepEqual(
      drops.map((d) => d.index),
      [1, 2],
    );
    assert.match(drops[0]!.detail, /row 1 of .*ids\.jsonl: its id \(id_key id\) is a JSON object/);
    assert.match(drops[1]!.detail, /is a list/);
  },
);
