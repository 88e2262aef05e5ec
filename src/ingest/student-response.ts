/**
 * A row's student answer as its input format read it (ms-swift's `rejected_response`, formats/rejected-response.ts):
 * in a GAD build (a teacher column or file) it becomes the Sample's `studentResponse`, which the build writes beside
 * its shards for `export rm`; a cell that cannot be one drops the row (`bad_row`, naming the fix). A GRPO build has no
 * use for it: the rows are counted as read and not used (the cell stays an extra column). The counts name what
 * happened to every row for the summary (docs/sources.md).
 */
import type { Drop, Sample } from '../core/types.js';
import type { FormatRow } from './formats/input-format.js';

/** Rows counted by the summary (src/commands/summary.ts names each). */
export const STUDENT_COUNTS = {
  read: 'student_from_rejected_response',
  without: 'no_rejected_response',
  notUsed: 'rejected_response_not_used',
  otherImages: 'rejected_response_other_images',
} as const;

export function applyStudent(p: {
  read: FormatRow;
  sample: Sample;
  /** True in a GAD build (teacher responses from a column or a file). */
  gad: boolean;
  /** The format reads student answers (ms-swift): a GAD row without one is counted. */
  formatReadsStudent: boolean;
  count: (name: string) => void;
  /** The row as named in a drop: `row N of SOURCE`. */
  where: string;
}): Drop | null {
  const st = p.read.student;
  if (!p.gad) {
    if (st) p.count(STUDENT_COUNTS.notUsed);
    return null;
  }
  if (!st) {
    if (p.formatReadsStudent) p.count(STUDENT_COUNTS.without);
    return null;
  }
  if ('skipped' in st) {
    p.count(STUDENT_COUNTS.otherImages);
    return null;
  }
  if ('problem' in st) return { reason: 'bad_row', detail: `${p.where}: ${st.problem}`, value: st.column, limit: null };
  p.sample.studentResponse = st.text;
  p.count(STUDENT_COUNTS.read);
  return null;
}

/** The counts of a build: rows without a student answer are named only when some rows carried one. */
export function studentCounts(counts: Map<string, number>): Record<string, number> {
  const out = Object.fromEntries(counts);
  if (!counts.get(STUDENT_COUNTS.read)) delete out[STUDENT_COUNTS.without];
  return out;
}
