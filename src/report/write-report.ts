/** `gad-data report ... --out DIR` (and the files a build writes): report.json and report.html in a folder. */
import { join } from 'node:path';
import { GadError, describeError } from '../core/errors.js';
import type { Report } from './report.js';

/**
 * `gad-data report ... --out DIR`: writes DIR/report.json and DIR/report.html (the same files a build writes),
 * creating DIR. Returns the two paths.
 */
export async function writeReportFiles(
  dir: string,
  report: Report,
  renderHtml: (r: Report) => string,
): Promise<{ json: string; html: string }> {
  const { mkdir, writeFile } = await import('node:fs/promises');
  try {
    await mkdir(dir, { recursive: true });
  } catch (e) {
    throw new GadError(`cannot create the report folder ${dir} (${describeError(e)})`, {
      hint: 'pass --out a folder you can write to',
      exitCode: 2,
    });
  }
  const json = join(dir, 'report.json');
  const html = join(dir, 'report.html');
  await writeFile(json, `${JSON.stringify(report, null, 2)}\n`);
  await writeFile(html, renderHtml(report));
  return { json, html };
}
