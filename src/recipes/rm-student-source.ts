/**
 * Which student answers `export rm` pairs with the teacher's: `--student FILE` when given; else the answers the
 * build's input rows carried (ms-swift's `rejected_response`, written by the build as `rejected_response.jsonl`
 * and recorded in its manifest's `student`); else, for the bundled sample, its student file. The choice is said
 * first (a notice) and in the export's notes; a `--student` file that overrides the input's answers says so.
 */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { GadError } from '../core/errors.js';
import { sha256File } from '../core/hash.js';
import { displayPath } from '../core/paths.js';
import { bundledStudentFile, type OpenedBuild } from './build-rows.js';

export interface StudentSource {
  /** The student file read (absolute). */
  file: string;
  /** Where its answers came from, when the build wrote it from an input column (`input column ... of ...`). */
  from?: string;
  /** Said before the report (stderr). */
  notices: string[];
  /** The export's notes (report and export.json). */
  notes: string[];
}

export async function chooseStudentSource(p: { student?: string; build: OpenedBuild }): Promise<StudentSource> {
  const side = p.build.manifest.student;
  const sideFile = side ? resolve(p.build.dir, side.file) : null;
  if (p.student) {
    const file = resolve(p.student);
    const notes = [`student answers from ${displayPath(file)}`];
    if (side && sideFile)
      notes.push(
        `the input's rejected responses (${side.rows} row(s) in ${displayPath(sideFile)}, ${side.from}) were NOT used: --student ${displayPath(file)} gives the student answers`,
      );
    return { file, notices: notes.slice(1), notes };
  }
  if (side && sideFile) {
    if (!existsSync(sideFile))
      throw new GadError(`the build's student answers ${displayPath(sideFile)} (${side.from}) are missing`, {
        hint: 'keep the build folder as `gad-data build` wrote it (or rebuild), or pass --student FILE',
      });
    const changed =
      (await sha256File(sideFile)) === side.sha256
        ? ''
        : '; CHANGED since the build (sha256 differs): read as it is now';
    const line = `student answers from ${side.from}: the build's ${displayPath(sideFile)} (${side.rows} row(s)${changed}); --student FILE to use other answers`;
    return { file: sideFile, from: side.from, notices: [line], notes: [line] };
  }
  if (!p.build.embedded)
    throw new GadError('no --student file given', {
      hint: 'pass --student FILE: the student answers sampled for `gad-data export prompts` (jsonl with id and response); an ms-swift input with rejected_response gives them without one (docs/sources.md)',
    });
  const file = bundledStudentFile();
  return { file, notices: [], notes: [`student answers from ${displayPath(file)}`] };
}
