/**
 * A small build run as a child process by the export tests (so it can be SIGKILLed mid-way):
 *   export-child <outDir> <rows> <delayMs> <settingsHash> [resume]
 * Writes `rows` input rows of split `train` (every 5th is reported dropped), slowly, with a shard cut
 * every few rows; prints `shard <i>` when a shard is finished and `done` after the commit. On resume
 * it skips the input rows the finished shards cover and restores their bookkeeping from the journal
 * records, so the manifest comes out the same as an uninterrupted run.
 */
import { join } from 'node:path';
import { openOutput } from '../../src/output/out-dir.js';
import { rowBytes, rowFor } from '../../src/output/parquet-schema.js';
import { ShardWriter } from '../../src/output/shards.js';
import { writeManifest, renderDatasetCard } from '../../src/output/manifest.js';
import { writeFile } from 'node:fs/promises';
import { makeManifest, makeSample, VERL_GAD } from './export-samples.js';

const [outDir, rowsArg, delayArg, settingsHash, mode] = process.argv.slice(2);
const rows = Number(rowsArg);
const delay = Number(delayArg);

const session = await openOutput(outDir!, { settingsHash: settingsHash!, resume: mode === 'resume' });
if (session.notice) console.log(`notice ${session.notice}`);
const prev = session.resumed?.splits.train;
const first = await makeSample(0, { teacher: true });
const shardSize = rowBytes(rowFor(first, VERL_GAD)) * 3;
const w = new ShardWriter({
  ...VERL_GAD,
  dir: join(session.workDir, 'data'),
  split: 'train',
  shardSize,
  rowGroupRows: 2,
  session,
});
w.onShardClosed = (info) => console.log(`shard ${info.index} ${info.rows}`);
const records: Array<{ id: string; kept: boolean }> = [
  ...((prev?.records ?? []) as Array<{ id: string; kept: boolean }>),
];
for (let i = prev?.inputRows ?? 0; i < rows; i++) {
  const s = await makeSample(i, { teacher: true });
  if (i % 5 === 4) {
    const note = { id: s.id, kept: false };
    records.push(note);
    await w.skip(note);
  } else {
    const note = { id: s.id, kept: true };
    records.push(note);
    await w.write(s, note);
  }
  if (delay > 0) await new Promise((r) => setTimeout(r, delay));
}
const shards = await w.close();
const kept = records.filter((r) => r.kept).length;
const m = makeManifest(VERL_GAD, shards, { train: kept });
m.splits.train = { rowsIn: records.length, rowsOut: kept, dropped: { prompt_too_long: records.length - kept } };
await writeManifest(session.workDir, m);
await writeFile(join(session.workDir, 'README.md'), renderDatasetCard(m));
await session.commit();
console.log('done');
