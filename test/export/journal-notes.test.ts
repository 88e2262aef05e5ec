import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { JOURNAL } from '../../src/output/shard-journal.js';
import { openOutput } from '../../src/output/out-dir.js';
import { rowBytes, rowFor } from '../../src/output/parquet-schema.js';
import { ShardWriter } from '../../src/output/shards.js';
import { makeSample, VERL_GAD } from '../helpers/export-samples.js';

type Note = { id: string; kept: boolean; pad: string };

const noteLines = async (work: string) =>
  (await readFile(join(work, JOURNAL), 'utf8')).split('\n').filter((l) => l.startsWith('{"note":')).length;

test('journal: the rows notes go to disk as they come, not held until their shard is finished; resume reads them back', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'gad-journal-notes-'));
  try {
    const out = join(dir, 'out');
    const session = await openOutput<Note>(out, { settingsHash: 'h' });
    const sample = await makeSample(0, { teacher: true });
    const rowSize = rowBytes(rowFor(sample, VERL_GAD));
    // shards of 200 rows; 600 input rows, every 5th dropped (480 written): shards 0 and 1 finished, a third open
    const w = new ShardWriter<Note>({
      ...VERL_GAD,
      dir: join(session.workDir, 'data'),
      split: 'train',
      shardSize: rowSize * 200,
      rowGroupRows: 16,
      session,
    });
    const notes: Note[] = [];
    for (let i = 0; i < 600; i++) {
      const note = { id: `row-${i}`, kept: i % 5 !== 4, pad: 'x'.repeat(2000) };
      notes.push(note);
      if (note.kept) await w.write({ ...sample, id: note.id }, note);
      else await w.skip(note);
      // the first shard is still open at row 200 (160 written); its notes are already on disk, but the last
      // buffered piece (under 256 KB: at most 128 notes of this size)
      if (i === 199) assert.ok((await noteLines(session.workDir)) >= 200 - 128, 'notes written as they come');
    }
    assert.ok((await noteLines(session.workDir)) >= 600 - 128);
    // the build stops here (no close, no commit; the work folder kept, as after a full disk): a resumed build gets
    // back each finished shard's notes, in order
    await session.abort({ keepWork: true });
    const again = await openOutput<Note>(out, { settingsHash: 'h', resume: true });
    const train = again.resumed?.splits.train;
    assert.ok(train, again.notice ?? 'not resumed');
    assert.equal(train.shards.length, 2);
    assert.equal(train.inputRows, 2 * 250);
    assert.deepEqual(train.records, notes.slice(0, train.inputRows));
    assert.deepEqual(
      train.shards.map((s) => s.records.length),
      train.shards.map((s) => s.inputRows),
    );
    // and resumed once more (the journal rewritten by the first resume), the same notes
    await again.abort({ keepWork: true });
    const third = await openOutput<Note>(out, { settingsHash: 'h', resume: true });
    assert.deepEqual(third.resumed?.splits.train?.records, notes.slice(0, train.inputRows));
    await third.abort();
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
