/**
 * The teacher file's split field (teacher.split_key): responses join on (split, id) when the file has it, so ids
 * may repeat across splits (verl's extra_info.index); responses of a split the build does not have are counted and
 * not joined; the same (split, id) twice, or an empty split value, is an error. Without the field, an id twice is
 * an error whose fix names the split field.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GadError } from '../../src/core/errors.js';
import { loadTeacher, teacherKey } from '../../src/ingest/teacher.js';

const tmp = mkdtempSync(join(tmpdir(), 'gad-teacher-split-'));
process.on('exit', () => rmSync(tmp, { recursive: true, force: true }));
const file = (name: string, rows: Array<Record<string, unknown>>) => {
  const p = join(tmp, name);
  writeFileSync(p, rows.map((r) => JSON.stringify(r)).join('\n') + '\n');
  return p;
};

test('with a split field: (split, id) keys, ids repeat across splits, other splits counted and not joined', async () => {
  const t = await loadTeacher({
    file: file('split.jsonl', [
      { split: 'train', id: 0, response: 'train 0' },
      { split: 'test', id: 0, response: 'test 0' },
      { split: 'val', id: 0, response: 'val 0' },
    ]),
    idKey: 'id',
    splitKey: 'split',
    splits: ['train', 'test'],
  });
  assert.equal(t.splitKey, 'split');
  assert.equal(t.responses.get(teacherKey(t, 'train', '0')), 'train 0');
  assert.equal(t.responses.get(teacherKey(t, 'test', '0')), 'test 0');
  assert.equal(t.responses.size, 2);
  assert.deepEqual([...t.otherSplits], [['val', 1]]);
});

test('the same (split, id) twice, or an empty split value, is an error (exit 2 for the empty value)', async () => {
  const dup = file('dup.jsonl', [
    { split: 'test', id: 3, response: 'a' },
    { split: 'test', id: 3, response: 'b' },
  ]);
  await assert.rejects(
    loadTeacher({ file: dup, idKey: 'id', splitKey: 'split', splits: ['train', 'test'] }),
    (e: unknown) => e instanceof GadError && /duplicate id '3' in split 'test' \(row 2\)/.test(e.message),
  );
  const empty = file('empty.jsonl', [
    { split: 'test', id: 1, response: 'a' },
    { split: '', id: 2, response: 'b' },
  ]);
  await assert.rejects(
    loadTeacher({ file: empty, idKey: 'id', splitKey: 'split', splits: ['train', 'test'] }),
    (e: unknown) =>
      e instanceof GadError && e.exitCode === 2 && /row 2: the split column 'split' is empty/.test(e.message),
  );
});

test('without the field (or with split_key null): an id twice is an error whose fix names the split field', async () => {
  const rows = [
    { split: 'train', id: 0, response: 'train 0' },
    { split: 'test', id: 0, response: 'test 0' },
  ];
  for (const [name, splitKey] of [
    ['nosplit.jsonl', 'split'],
    ['ignored.jsonl', null],
  ] as const) {
    const p = file(name, splitKey ? rows.map(({ id, response }) => ({ id, response })) : rows);
    await assert.rejects(
      loadTeacher({ file: p, idKey: 'id', splitKey, splits: ['train', 'test'] }),
      (e: unknown) =>
        e instanceof GadError &&
        /duplicate id '0' \(row 2\)/.test(e.message) &&
        /add a 'split' field/.test(e.hint ?? ''),
    );
  }
});
