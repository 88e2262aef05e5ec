/**
 * The journal holds per request only its hash, its tokens and where its line is — never the answer texts,
 * which would make a run of 100k long teacher answers hold gigabytes — and reads each entry back whole from
 * the file, in a fresh run (resumed) as in the run that wrote it, multi-byte text included.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Journal } from '../../src/generate/answer-journal.js';
import type { JournalEntry } from '../../src/generate/generate-types.js';

const settings = { role: 'teacher' as const, model: 'm', endpoint: 'h:1', sampling: { max_tokens: 8 }, build: 'b' };
const LONG = 'x'.repeat(20_000);

function entry(i: number): JournalEntry {
  return {
    key: `train/r${i}`,
    request_hash: `hash-${i}`,
    model: 'm',
    usage: { prompt_tokens: 10, completion_tokens: i, total_tokens: 10 + i },
    choices: [
      { index: 0, response: `第${i}题：答案是 \\boxed{${i}} ✓ ${i % 2 ? LONG : ''}`, finish_reason: 'stop', tokens: i },
    ],
  };
}

test('the journal keeps no answer text in memory and reads each entry back whole, before and after a resume', () => {
  const dir = mkdtempSync(join(tmpdir(), 'gad-journal-mem-'));
  try {
    const file = join(dir, 'teacher.journal.jsonl');
    const j = Journal.open(file, settings);
    for (let i = 0; i < 50; i++) j.append(entry(i));
    for (const v of j.entries.values()) assert.ok(JSON.stringify(v).length < 200, JSON.stringify(v).slice(0, 200));
    assert.deepEqual(j.get('train/r7'), entry(7));
    assert.equal(j.entries.get('train/r7')!.total_tokens, 17);
    j.close();
    appendFileSync(file, '{"key":"train/r50","request_hash":"to'); // a torn last line
    const j2 = Journal.open(file, settings);
    for (let i = 50; i < 60; i++) j2.append(entry(i));
    for (let i = 0; i < 60; i++) assert.deepEqual(j2.get(`train/r${i}`), entry(i), `train/r${i}`);
    for (const v of j2.entries.values()) assert.ok(JSON.stringify(v).length < 200);
    assert.equal(j2.get('train/nope'), undefined);
    j2.close();
    const j3 = Journal.open(file, settings);
    assert.equal(j3.entries.size, 60);
    assert.deepEqual(j3.get('train/r59'), entry(59));
    j3.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
