/** `gad-data report`: the token-length report of a build folder, or of parquet files made by others. */
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { type Command, Option } from 'commander';
import { flagParser } from '../config/config.js';
import { dflt } from '../config/key.js';
import { PIPELINE_NAMES, defaultFormatPromptFor, defaultPipelineFor } from '../core/defaults.js';
import type { CliOptions } from './options.js';
import { useColor } from './shared.js';
import { commandSummary } from './command-lines.js';

export function addReportCommand(program: Command): void {
  program
    .command('report')
    .description(commandSummary('report'))
    .argument('<paths...>', 'a build output folder, or parquet files')
    .option('-m, --model <name|dir>', 'model to count with (files only)', 'qwen3-vl')
    .addOption(new Option('--target <target>', 'schema of the files').choices(['verl', 'easyr1']))
    .option(
      '-f, --format-prompt <name|file>',
      `format prompt applied to an EasyR1 problem column (files only; verl prompts are taken as they are) ${dflt(defaultFormatPromptFor('easyr1'))}`,
    )
    .addOption(
      new Option(
        '--pipeline <name>',
        `resize pipeline (files only; default: ${defaultPipelineFor('verl')} for verl, ${defaultPipelineFor('easyr1')} for easyr1)`,
      ).choices(PIPELINE_NAMES),
    )
    .option(
      '--min-pixels <n>',
      "the trainer's min pixels for the pipeline, as the build's data.min_pixels (files only)",
      flagParser('--min-pixels', 'data.min_pixels'),
    )
    .option(
      '--max-pixels <n>',
      "the trainer's max pixels for the pipeline, as the build's data.max_pixels (files only)",
      flagParser('--max-pixels', 'data.max_pixels'),
    )
    .option('--prompt-key <col>', 'prompt column (files only)')
    .option('--image-key <col>', 'image column (files only)')
    .option(
      '--max-prompt-length <n>',
      'the configured limit to show (files only)',
      flagParser('--max-prompt-length', 'data.max_prompt_length'),
    )
    .option('--json', 'print report.json instead of the table')
    .option('-o, --out <dir>', 'also write report.html and report.json into this folder')
    .action(runReport);
}

async function runReport(paths: string[], o: CliOptions): Promise<void> {
  const { statSync } = await import('node:fs');
  const [first] = paths;
  const dir =
    paths.length === 1 && first !== undefined && existsSync(first) && statSync(first).isDirectory() ? first : null;
  const { reportFromOutDir } = await import('../report/report-from-out-dir.js');
  const { reportFromFiles } = await import('../validate/report-from-files.js');
  const { renderReportHtml } = await import('../report/report-html.js');
  const { renderReportTerminal } = await import('../report/terminal.js');
  const { writeReportFiles } = await import('../report/write-report.js');
  const report =
    dir !== null
      ? await reportFromOutDir(dir)
      : await reportFromFiles(paths, {
          model: o.model,
          target: o.target,
          formatPrompt: o.formatPrompt,
          pipeline: o.pipeline,
          promptKey: o.promptKey,
          imageKey: o.imageKey,
          maxPromptLength: o.maxPromptLength,
          minPixels: o.minPixels,
          maxPixels: o.maxPixels,
        });
  process.stdout.write(
    o.json ? `${JSON.stringify(report, null, 2)}\n` : `${renderReportTerminal(report, { color: useColor() })}\n`,
  );
  if (o.out) {
    await writeReportFiles(resolve(o.out), report, renderReportHtml);
    (o.json ? process.stderr : process.stdout).write(
      `Wrote ${join(o.out, 'report.html')} and ${join(o.out, 'report.json')}\n`,
    );
  }
}
