/**
 * Pre-flight of `train --profile swift-rm`: which answers the discriminator warmup's pairs were made of — the
 * student file `export rm` read (from export.json: its path, sha256 and whether it is still the same file) and,
 * when `gad-data generate student` wrote it, the model and endpoint that answered, or when the build wrote it from
 * an input column (ms-swift's rejected_response), that column and its source; and the teacher answers the
 * build joined (as the verl-gad pre-flight says them). Lines to read before spending GPU hours, never a failure:
 * the export already holds the pairs.
 */
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { sha256File } from '../core/hash.js';
import { displayPath } from '../core/paths.js';
import type { ExportManifest } from '../recipes/common.js';
import type { PreflightCheck } from './launch-plan.js';
import { teacherManifestSchema, teacherSourceCheck } from './teacher-source.js';
import { generateMetaSchema } from './generate-meta.js';

/** The `.generate.json` that lists a file of this sha256: beside it (`student.jsonl`, or `student-K.jsonl` of --n K). */
function generatedBy(file: string, sha256: string): string {
  const base = file.replace(/\.jsonl?$/i, '');
  for (const meta of new Set([`${base}.generate.json`, `${base.replace(/-\d+$/, '')}.generate.json`])) {
    if (!existsSync(meta)) continue;
    try {
      const g = generateMetaSchema.parse(JSON.parse(readFileSync(meta, 'utf8')));
      if (!g.files?.some((f) => f.sha256 === sha256)) continue;
      const dropped = Object.values(g.dropped ?? {}).reduce((a, b) => a + b, 0);
      return `, written by gad-data generate ${g.settings?.role ?? 'student'}: model ${g.settings?.model ?? '?'} at ${g.settings?.endpoint ?? '?'} (${g.kept ?? '?'} answers kept, ${dropped} left out)`;
    } catch {
      return `, with an unreadable ${displayPath(meta)}`;
    }
  }
  return '';
}

export async function studentSourceCheck(x: ExportManifest, exportDir: string): Promise<PreflightCheck> {
  const st = x.student;
  if (!st) {
    const note = x.notes.find((n) => n.startsWith('student answers from '));
    return {
      check: 'student',
      ok: true,
      message: `${note ?? 'student answers: not recorded'} (export.json of an older gad-data: no sha256 to check it by)`,
    };
  }
  const file = resolve(exportDir, st.file);
  let state: string;
  if (!existsSync(file)) state = 'no longer there';
  else if ((await sha256File(file)) !== st.sha256)
    state = 'changed since the export: the pairs hold the answers as they were';
  else state = `unchanged, sha256 ${st.sha256.slice(0, 12)}`;
  // Answers the build took from an input column (ms-swift's rejected_response): that column is where they came from.
  const message = st.from
    ? `student answers from ${st.from}, written by the build as ${displayPath(file)} (${st.answers} row ids; ${state})`
    : `student answers from ${displayPath(file)} (${st.answers} row ids; ${state})${state.startsWith('unchanged') ? generatedBy(file, st.sha256) : ''}`;
  return { check: 'student', ok: true, message };
}

/** The student line and the build's teacher line of an rm export. */
export async function rmSourcesChecks(x: ExportManifest, exportDir: string, cwd: string): Promise<PreflightCheck[]> {
  const out = [await studentSourceCheck(x, exportDir)];
  const manifest = resolve(exportDir, x.build.dir, 'manifest.json');
  if (existsSync(manifest)) {
    try {
      out.push(teacherSourceCheck(teacherManifestSchema.parse(JSON.parse(readFileSync(manifest, 'utf8'))), cwd));
    } catch {
      out.push({ check: 'teacher', ok: true, message: `the build's ${displayPath(manifest)} is unreadable` });
    }
  }
  return out;
}
