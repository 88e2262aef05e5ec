/** What an input format is: how it is detected from a file's columns, its column defaults, and how a row reads. */
import type { ColumnMap, ResolvedColumns } from '../column-map.js';

/** A row's prompt cell and teacher response as a format reads them (the rest of the row is read as for every format). */
export interface FormatRow {
  /** The prompt cell: text or a message list, as `promptText` reads it. */
  prompt: unknown;
  /** The teacher response: text, null (none in this row), or undefined (the build takes none from the row). */
  teacher?: string | null;
  /** Why a teacher response is missing (the `no_teacher_response` drop's detail), when the format knows. */
  missing?: string;
  /** Named counts for the summary (e.g. rows whose last assistant turn was left out of the prompt). */
  counts?: string[];
  /** The student's answer the row carries (ms-swift's `rejected_response`); undefined: the row carries none. */
  student?: FormatStudent;
}

/**
 * A student answer read from a row's column: its text; or why the cell cannot be one (`problem`: a bad_row in a GAD
 * build); or why this row's answer is not a student answer to the row's prompt (`skipped`: counted, not used).
 */
export type FormatStudent =
  { column: string; text: string } | { column: string; problem: string } | { column: string; skipped: 'other_images' };

export interface InputFormat {
  name: string;
  /** One line for docs. */
  describe: string;
  /** True when a file with these columns is in this format (the first match of the table wins). */
  detect: (have: readonly string[]) => boolean;
  /** Columns this format reads when the config leaves a key at its default. */
  columns: (have: readonly string[]) => Partial<ColumnMap>;
  /** Further columns the format reads (not passed through to extra_info). */
  consumed: readonly string[];
  /** A line printed under the input format line (e.g. a rule on image paths the format adds). */
  note?: string;
  /** True when an absolute image path outside the allowed roots is read anyway (the file, symlinks followed, is one the tool behind this format wrote). */
  acceptsImage?: (realPath: string) => boolean;
  /** The column a row's student answer is read from (ms-swift: rejected_response), when the format reads one. */
  studentColumn?: string;
  /** The prompt cell and teacher response of one row. */
  read: (row: Record<string, unknown>, cols: ResolvedColumns) => FormatRow;
}
