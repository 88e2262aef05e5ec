/**
 * The `gad-data` command: a thin shell over the library API. Parses flags, prints results, maps errors to
 * exit codes (0 ok; 1 data problems: more drops than --max-drop-ratio, validate violations; 2 usage, config
 * or unusable input; 3 an internal error). Errors are printed as one clear message with a hint, never a stack trace
 * (GAD_DATA_DEBUG=1 shows it).
 */
import { existsSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { Command, CommanderError, Option } from 'commander';
import { GadError, describeError } from './core/errors.js';
import { createProgress } from './core/progress.js';
import { EXAMPLE_CONFIG, parseByteSize, readConfigFile, resolveConfig, ignoredDataKeys } from './config.js';
import { build } from './build.js';
import { VERSION } from './version.js';
import { runTokensCommand, countOne, parseSize } from './format/tokens-command.js';
import { reportFromOutDir, reportFromFiles, renderReportTerminal, validateFiles } from './validate/index.js';
import { runTraining } from './train/index.js';

const useColor = () => !!process.stdout.isTTY && !process.env.NO_COLOR && process.env.TERM !== 'dumb';

const int = (name: string) => (v: string) => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0) throw new GadError(`${name} takes a whole number (0 or more), got "${v}"`, { exitCode: 2 });
  return n;
};
const num = (name: string) => (v: string) => {
  const n = Number(v);
  if (!Number.isFinite(n)) throw new GadError(`${name} takes a number, got "${v}"`, { exitCode: 2 });
  return n;
};
const collect = (v: string, prev: string[] = []) => [...prev, v];

/** Flags of `build` → a config layer (same keys as gad-data.yaml). */
function buildFlagsToConfig(o: Record<string, any>): Record<string, unknown> {
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
  set(cfg, 'max_input_pixels', o.maxInputPixels);
  set(cfg, 'image_timeout', o.imageTimeout);
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
  return cmd
    .option('-c, --config <file>', 'gad-data.yaml or an EasyR1 config (its data: section is read as is)')
    .option('--train <spec>', 'training data (repeatable): owner/name@split, file.parquet, dir, *.parquet, .jsonl', collect)
    .option('--val <spec>', 'test/validation data (repeatable)', collect)
    .option('-m, --model <name|dir>', 'qwen3-vl | qwen2.5-vl | a model folder or checkpoint')
    .addOption(new Option('--target <target>', 'output schema').choices(['verl', 'easyr1']))
    .addOption(new Option('--pipeline <name>', 'resize pipeline the trainer runs (default: qwen-vl-utils for verl, easyr1 for easyr1)').choices(['processor', 'easyr1', 'qwen-vl-utils']))
    .option('-f, --format-prompt <name|file>', 'math | r1v | none | path/to/prompt.jinja (default math; a verl message-list prompt gets none unless given)')
    .option('-o, --out <dir>', 'output folder (default gad-data-out)')
    .option('--teacher <file>', 'GAD teacher responses (jsonl/parquet), joined on --id-key')
    .option('--teacher-key <col>', 'response field in the teacher file (default response / teacher_response)')
    .option('--teacher-id-key <col>', 'id field in the teacher file (default: --id-key)')
    .option('--teacher-column <col>', 'take teacher responses from this column of the source instead')
    .addOption(new Option('--teacher-ending <policy>', 'trailing <|im_end|> of teacher responses').choices(['keep', 'strip', 'append']))
    .option('--prompt-key <col>', 'prompt column (EasyR1 prompt_key)')
    .option('--answer-key <col>', 'answer column')
    .option('--image-key <col>', 'image column')
    .option('--image-dir <dir>', 'folder relative image paths are resolved against')
    .option('--image-bytes-key <col>', 'a separate list<binary> column holding the image bytes')
    .option('--id-key <col>', 'row id column, or a nested field such as extra_info.index')
    .option('--license <id>', 'licence of the data for the dataset card (e.g. apache-2.0)')
    .option('--data-source <name>', 'data_source written on every row (verl picks the reward function by it)')
    .addOption(new Option('--image-placement <where>', 'where <image> goes when the text has none').choices(['prepend', 'append', 'none']))
    .option('--max-prompt-length <n>', 'drop rows whose exact prompt length is over n', int('--max-prompt-length'))
    .option('--max-response-length <n>', 'drop teacher responses over n tokens', int('--max-response-length'))
    .option('--no-filter-overlong', 'keep overlong prompts (they are still reported)')
    .option('--min-pixels <n>', "the trainer's min pixels for the chosen pipeline", int('--min-pixels'))
    .option('--max-pixels <n>', "the trainer's max pixels for the chosen pipeline", int('--max-pixels'))
    .option('--max-input-pixels <n>', 'drop larger input images (decompression bombs)', int('--max-input-pixels'))
    .option('--image-timeout <seconds>', 'drop an image that takes longer to decode and resize (default 60)', num('--image-timeout'))
    .addOption(new Option('--image-format <fmt>', 'encoding of written images').choices(['keep', 'png', 'jpeg']))
    .option('--multi-image', 'keep rows with more than one image')
    .option('--require-image', 'drop rows without an image (no_image); default: text-only rows are kept')
    .option('--no-passthrough', 'verl: leave out the input columns and extra_info fields the build does not use (default: kept unchanged)')
    .option('--no-dedupe', 'keep duplicate rows and test rows equal to train rows')
    .option('--test-ratio <r>', 'carve a test split from train by a seeded hash of the row id', num('--test-ratio'))
    .option('--seed <n>', 'seed of the test split hash', int('--seed'))
    .option('--shard-size <size>', 'shard size, e.g. 500MB', (v) => {
      const n = parseByteSize(v);
      if (n === null) throw new GadError(`--shard-size: not a size: "${v}" (write e.g. 500MB)`, { exitCode: 2 });
      return n;
    })
    .option('--revision <rev>', 'hub dataset revision (branch, tag or commit)')
    .option('--offline', 'use the Hugging Face cache only (like HF_HUB_OFFLINE=1)')
    .option('--concurrency <n>', 'images processed at once (default: cores and libuv pool)', int('--concurrency'))
    .option('--max-drop-ratio <r>', 'exit 1 when a larger share of rows is dropped (default 0.5)', num('--max-drop-ratio'))
    .option('--resume', 'reuse finished shards of an interrupted build with the same inputs and settings')
    .option('-q, --quiet', 'no progress, only errors')
    .option('--json', 'print a JSON summary on stdout (for scripts)');
}

async function runBuild(o: Record<string, any>): Promise<number> {
  const file = o.config ? readConfigFile(resolve(o.config)) : existsSync('gad-data.yaml') ? readConfigFile(resolve('gad-data.yaml')) : null;
  const cfg = resolveConfig({ file, flags: buildFlagsToConfig(o) });
  const progress = createProgress({ quiet: o.quiet || o.json, color: useColor() && !!process.stderr.isTTY });
  if (cfg.embedded && !o.quiet && !o.json) progress.log('No data given: building the bundled sample dataset (fixtures/sample) with the qwen3-vl profile.');
  const ignored = ignoredDataKeys(cfg);
  if (ignored.length && !o.quiet && !o.json) progress.log(`note: data keys not used by gad-data, ignored: ${ignored.join(', ')}`);
  const result = await build(cfg, { progress, resume: !!o.resume, onWarning: (m) => (o.quiet && !o.json ? undefined : progress.log(`warning: ${m}`)) });
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
      `  npx gad-data train --profile ${result.manifest.kind === 'gad' ? 'verl-gad' : result.manifest.target === 'easyr1' ? 'easyr1' : 'verl-grpo'} --data ${out} --dry-run`,
    ];
    if (result.exitCode === 1) lines.push('', `exit 1: ${(result.dropRatio * 100).toFixed(1)}% of rows were dropped, more than --max-drop-ratio ${cfg.max_drop_ratio} allows (see dropped.jsonl)`);
    process.stdout.write(`${lines.join('\n')}\n`);
  }
  return result.exitCode;
}

export function createProgram(): Command {
  const program = new Command();
  program
    .name('gad-data')
    .description('Prepare single-image VL datasets for GAD / GRPO training of Qwen2.5-VL and Qwen3-VL with verl and EasyR1.')
    .version(VERSION)
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride();

  addBuildOptions(program.command('build').description('ingest, format, validate and export a dataset (no arguments: the bundled sample)')).action(async (o) => {
    process.exitCode = await runBuild(o);
  });

  program
    .command('init')
    .description('write a commented gad-data.yaml')
    .argument('[file]', 'where to write it', 'gad-data.yaml')
    .option('--force', 'overwrite an existing file')
    .action((file: string, o) => {
      if (existsSync(file) && !o.force) throw new GadError(`${file} exists already`, { hint: 'pass --force to overwrite it', exitCode: 2 });
      writeFileSync(file, EXAMPLE_CONFIG);
      process.stdout.write(`wrote ${file}; edit data.train_files and run: npx gad-data build --config ${file}\n`);
    });

  program
    .command('tokens')
    .description('exact prompt token counts from text and image sizes (no images needed)')
    .option('-m, --model <name|dir>', 'qwen3-vl | qwen2.5-vl | a model folder', 'qwen3-vl')
    .option('-f, --format-prompt <name|file>', 'math | r1v | none | path/to/prompt.jinja', 'none')
    .addOption(new Option('--pipeline <name>', 'resize pipeline').choices(['processor', 'easyr1', 'qwen-vl-utils']).default('processor'))
    .option('--jsonl <file>', 'input lines {"problem": ..., "image_sizes": [[w,h],...]} ("-" for stdin)')
    .option('--problem <text>', 'a single prompt')
    .option('--image <WxH>', 'image size for --problem (repeatable)', collect)
    .option('--ids', 'also print the text token ids')
    .option('--min-pixels <n>', "the pipeline's min pixels", int('--min-pixels'))
    .option('--max-pixels <n>', "the pipeline's max pixels", int('--max-pixels'))
    .action(async (o) => {
      const base = { model: o.model, formatPrompt: o.formatPrompt, pipeline: o.pipeline, ids: !!o.ids, minPixels: o.minPixels, maxPixels: o.maxPixels };
      if (o.problem !== undefined) {
        const images = ((o.image as string[] | undefined) ?? []).map((s) => parseSize(s));
        process.stdout.write(`${JSON.stringify(await countOne({ ...base, problem: o.problem, images }))}\n`);
        return;
      }
      if (!o.jsonl) throw new GadError('give --jsonl FILE (or - for stdin), or --problem TEXT [--image WxH]', { exitCode: 2 });
      const { createReadStream } = await import('node:fs');
      if (o.jsonl !== '-' && !existsSync(o.jsonl)) throw new GadError(`file not found: ${o.jsonl}`, { exitCode: 2 });
      const input = o.jsonl === '-' ? process.stdin : createReadStream(o.jsonl);
      const r = await runTokensCommand(base, input, process.stdout);
      if (r.errors) process.stderr.write(`${r.errors} of ${r.lines} line(s) had an error (see their "error" field)\n`);
    });

  program
    .command('report')
    .description('the token-length report of a build folder, or of parquet files made by others')
    .argument('<paths...>', 'a build output folder, or parquet files')
    .option('-m, --model <name|dir>', 'model to count with (files only)', 'qwen3-vl')
    .addOption(new Option('--target <target>', 'schema of the files').choices(['verl', 'easyr1']))
    .option('-f, --format-prompt <name|file>', 'format prompt EasyR1 applies to a text prompt column (files only; default math, as build)')
    .addOption(new Option('--pipeline <name>', 'resize pipeline').choices(['processor', 'easyr1', 'qwen-vl-utils']))
    .option('--prompt-key <col>', 'prompt column (files only)')
    .option('--image-key <col>', 'image column (files only)')
    .option('--max-prompt-length <n>', 'the configured limit to show (files only)', int('--max-prompt-length'))
    .option('--json', 'print report.json instead of the table')
    .action(async (paths: string[], o) => {
      const { statSync } = await import('node:fs');
      const isDir = paths.length === 1 && existsSync(paths[0]!) && statSync(paths[0]!).isDirectory();
      const report = isDir
        ? await reportFromOutDir(paths[0]!)
        : await reportFromFiles(paths, { model: o.model, target: o.target, formatPrompt: o.formatPrompt, pipeline: o.pipeline, promptKey: o.promptKey, imageKey: o.imageKey, maxPromptLength: o.maxPromptLength });
      process.stdout.write(o.json ? `${JSON.stringify(report, null, 2)}\n` : `${renderReportTerminal(report, { color: useColor() })}\n`);
    });

  program
    .command('validate')
    .description('check parquet files against what verl / EasyR1 read (exit 0 clean, 1 violations, 2 unusable)')
    .argument('<files...>', 'parquet files')
    .addOption(new Option('--target <target>', 'trainer schema').choices(['verl', 'easyr1']).default('verl'))
    .option('-m, --model <name|dir>', 'count prompt tokens with this model')
    .option('--max-prompt-length <n>', 'token limit to check (needs --model)', int('--max-prompt-length'))
    .option('--max-response-length <n>', 'teacher response limit to check (needs --model)', int('--max-response-length'))
    .option('--prompt-key <col>', 'prompt column')
    .option('--answer-key <col>', 'answer column (easyr1)')
    .option('--image-key <col>', 'image column')
    .option('-f, --format-prompt <name|file>', 'format prompt the trainer applies (easyr1; default math, as build)')
    .addOption(new Option('--pipeline <name>', 'resize pipeline the trainer runs (default, as build: qwen-vl-utils for verl, easyr1 for easyr1)').choices(['processor', 'easyr1', 'qwen-vl-utils']))
    .option('--require-image', 'a row without an image is a violation (default: text-only rows are counted)')
    .option('--json', 'print the summary as JSON')
    .action(async (files: string[], o) => {
      const r = await validateFiles(files, {
        target: o.target,
        model: o.model,
        maxPromptLength: o.maxPromptLength,
        maxResponseLength: o.maxResponseLength,
        promptKey: o.promptKey,
        answerKey: o.answerKey,
        imageKey: o.imageKey,
        formatPrompt: o.formatPrompt,
        pipeline: o.pipeline,
        requireImage: !!o.requireImage,
      });
      process.stdout.write(o.json ? `${JSON.stringify({ exitCode: r.exitCode, summary: r.summary, violations: r.violations }, null, 2)}\n` : `${r.text}\n`);
      process.exitCode = r.exitCode;
    });

  program
    .command('train')
    .description('launch verl / EasyR1 with settings derived from a build')
    .addOption(new Option('--profile <profile>', 'launch profile').choices(['verl-gad', 'verl-grpo', 'easyr1']).makeOptionMandatory())
    .option('--data <dir>', 'build output folder', 'gad-data-out')
    .option('--dry-run', 'print the command (and config) without running it')
    .option('--model-path <path>', 'generator / policy model (default $MODEL_PATH)')
    .option('--reward-model-path <path>', 'GAD discriminator (default $REWARD_MODEL_PATH)')
    .option('--base-config <file>', 'EasyR1 base config to fill (default: EasyR1 defaults)')
    .option('-c, --config <file>', 'gad-data.yaml whose trainer: section overrides the profile')
    .option('--keep-filter-overlong', "keep the trainer's own overlong-prompt filter on")
    .option('--no-verify', 'skip the sha256 check of the shards')
    .option('--python <exe>', 'Python interpreter (default python3 or $PYTHON)')
    .option('--n-gpus <n>', 'GPUs per node', int('--n-gpus'))
    .argument('[overrides...]', 'trailing Hydra / EasyR1 overrides after --, which win')
    .action(async (overrides: string[], o) => {
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
      };
      process.exitCode = await runTraining(opts);
    });

  return program;
}

export async function main(argv: string[] = process.argv): Promise<number> {
  const program = createProgram();
  try {
    await program.parseAsync(argv);
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (e) {
    if (e instanceof CommanderError) {
      // commander printed its message already; help and version exit 0.
      const code = e.code === 'commander.helpDisplayed' || e.code === 'commander.version' || e.code === 'commander.help' ? 0 : 2;
      process.exitCode = code;
      return code;
    }
    if (e instanceof GadError) {
      process.stderr.write(`gad-data: ${e.message}\n${e.hint ? `  fix: ${e.hint}\n` : ''}`);
      if (process.env.GAD_DATA_DEBUG) process.stderr.write(`${e.stack}\n`);
      process.exitCode = e.exitCode;
      return e.exitCode;
    }
    process.stderr.write(`gad-data: unexpected error: ${describeError(e)}\n  this is a bug in gad-data; rerun with GAD_DATA_DEBUG=1 and report the stack trace\n`);
    if (process.env.GAD_DATA_DEBUG) process.stderr.write(`${(e as Error)?.stack ?? ''}\n`);
    process.exitCode = 3;
    return 3;
  }
}
