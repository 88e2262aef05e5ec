/**
 * The student answers a GAD build's input rows carried (ms-swift's `rejected_response`): written beside the shards
 * as `rejected_response.jsonl`, one line per kept row that has one, in the line format of `gad-data generate
 * student` (`id`, `split`, `response`), so `export rm` reads it as any student file; the manifest records it
 * (`student`: the file, the input column and sources it came from, its rows and sha256). The answer travels in
 * the row's journal note (`st`), so a resumed build writes what a fresh one does. Split by split, in input order.
 */
import { createReadStream } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { FileWriter } from '../core/file-writer.js';
import { sha256File } from '../core/hash.js';
import type { Sample, StudentSideFile } from '../core/types.js';
import type { RowNote } from './build-journal.js';

export const STUDENT_SIDE_FILE = 'rejected_response.jsonl';

export interface StudentSide {
  /** One booked row (new or replayed): a kept row's answer is written. */
  book(sample: Sample, note: RowNote): Promise<void>;
  /** The side file (null: no kept row carried an answer, nothing written). */
  close(): Promise<StudentSideFile | null>;
}

export function openStudentSide(p: {
  workDir: string;
  splits: string[];
  /** The input column the format reads answers from (null: the format reads none). */
  column: string | null;
}): StudentSide {
  const part = (split: string) => join(p.workDir, `.student.${split}.jsonl`);
  const writers = new Map<string, FileWriter>();
  const sources: string[] = [];
  let rows = 0;
  let kept = 0;
  return {
    async book(sample, note) {
      if (note.drop || !note.len) return;
      kept++;
      if (note.st === undefined) return;
      let w = writers.get(sample.split);
      if (!w) writers.set(sample.split, (w = new FileWriter(part(sample.split))));
      // the row's source as the outputs name it (the normalize step displayed it: no machine paths)
      if (!sources.includes(sample.source)) sources.push(sample.source);
      rows++;
      await w.write(`${JSON.stringify({ id: sample.id, split: sample.split, response: note.st })}\n`);
    },
    async close() {
      for (const w of writers.values()) await w.close();
      if (!rows) return null;
      const file = join(p.workDir, STUDENT_SIDE_FILE);
      const out = new FileWriter(file);
      for (const split of p.splits) {
        if (!writers.has(split)) continue;
        for await (const chunk of createReadStream(part(split))) await out.write(chunk as Buffer);
        await rm(part(split));
      }
      await out.close();
      const column = p.column ?? 'rejected_response';
      return {
        file: STUDENT_SIDE_FILE,
        from: `input column ${column} of ${sources.join(', ')}`,
        column,
        rows,
        without: kept - rows,
        sha256: await sha256File(file),
      };
    },
  };
}
