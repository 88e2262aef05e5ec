/** `gad-data validate`: check parquet files against what verl / EasyR1 read (exit 0 clean, 1 violations, 2 unusable). */
import { type Command, Option } from 'commander';
import { flagParser } from '../config/config.js';
import { dflt } from '../config/key.js';
import { PIPELINE_NAMES, defaultFormatPromptFor, defaultPipelineFor } from '../core/defaults.js';
import type { CliOptions } from './options.js';
import { commandSummary } from './command-lines.js';

export function addValidateCommand(program: Command): void {
  program
    .command('validate')
    .description(commandSummary('validate'))
    .argument('<files...>', 'parquet files')
    .addOption(new Option('--target <target>', 'trainer schema').choices(['verl', 'easyr1']).default('verl'))
    .option('-m, --model <name|dir>', 'count prompt tokens with this model')
    .option(
      '--max-prompt-length <n>',
      'token limit to check (needs --model)',
      flagParser('--max-prompt-length', 'data.max_prompt_length'),
    )
    .option(
      '--max-response-length <n>',
      'teacher response limit to check (needs --model)',
      flagParser('--max-response-length', 'data.max_response_length'),
    )
    .option('--prompt-key <col>', 'prompt column')
    .option('--answer-key <col>', 'answer column (easyr1)')
    .option('--image-key <col>', 'image column')
    .option(
      '-f, --format-prompt <name|file>',
      `format prompt the trainer applies (easyr1; verl prompts are taken as they are) ${dflt(defaultFormatPromptFor('easyr1'))}`,
    )
    .addOption(
      new Option(
        '--pipeline <name>',
        `resize pipeline the trainer runs (default: ${defaultPipelineFor('verl')} for verl, ${defaultPipelineFor('easyr1')} for easyr1)`,
      ).choices(PIPELINE_NAMES),
    )
    .option(
      '--min-pixels <n>',
      "the trainer's min pixels for the pipeline, as the build's data.min_pixels (needs --model)",
      flagParser('--min-pixels', 'data.min_pixels'),
    )
    .option(
      '--max-pixels <n>',
      "the trainer's max pixels for the pipeline, as the build's data.max_pixels (needs --model)",
      flagParser('--max-pixels', 'data.max_pixels'),
    )
    .addOption(
      new Option(
        '--decode <how>',
        'image check: fast (headers; PNGs verified without decoding), full (decode every image), none (headers)',
      )
        .choices(['fast', 'full', 'none'])
        .default('fast'),
    )
    .option('--require-image', 'a row without an image is a violation (default: text-only rows are counted)')
    .option('--json', 'print the summary as JSON')
    .action(runValidate);
}

async function runValidate(files: string[], o: CliOptions): Promise<void> {
  const { validateFiles } = await import('../validate/files.js');
  const r = await validateFiles(files, {
    decode: o.decode,
    target: o.target,
    model: o.model,
    maxPromptLength: o.maxPromptLength,
    maxResponseLength: o.maxResponseLength,
    promptKey: o.promptKey,
    answerKey: o.answerKey,
    imageKey: o.imageKey,
    formatPrompt: o.formatPrompt,
    pipeline: o.pipeline,
    minPixels: o.minPixels,
    maxPixels: o.maxPixels,
    requireImage: !!o.requireImage,
  });
  process.stdout.write(
    o.json
      ? `${JSON.stringify({ exitCode: r.exitCode, summary: r.summary, violations: r.violations }, null, 2)}\n`
      : `${r.text}\n`,
  );
  process.exitCode = r.exitCode;
}
