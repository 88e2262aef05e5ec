/** The summary a build prints on stdout (also the merge's): the report, the splits, what was written, what next. */
import type { BuildResult } from '../build.js';
import { shellQuote } from '../train/hydra.js';
import type { CliOptions } from './options.js';
import { shownPath, useColor } from './shared.js';

const reportLib = () => import('../report/index.js');

/** The build's summary on stdout (also the merge's); returns the exit code. */
export async function printBuildResult(result: BuildResult, o: CliOptions): Promise<number> {
  const { renderReportTerminal } = await reportLib();
  const cfg = result.config;
  if (o.json) {
    process.stdout.write(
      `${JSON.stringify({ out: result.outDir, exitCode: result.exitCode, dropRatio: result.dropRatio, splits: result.splits, shards: result.manifest.shards, tokens: result.manifest.tokens, recommendation: result.report.recommendation }, null, 2)}\n`,
    );
  } else if (!o.quiet) {
    const out = shownPath(result.outDir);
    const lines = [
      '',
      renderReportTerminal(result.report, { color: useColor() }).trimEnd(),
      '',
      Object.entries(result.splits)
        .map(([name, s]) => `${name}: ${s.rowsIn} rows in → ${s.rowsOut} out (${s.rowsIn - s.rowsOut} dropped)`)
        .join(' · '),
      ...(result.manifest.teacherEnding
        ? [
            `teacher responses ending with <|im_end|>: ${result.manifest.teacherEnding.endingWithImEnd} of ${result.manifest.teacherEnding.total} (teacher.ending: ${result.manifest.teacherEnding.policy}; student rollouts end with it)`,
          ]
        : []),
      `Wrote ${result.manifest.shards.length} shard(s) to ${out}/data/, with ${out}/manifest.json, ${out}/README.md, ${out}/lengths.jsonl and ${out}/dropped.jsonl.`,
      `Report: ${out}/report.html`,
      '',
      'Next: check the trainer command derived from this build:',
      `  npx gad-data train --profile ${result.manifest.kind === 'gad' ? 'verl-gad' : result.manifest.target === 'easyr1' ? 'easyr1' : 'verl-grpo'} --data ${shellQuote(out)} --dry-run`,
    ];
    if (result.exitCode === 1)
      lines.push(
        '',
        `exit 1: ${(result.dropRatio * 100).toFixed(1)}% of rows were dropped, more than --max-drop-ratio ${cfg.max_drop_ratio} allows (see dropped.jsonl)`,
      );
    process.stdout.write(`${lines.join('\n')}\n`);
  }
  return result.exitCode;
}
