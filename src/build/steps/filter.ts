/**
 * The `filter` step: the filter chain (validate/filters.ts: the measured row rules, then duplicate / leak) decides
 * each formatted row's outcome and counts it, once, in the build's tally; the step turns the outcome into the row's
 * journal note. A replayed row is counted the same way and its dedupe key remembered, without checking it again.
 */
import type { Sample } from '../../core/types.js';
import { applyTeacherEnding, endsWithImEnd, type TeacherEnding } from '../../format/tokens.js';
import { dropRecord, lengthRecord, type DropRecord, type FilterChain } from '../../validate/index.js';
import { imageStamps, type RowNote } from '../journal.js';
import type { OriginalsRecord } from '../originals.js';
import type { Step } from '../runner.js';

export function filterStep(p: {
  chain: FilterChain;
  dedupe: boolean;
  /** The drop as written to dropped.jsonl (machine paths removed). */
  publicDrop: (d: DropRecord) => DropRecord;
  /** A formatted row, before the filters (a partitioned build records it). */
  onFormatted?: (sample: Sample) => void;
  /** teacher.ending: the teacher-ending counts are of the response as written, after this policy. */
  teacherEnding: TeacherEnding;
  /** Where a kept row's changed images came from (originals.jsonl). */
  original?: (sample: Sample) => OriginalsRecord | undefined;
}): Step<RowNote> {
  const { chain } = p;
  return {
    name: 'filter',
    run(row) {
      const sample = row.sample;
      // Whether the teacher_response column ends with <|im_end|> (what validate counts on the written file), so
      // the count and the launch warning describe the output, whatever the policy; only kept rows are counted
      // (outputs.ts books it).
      const te =
        typeof sample.teacherResponse === 'string'
          ? endsWithImEnd(applyTeacherEnding(sample.teacherResponse, p.teacherEnding))
          : null;
      p.onFormatted?.(sample);
      const drop = chain.apply(sample);
      // format decodes no image of a row already over a length limit from its headers: such a row must be dropped
      if (!drop && sample.formatted?.undecoded)
        throw new Error(`row ${sample.id}: kept, but format left its images undecoded as over a length limit`);
      const img = imageStamps(sample);
      const orig = drop ? undefined : p.original?.(sample);
      const note: RowNote = drop
        ? { drop: p.publicDrop(dropRecord(sample)), te, ...(img ? { img } : {}) }
        : {
            len: lengthRecord(sample),
            key: p.dedupe ? chain.dedupeKeyOf(sample) : undefined,
            te,
            ...(img ? { img } : {}),
            ...(orig ? { orig } : {}),
          };
      return { ...row, note };
    },
    replay({ sample, note }) {
      chain.replay(
        sample.split,
        note.drop ? { reason: note.drop.reason } : { reason: null, key: note.len && note.key },
      );
    },
  };
}
