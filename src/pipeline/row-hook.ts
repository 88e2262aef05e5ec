/**
 * The hook a partitioned build (a part) or a merge plugs into `build()`: which input rows it formats, what
 * formats them, what it records. `build()` calls these at fixed points and is otherwise unchanged, so a part and
 * a merge run the very code of a single-machine build.
 */
import type { Manifest, Sample } from '../core/types.js';

export interface RowHook {
  /** The output session is open (work folder ready); `settingsHash` as the build computed it. */
  begin(info: { settingsHash: string; workDir: string; resumed: boolean }): Promise<void>;
  /** Every input row, in input order (`loop`: index of the input split being read). False: not this build's row. */
  take(loop: number, sample: Sample): boolean;
  /** Replaces formatSample (a merge: the row as its part formatted it). */
  format?(sample: Sample): Promise<Sample>;
  /** A formatted row before the filters. */
  formatted?(sample: Sample): void;
  /** The row's outcome after the filters, in input order. */
  booked?(sample: Sample, kept: boolean): Promise<void>;
  /** Before the commit: write the hook's own files into the work folder. */
  finish(workDir: string, manifest: Manifest): Promise<void>;
  /** The build failed: release files. */
  abort?(): Promise<void>;
}
