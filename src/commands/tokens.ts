/**
 * `gad-data tokens`: exact prompt token counts from text and image sizes (no images needed), for one prompt
 * (`--problem`) or JSONL lines (the counting itself: src/tokens/tokens-command.ts).
 */
import { existsSync } from 'node:fs';
import { type Command, Option } from 'commander';
import { flagParser } from '../config/config.js';
import { collect } from '../config/flags.js';
import { MODEL_SOURCES, PIPELINE_NAMES } from '../core/defaults.js';
import { GadError } from '../core/errors.js';
import type { CliOptions } from './options.js';
import { commandSummary } from './command-lines.js';

const tokensLib = () => import('../tokens/tokens-command.js');

export function addTokensCommand(program: Command): void {
  program
    .command('tokens')
    .description(commandSummary('tokens'))
    .option('-m, --model <name|dir>', 'qwen3-vl | qwen2.5-vl | a model folder | a cached Hub id', 'qwen3-vl')
    .addOption(
      new Option('--model-source <source>', 'where a Hub model id is found').choices(MODEL_SOURCES).default('auto'),
    )
    .option('-f, --format-prompt <name|file>', 'math | r1v | none | path/to/prompt.jinja', 'none')
    .addOption(new Option('--pipeline <name>', 'resize pipeline').choices(PIPELINE_NAMES).default('processor'))
    .option('--jsonl <file>', 'input lines {"problem": ..., "image_sizes": [[w,h],...]} ("-" for stdin)')
    .option('--problem <text>', 'a single prompt')
    .option('--image <WxH>', 'image size for --problem (repeatable)', collect)
    .option('--ids', 'also print the text token ids')
    .option('--min-pixels <n>', "the pipeline's min pixels", flagParser('--min-pixels', 'data.min_pixels'))
    .option('--max-pixels <n>', "the pipeline's max pixels", flagParser('--max-pixels', 'data.max_pixels'))
    .action(runTokens);
}

async function runTokens(o: CliOptions): Promise<void> {
  const base = {
    model: o.model,
    modelSource: o.modelSource,
    formatPrompt: o.formatPrompt,
    pipeline: o.pipeline,
    ids: !!o.ids,
    minPixels: o.minPixels,
    maxPixels: o.maxPixels,
  };
  if (o.problem !== undefined) {
    const { countOne, parseSize } = await tokensLib();
    const images = ((o.image as string[] | undefined) ?? []).map((s) => parseSize(s));
    process.stdout.write(`${JSON.stringify(await countOne({ ...base, problem: o.problem, images }))}\n`);
    return;
  }
  if (!o.jsonl)
    throw new GadError('give --jsonl FILE (or - for stdin), or --problem TEXT [--image WxH]', { exitCode: 2 });
  const { createReadStream } = await import('node:fs');
  if (o.jsonl !== '-' && !existsSync(o.jsonl)) throw new GadError(`file not found: ${o.jsonl}`, { exitCode: 2 });
  const input = o.jsonl === '-' ? process.stdin : createReadStream(o.jsonl);
  const { runTokensCommand } = await tokensLib();
  const r = await runTokensCommand(base, input, process.stdout);
  if (r.errors) process.stderr.write(`${r.errors} of ${r.lines} line(s) had an error (see their "error" field)\n`);
}
