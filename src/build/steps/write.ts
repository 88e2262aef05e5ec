/**
 * The `write` step: a kept row goes into its split's parquet shards, with its note journaled beside it; a dropped
 * row is only noted (ShardWriter.skip), so a resumed build knows which input rows the finished shards cover.
 */
import type { ShardWriter } from '../../export/shards.js';
import type { RowNote } from '../journal.js';
import type { Step } from '../runner.js';

export function writeStep(writers: Map<string, ShardWriter<RowNote>>): Step<RowNote> {
  return {
    name: 'write',
    async run(row) {
      const writer = writers.get(row.sample.split)!;
      if (row.note!.drop) await writer.skip(row.note);
      else await writer.write(row.sample, row.note);
      return row;
    },
  };
}
