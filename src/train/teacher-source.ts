/**
 * Pre-flight: which teacher answers a GAD build holds — the file (or column) the build joined them from and, when
 * `gad-data generate teacher` wrote that file, the model and endpoint that answered (its `.generate.json` beside it).
 * A line to read before spending GPU hours, never a failure: the build already checked every row's answer.
 */
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { z } from 'zod';
import type { PreflightCheck } from './launch-plan.js';
import { generateMetaSchema } from './generate-meta.js';

/** What of a build's manifest.json the teacher line reads (a manifest of another shape is "unreadable"). */
export const teacherManifestSchema = z.object({
  config: z
    .object({
      teacher: z.object({ file: z.string().nullish(), column: z.string().nullish() }).nullish(),
    })
    .optional(),
  teacherEnding: z.object({ total: z.number() }).optional(),
});

export function teacherSourceCheck(m: z.output<typeof teacherManifestSchema>, cwd: string): PreflightCheck {
  const t = m.config?.teacher ?? {};
  const where = t.file ? `the file ${t.file}` : t.column ? `the input column ${t.column}` : 'the input';
  let by = '';
  if (t.file && !t.file.startsWith('<')) {
    const meta = resolve(cwd, t.file.replace(/\.jsonl?$/i, '') + '.generate.json');
    if (existsSync(meta)) {
      try {
        const g = generateMetaSchema.parse(JSON.parse(readFileSync(meta, 'utf8')));
        const dropped = Object.values(g.dropped ?? {}).reduce((a, b) => a + b, 0);
        by = `, written by gad-data generate teacher: model ${g.settings?.model ?? '?'} at ${g.settings?.endpoint ?? '?'} (${g.kept ?? '?'} answers kept, ${dropped} left out)`;
      } catch {
        by = `, with an unreadable ${meta}`;
      }
    }
  }
  const total = m.teacherEnding?.total;
  return {
    check: 'teacher',
    ok: true,
    message: `teacher responses from ${where}${by}${total !== undefined ? `; ${total} rows written with one` : ''}`,
  };
}
