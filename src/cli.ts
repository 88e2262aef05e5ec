/**
 * The `gad-data` command: a thin shell over the library API. Parses flags, prints results, maps errors to
 * exit codes (0 ok; 1 data problems: more drops than --max-drop-ratio, validate violations; 2 usage, config
 * or unusable input; 3 an internal error). Errors are printed as one clear message with a hint, never a stack trace
 * (GAD_DATA_DEBUG=1 shows it).
 */
import { existsSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Command, CommanderError, Option } from 'commander';
import type { CliOptions } from './commands/options.js';
import { GadError, describeError, environmentError, environmentErrorCode } from './core/errors.js';
import { createProgress } from './core/progress.js';
import { DEFAULT_FORMAT_PROMPT, PIPELINE_NAMES } from './core/defaults.js';
import {
  EXAMPLE_CONFIG,
  configDefaults,
  defaultBuildPipeline,
  defaultTeacherEnding,
  parseByteSize,
  readConfigFile,
  resolveConfig,
  ignoredDataKeys,
  flagParser,
} from './config.js';
import { defaultFormatPromptFor, defaultPipelineFor } from './core/defaults.js';
import { VERSION } from './version.js';
import { shellQuote } from './train/hydra.js';
import { addRecipeCommands } from './cli-recipe.js';

// The library is loaded by the command that needs it (sharp, the tokenizers, parquet): `gad-data --help` and a
// usage error start in a fraction of the time.
const buildLib = () => import('./build.js');
const tokensLib = () => import('./format/tokens-command.js');
const validateLib = () => import('./validate/index.js');
const reportLib = () => import('./report/index.js');
const trainLib = () => import('./train/index.js');
const swiftLib = () => import('./train/swift.js');

/** ms-swift launch profiles (src/train/swift.ts checks the same list). */
const SWIFT_PROFILES: readonly string[] = ['swift-sft', 'swift-rm'];
import { addMergeCommand, partitionRun } from './commands/partition.js';
import { addScaleOutCommand } from './commands/scale-out.js';
import type { BuildResult } from './build.js';

const useColor = () => !!process.stdout.isTTY && !process.env.NO_COLOR && process.env.TERM !== 'dumb';

const int = (name: string) => (v: string) => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0)
    throw new GadError(`${name} takes a whole number (0 or more), got "${v}"`, { exitCode: 2 });
  return n;
};
const collect = (v: string, prev: string[] = []) => [...prev, v];
/** "(default: X)" for help texts, computed from the values the command uses (never hand-written). */
const dflt = (v: unknown) => `(default: ${Array.isArray(v) ? v.join(', ') : String(v)})`;
const mb = (bytes: number) => (bytes % 1_000_000 === 0 ? `${bytes / 1_000_000}MB` : `${bytes}`);

/** Flags of `build` → a config layer (same keys as gad-data.yaml). */
function buildFlagsToConfig(o: CliOptions): Record<string, unknown> {
  const data: Record<string, unknown> = {};
  const set = (obj: Record<string, unknown>, k: string, v: unknown) => {
    if (v !== undefined) obj[k] = v;
  };
  set(data, 'train_files', o.train);
  set(data, 'val_files', o.val);
  set(data, 'prompt_key', o.promptKey);
  set(data, 'answer_key', o.answerKey);
  set(data, 'image_key', o.imageKey);
  set(data, 'image_dir', o.imageDir);
  set(data, 'max_prompt_length', o.maxPromptLength);
  set(data, 'max_response_length', o.maxResponseLength);
  set(data, 'format_prompt', o.formatPrompt);
  set(data, 'min_pixels', o.minPixels);
  set(data, 'max_pixels', o.maxPixels);
  set(data, 'seed', o.seed);
  if (o.filterOverlong === false) data.filter_overlong_prompts = false;
  const cfg: Record<string, unknown> = {};
  if (Object.keys(data).length) cfg.data = data;
  set(cfg, 'model', o.model);
  set(cfg, 'target', o.target);
  set(cfg, 'pipeline', o.pipeline);
  set(cfg, 'out', o.out);
  set(cfg, 'shard_size', o.shardSize);
  set(cfg, 'test_ratio', o.testRatio);
  set(cfg, 'id_key', o.idKey);
  set(cfg, 'data_source', o.dataSource);
  set(cfg, 'license', o.license);
  set(cfg, 'image_bytes_key', o.imageBytesKey);
  set(cfg, 'image_placement', o.imagePlacement);
  set(cfg, 'image_format', o.imageFormat);
  set(cfg, 'resize', o.resize);
  set(cfg, 'max_input_pixels', o.maxInputPixels);
  set(cfg, 'image_timeout', o.imageTimeout);
  if (o.allowOutsidePaths) cfg.allow_outside_paths = true;
  set(cfg, 'max_drop_ratio', o.maxDropRatio);
  set(cfg, 'concurrency', o.concurrency);
  if (o.multiImage) cfg.single_image = false;
  if (o.requireImage) cfg.require_image = true;
  if (o.passthrough === false) cfg.passthrough = false;
  if (o.dedupe === false) cfg.dedupe = false;
  const teacher: Record<string, unknown> = {};
  set(teacher, 'file', o.teacher);
  set(teacher, 'id_key', o.teacherIdKey);
  set(teacher, 'response_key', o.teacherKey);
  set(teacher, 'column', o.teacherColumn);
  set(teacher, 'ending', o.teacherEnding);
  if (Object.keys(teacher).length) cfg.teacher = teacher;
  const hub: Record<string, unknown> = {};
  set(hub, 'revision', o.revision);
  if (o.offline) hub.offline = true;
  if (Object.keys(hub).length) cfg.hub = hub;
  return cfg;
}

function addBuildOptions(cmd: Command): Command {
  // Shown defaults come from the config schema a build resolves (no flag default is set, so gad-data.yaml still applies).
  const D = configDefaults();
  return cmd
    .option('-c, --config <file>', 'gad-data.yaml or an EasyR1 config (its data: section is read as is)')
    .option(
      '--train <spec>',
      'training data (repeatable): owner/name@split, file.parquet, dir, *.parquet, .jsonl',
      collect,
    )
    .option('--val <spec>', 'test/validation data (repeatable)', collect)
    .option('-m, --model <name|dir>', `qwen3-vl | qwen2.5-vl | a model folder or checkpoint ${dflt(D.model)}`)
    .addOption(new Option('--target <target>', `output schema ${dflt(D.target)}`).choices(['verl', 'easyr1']))
    .addOption(
      new Option(
        '--pipeline <name>',
        `resize pipeline the trainer runs (default: ${defaultBuildPipeline('verl')} for verl, ${defaultBuildPipeline('easyr1')} for easyr1)`,
      ).choices(PIPELINE_NAMES),
    )
    .option(
      '-f, --format-prompt <name|file>',
      `math | r1v | none | path/to/prompt.jinja ${dflt(D.data.format_prompt ?? DEFAULT_FORMAT_PROMPT)}; a verl message-list prompt gets none unless given`,
    )
    .option('-o, --out <dir>', `output folder ${dflt(D.out)}`)
    .option('--teacher <file>', 'GAD teacher responses (jsonl/parquet), joined on --id-key')
    .option('--teacher-key <col>', 'response field in the teacher file (default response / teacher_response)')
    .option('--teacher-id-key <col>', 'id field in the teacher file (default: --id-key)')
    .option('--teacher-column <col>', 'take teacher responses from this column of the source instead')
    .addOption(
      new Option(
        '--teacher-ending <policy>',
        `trailing <|im_end|> of teacher responses ${dflt(defaultTeacherEnding())}`,
      ).choices(['keep', 'strip', 'append']),
    )
    .option('--prompt-key <col>', `prompt column (EasyR1 prompt_key) ${dflt(D.data.prompt_key)}`)
    .option('--answer-key <col>', `answer column ${dflt(D.data.answer_key)}`)
    .option('--image-key <col>', `image column ${dflt(D.data.image_key)}`)
    .option('--image-dir <dir>', 'folder relative image paths are resolved against')
    .option('--image-bytes-key <col>', 'a separate list<binary> column holding the image bytes')
    .option('--id-key <col>', 'row id column, or a nested field such as extra_info.index')
    .option('--license <id>', 'licence of the data for the dataset card (e.g. apache-2.0)')
    .option('--data-source <name>', 'data_source written on every row (verl picks the reward function by it)')
    .addOption(
      new Option(
        '--image-placement <where>',
        `where <image> goes when the text has none ${dflt(D.image_placement)}`,
      ).choices(['prepend', 'append', 'none']),
    )
    .option(
      '--max-prompt-length <n>',
      `drop rows whose exact prompt length is over n ${dflt(D.data.max_prompt_length)}`,
      flagParser('--max-prompt-length', 'data.max_prompt_length'),
    )
    .option(
      '--max-response-length <n>',
      `drop teacher responses over n tokens ${dflt(D.data.max_response_length)}`,
      flagParser('--max-response-length', 'data.max_response_length'),
    )
    .option('--no-filter-overlong', 'keep overlong prompts (they are still reported)')
    .option(
      '--min-pixels <n>',
      "the trainer's min pixels for the chosen pipeline",
      flagParser('--min-pixels', 'data.min_pixels'),
    )
    .option(
      '--max-pixels <n>',
      "the trainer's max pixels for the chosen pipeline",
      flagParser('--max-pixels', 'data.max_pixels'),
    )
    .option(
      '--max-input-pixels <n>',
      `drop larger input images (decompression bombs) ${dflt(D.max_input_pixels)}`,
      flagParser('--max-input-pixels', 'max_input_pixels'),
    )
    .option(
      '--image-timeout <seconds>',
      `drop an image that takes longer to decode and resize ${dflt(D.image_timeout)}`,
      flagParser('--image-timeout', 'image_timeout'),
    )
    .addOption(
      new Option('--image-format <fmt>', `encoding of converted images ${dflt(D.image_format)}`).choices([
        'keep',
        'png',
        'jpeg',
      ]),
    )
    .addOption(
      new Option(
        '--resize <when>',
        `resize images before writing: auto (only those over the trainer's first-step max_pixels), always, never ${dflt(D.resize)}`,
      ).choices(['auto', 'always', 'never']),
    )
    .option(
      '--allow-outside-paths',
      'read image paths that lead outside --image-dir / the data folder (absolute paths, symlinks)',
    )
    .option('--multi-image', 'keep rows with more than one image')
    .option('--require-image', 'drop rows without an image (no_image); default: text-only rows are kept')
    .option(
      '--no-passthrough',
      'verl: leave out the input columns and extra_info fields the build does not use (default: kept unchanged)',
    )
    .option('--no-dedupe', 'keep duplicate rows and test rows equal to train rows')
    .option(
      '--test-ratio <r>',
      'carve a test split from train by a seeded hash of the row id',
      flagParser('--test-ratio', 'test_ratio'),
    )
    .option('--seed <n>', `seed of the test split hash ${dflt(D.data.seed)}`, flagParser('--seed', 'data.seed'))
    .option('--shard-size <size>', `shard size, e.g. 2GB ${dflt(mb(D.shard_size))}`, (v) => {
      const n = parseByteSize(v);
      if (n === null) throw new GadError(`--shard-size: not a size: "${v}" (write e.g. 500MB)`, { exitCode: 2 });
      return n;
    })
    .option('--revision <rev>', 'hub dataset revision (branch, tag or commit)')
    .option('--offline', 'use the Hugging Face cache only (like HF_HUB_OFFLINE=1)')
    .option(
      '--concurrency <n>',
      'images processed at once (default: cores and libuv pool)',
      flagParser('--concurrency', 'concurrency'),
    )
    .option(
      '--max-drop-ratio <r>',
      `exit 1 when a larger share of rows is dropped ${dflt(D.max_drop_ratio)}`,
      flagParser('--max-drop-ratio', 'max_drop_ratio'),
    )
    .option('--resume', 'reuse finished shards of an interrupted build with the same inputs and settings')
    .option(
      '--partition <I/N>',
      "build only part I of N (rows by a hash of their id) into <out>.parts/I-of-N, for gad-data merge; also slurm, k8s/N (from the scheduler's environment); see docs/scale-out.md",
    )
    .option('--part-out <dir>', "with --partition: the part's folder (default <out>.parts/I-of-N)")
    .option('-q, --quiet', 'no progress, only errors')
    .option('--json', 'print a JSON summary on stdout (for scripts)');
}

async function runBuild(o: CliOptions): Promise<number> {
  const file = o.config
    ? readConfigFile(resolve(o.config))
    : existsSync('gad-data.yaml')
      ? readConfigFile(resolve('gad-data.yaml'))
      : null;
  const cfg = resolveConfig({ file, flags: buildFlagsToConfig(o) });
  const progress = createProgress({ quiet: o.quiet || o.json, color: useColor() && !!process.stderr.isTTY });
  if (cfg.embedded && !o.quiet && !o.json)
    progress.log('No data given: building the bundled sample dataset (fixtures/sample) with the qwen3-vl profile.');
  const ignored = ignoredDataKeys(cfg);
  if (ignored.length && !o.quiet && !o.json)
    progress.log(`note: data keys not used by gad-data, ignored: ${ignored.join(', ')}`);
  const { build } = await buildLib();
  const part = partitionRun(o, cfg);
  const result = await build(part?.cfg ?? cfg, {
    progress,
    resume: !!o.resume,
    rows: part?.hook,
    onWarning: (m) => (o.quiet && !o.json ? undefined : progress.log(`warning: ${m}`)),
  });
  if (part) {
    // A part's drop ratio is not the dataset's: only the merge decides the exit code.
    if (!o.quiet && !o.json) process.stdout.write(`${part.next}\n`);
    if (o.json)
      process.stdout.write(
        `${JSON.stringify({ out: result.outDir, part: part.hook.part, splits: result.splits }, null, 2)}\n`,
      );
    return 0;
  }
  return await printBuildResult(result, o);
}

/** The build's summary on stdout (also the merge's); returns the exit code. */
async function printBuildResult(result: BuildResult, o: CliOptions): Promise<number> {
  const { renderReportTerminal } = await reportLib();
  const cfg = result.config;
  const rel = (p: string) => {
    const r = resolve(p).replace(process.cwd() + '/', '');
    return r.startsWith('/') ? r : `./${r}`;
  };
  if (o.json) {
    process.stdout.write(
      `${JSON.stringify({ out: result.outDir, exitCode: result.exitCode, dropRatio: result.dropRatio, splits: result.splits, shards: result.manifest.shards, tokens: result.manifest.tokens, recommendation: result.report.recommendation }, null, 2)}\n`,
    );
  } else if (!o.quiet) {
    const out = rel(result.outDir);
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

export function createProgram(): Command {
  const program = new Command();
  program
    .name('gad-data')
    .description(
      'Prepare single-image VL datasets for GAD / GRPO training of Qwen2.5-VL and Qwen3-VL with verl and EasyR1.',
    )
    .version(VERSION)
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride();

  addBuildOptions(
    program
      .command('build')
      .description('ingest, format, validate and export a dataset (no arguments: the bundled sample)'),
  ).action(async (o) => {
    process.exitCode = await runBuild(o);
  });
  addMergeCommand(program, {
    progress: (o) => createProgress({ quiet: o.quiet || o.json, color: useColor() && !!process.stderr.isTTY }),
    print: printBuildResult,
  });
  addScaleOutCommand(program);

  program
    .command('init')
    .description('write a commented gad-data.yaml')
    .argument('[file]', 'where to write it', 'gad-data.yaml')
    .option('--force', 'overwrite an existing file')
    .action((file: string, o) => {
      if (existsSync(file) && !o.force)
        throw new GadError(`${file} exists already`, { hint: 'pass --force to overwrite it', exitCode: 2 });
      writeFileSync(file, EXAMPLE_CONFIG);
      process.stdout.write(`wrote ${file}; edit data.train_files and run: npx gad-data build --config ${file}\n`);
    });

  program
    .command('tokens')
    .description('exact prompt token counts from text and image sizes (no images needed)')
    .option('-m, --model <name|dir>', 'qwen3-vl | qwen2.5-vl | a model folder', 'qwen3-vl')
    .option('-f, --format-prompt <name|file>', 'math | r1v | none | path/to/prompt.jinja', 'none')
    .addOption(new Option('--pipeline <name>', 'resize pipeline').choices(PIPELINE_NAMES).default('processor'))
    .option('--jsonl <file>', 'input lines {"problem": ..., "image_sizes": [[w,h],...]} ("-" for stdin)')
    .option('--problem <text>', 'a single prompt')
    .option('--image <WxH>', 'image size for --problem (repeatable)', collect)
    .option('--ids', 'also print the text token ids')
    .option('--min-pixels <n>', "the pipeline's min pixels", flagParser('--min-pixels', 'data.min_pixels'))
    .option('--max-pixels <n>', "the pipeline's max pixels", flagParser('--max-pixels', 'data.max_pixels'))
    .action(async (o) => {
      const base = {
        model: o.model,
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
    });

  program
    .command('report')
    .description('the token-length report of a build folder, or of parquet files made by others')
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
    .action(async (paths: string[], o) => {
      const { statSync } = await import('node:fs');
      const isDir = paths.length === 1 && existsSync(paths[0]!) && statSync(paths[0]!).isDirectory();
      const { reportFromOutDir, reportFromFiles } = await validateLib();
      const { renderReportHtml, renderReportTerminal, writeReportFiles } = await reportLib();
      const report = isDir
        ? await reportFromOutDir(paths[0]!)
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
    });

  program
    .command('validate')
    .description('check parquet files against what verl / EasyR1 read (exit 0 clean, 1 violations, 2 unusable)')
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
    .action(async (files: string[], o) => {
      const { validateFiles } = await validateLib();
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
    });

  addRecipeCommands(program);

  program
    .command('train')
    .description(
      'launch verl / EasyR1 with settings derived from a build (swift-sft / swift-rm: ms-swift on a `gad-data export` folder)',
    )
    .addOption(
      new Option('--profile <profile>', 'launch profile')
        .choices(['verl-gad', 'verl-grpo', 'easyr1', ...SWIFT_PROFILES])
        .makeOptionMandatory(),
    )
    .option('--data <dir>', 'build output folder', 'gad-data-out')
    .option('--dry-run', 'print the command (and config) without running it')
    .option('--model-path <path>', 'generator / policy model (default $MODEL_PATH)')
    .option('--reward-model-path <path>', 'GAD discriminator (default $REWARD_MODEL_PATH)')
    .option(
      '--base-config <file>',
      "EasyR1 base config to fill (default: the build's EasyR1 --config, else EasyR1's example config)",
    )
    .option('-c, --config <file>', 'gad-data.yaml whose trainer: section overrides the profile')
    .option('--keep-filter-overlong', "keep the trainer's own overlong-prompt filter on")
    .option('--no-verify', 'skip the sha256 check of the shards')
    .option('--python <exe>', 'Python interpreter (default python3 or $PYTHON)')
    .option('--n-gpus <n>', 'GPUs per node', int('--n-gpus'))
    .option('--export-script <file>', 'write the launch as a bash script (seed-script shape) instead of launching')
    .argument('[overrides...]', 'trailing Hydra / EasyR1 overrides after --, which win')
    .action(async (overrides: string[], o) => {
      if (SWIFT_PROFILES.includes(o.profile)) {
        // The GAD recipe's warmup stages (src/train/swift.ts): --data is the `gad-data export` folder.
        if (o.exportScript || o.config) {
          throw new GadError(
            `${o.exportScript ? '--export-script' : '-c/--config'} is not supported with --profile ${o.profile}`,
            {
              hint: 'use --dry-run to see the swift command, and pass swift options after --',
              exitCode: 2,
            },
          );
        }
        const { runSwiftTraining } = await swiftLib();
        process.exitCode = await runSwiftTraining({
          profile: o.profile,
          data: o.data,
          dryRun: !!o.dryRun,
          python: o.python,
          modelPath: o.modelPath,
          noVerify: o.verify === false,
          overrides,
          nGpus: o.nGpus,
        });
        return;
      }
      const file = o.config ? readConfigFile(resolve(o.config)) : null;
      const configOverrides = (file?.raw.trainer ?? {}) as Record<string, unknown>;
      const opts = {
        profile: o.profile,
        data: resolve(o.data),
        dryRun: !!o.dryRun,
        python: o.python,
        modelPath: o.modelPath,
        rewardModelPath: o.rewardModelPath,
        baseConfig: o.baseConfig ? resolve(o.baseConfig) : undefined,
        keepFilterOverlong: !!o.keepFilterOverlong,
        noVerify: o.verify === false,
        overrides,
        configOverrides,
        nGpus: o.nGpus,
        exportScript: o.exportScript ? resolve(o.exportScript) : undefined,
      };
      const { runTraining } = await trainLib();
      process.exitCode = await runTraining(opts);
    });

  return program;
}

/** `--json` among the arguments (before a `--`): a failure is then also printed as JSON on stdout. */
function wantsJson(argv: string[]): boolean {
  const args = argv.slice(2);
  const end = args.indexOf('--');
  return (end === -1 ? args : args.slice(0, end)).includes('--json');
}

/** With --json, a failure as `{"error": {message, hint, exitCode}}` on stdout, so scripts always get JSON. */
function printJsonError(argv: string[], message: string, hint: string | undefined, exitCode: number): void {
  if (!wantsJson(argv)) return;
  process.stdout.write(`${JSON.stringify({ error: { message, hint: hint ?? null, exitCode } }, null, 2)}\n`);
}

export async function main(argv: string[] = process.argv): Promise<number> {
  const program = createProgram();
  try {
    await program.parseAsync(argv);
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (caught) {
    let e = caught;
    if (e instanceof CommanderError) {
      // commander printed its message already; help and version exit 0.
      const code =
        e.code === 'commander.helpDisplayed' || e.code === 'commander.version' || e.code === 'commander.help' ? 0 : 2;
      if (code !== 0) printJsonError(argv, e.message.replace(/^error: /, ''), 'run with --help for usage', code);
      process.exitCode = code;
      return code;
    }
    // A full disk or a missing permission is the machine's, not a bug: exit 2 with the path and the fix.
    if (!(e instanceof GadError) && environmentErrorCode(e)) {
      e = environmentError(e, {
        doing: 'gad-data stopped',
        where: (e as NodeJS.ErrnoException).path ?? process.cwd(),
        access: 'any',
      });
    }
    if (e instanceof GadError) {
      printJsonError(argv, e.message, e.hint, e.exitCode);
      process.stderr.write(`gad-data: ${e.message}\n${e.hint ? `  fix: ${e.hint}\n` : ''}`);
      if (process.env.GAD_DATA_DEBUG) process.stderr.write(`${e.stack}\n`);
      process.exitCode = e.exitCode;
      return e.exitCode;
    }
    printJsonError(
      argv,
      `unexpected error: ${describeError(e)}`,
      'this is a bug in gad-data; rerun with GAD_DATA_DEBUG=1 and report the stack trace',
      3,
    );
    process.stderr.write(
      `gad-data: unexpected error: ${describeError(e)}\n  this is a bug in gad-data; rerun with GAD_DATA_DEBUG=1 and report the stack trace\n`,
    );
    if (process.env.GAD_DATA_DEBUG) process.stderr.write(`${(e as Error)?.stack ?? ''}\n`);
    process.exitCode = 3;
    return 3;
  }
}
