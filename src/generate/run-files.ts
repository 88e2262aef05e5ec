/** The files of a run, all beside the output: `teacher.jsonl` → `teacher.dropped.jsonl`, `.journal.jsonl`, `.generate.json`. */
import { resolve } from 'node:path';
import type { GenerateRole } from './generate-types.js';

export interface GeneratePaths {
  /** One answer file per sample: `<base>.jsonl`, or `<base>-1.jsonl` … `<base>-K.jsonl` with --n K. */
  outputs: string[];
  dropped: string;
  journal: string;
  manifest: string;
}

export function generatePaths(
  role: GenerateRole,
  out: string | undefined,
  n: number,
  cwd = process.cwd(),
): GeneratePaths {
  const file = resolve(cwd, out ?? `${role}.jsonl`);
  const base = file.replace(/\.jsonl?$/i, '');
  return {
    outputs: n > 1 ? Array.from({ length: n }, (_, k) => `${base}-${k + 1}.jsonl`) : [file],
    dropped: `${base}.dropped.jsonl`,
    journal: `${base}.journal.jsonl`,
    manifest: `${base}.generate.json`,
  };
}
