/**
 * A row's student answer as its input format read it (ms-swift's `rejected_response`, formats/rejected-response.ts;
 * LLaMA-Factory's `rejected`, formats/llamafactory-ranking.ts):
 * in a GAD build (a teacher column or file) it becomes the Sample's `studentResponse`, which the build writes beside
 * its shards for `export rm`; a cell that cannot be one drops the row (`bad_row`, naming the fix). A GRPO build has no
 * use for it: the rows are counted as read and not used (the cell stays an extra column). The counts name what
 * happened to every row for the summary (docs/sources.md).
 */
import type { Drop, Sample } from '../core/types.js';
import type { FormatRow } from './formats/input-format.js';

/** Rows counted by the summary, by the column the answers are read from (src/commands/summary.ts names each). */
export const STUDENT_COUNTS = {
  read: (column: string) => `student_from_${column}`,
  without: (column: string) => `no_${column}`,
  notUsed: (column: string) => `${column}_not_used`,
  otherImages: (column: string) => `${column}_other_images`,
} as const;

export function applyStudent(p: {
  read: FormatRow;
  sample: Sample;
  /** True in a GAD build (teacher responses from a column or a file). */
  gad: boolean;
  /** The column the format reads student answers from (ms-swift: rejected_response), or null: it reads none. */
  studentColumn: string | null;
  count: (name: string) => void;
  /** The row as named in a drop: `row N of SOURCE`. */
  where: string;
}): Drop | null {
  const st = p.read.student;
  if (!p.gad) {
    if (st) p.count(STUDENT_COUNTS.notUsed(st.column));
    return null;
  }
  if (!st) {
    if (p.studentColumn) p.count(STUDENT_COUNTS.without(p.studentColumn));
    return null;
  }
  if ('skipped' in st) {
    p.count(STUDENT_COUNTS.otherImages(st.column));
    return null;
  }
  if ('problem' in st) return { reason: 'bad_row', detail: `${p.where}: ${st.problem}`, value: st.column, limit: null };
  p.sample.studentResponse = st.text;
  p.count(STUDENT_COUNTS.read(st.column));
  return null;
}

/** The counts of a build: rows without a student answer are named only when some rows carried one. */
export function studentCounts(counts: Map<string, number>, column: string | null): Record<string, number> {
  const out = Object.fromEntries(counts);
  if (column && !counts.get(STUDENT_COUNTS.read(column))) delete out[STUDENT_COUNTS.without(column)];
  return out;
}
