/**
 * `gad-data train --profile swift-sft|swift-rm`: the GAD recipe's warmup stages with ms-swift
 * (`swift sft`, `swift rlhf --rlhf_type rm`), everything the data decides taken from the export's
 * export.json (written by `gad-data export sft|rm --format ms-swift`): the dataset files, `--max_length`,
 * the image pixel bounds (env MIN_PIXELS/MAX_PIXELS for Qwen2.5-VL, IMAGE_MIN_TOKEN_NUM/IMAGE_MAX_TOKEN_NUM
 * for Qwen3-VL, as ms-swift reads them), ROOT_IMAGE_DIR for the relative image paths. The command is
 * `python -m swift.cli.main sft|rlhf ...`, which is what the `swift` console script runs.
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { GadError, describeError } from '../core/errors.js';
import type { ExportManifest } from '../recipes/common.js';
import { shellQuote } from './hydra.js';
import { assertPreflight, formatPreflight, launch } from './run-training.js';
import { swiftPreflight } from './swift-preflight.js';
import { exportProfiles, trainerProfile } from './profiles/profile-table.js';
import type { SwiftOptions, SwiftPlan, SwiftProfile } from './swift-options.js';

/** The GAD seed script's training settings, as it writes them (the learning rate, per profile, goes between). */
const TRAINING_ARGS =
  '--tuner_type full --torch_dtype bfloat16 --freeze_vit true --num_train_epochs 1 --per_device_train_batch_size 1 ' +
  '--per_device_eval_batch_size 1 --gradient_accumulation_steps 8';
const SCHEDULE_ARGS =
  '--warmup_ratio 0.05 --save_steps 200 --eval_steps 200 --logging_steps 5 --dataloader_num_workers 4 --dataset_num_proc 4';
/** Keys whose value comes from the export. */
const DATA_KEYS = ['--dataset', '--val_dataset', '--max_length'];

/** Find and read export.json for the profile. */
export async function readExportManifest(
  dir: string,
  profile: SwiftProfile,
): Promise<{ dir: string; manifest: ExportManifest }> {
  let d = resolve(dir);
  const kind = trainerProfile(profile, 'export').kind;
  if (
    !existsSync(join(d, 'export.json')) &&
    existsSync(join(d, 'manifest.json')) &&
    existsSync(join(d, `${kind}-ms-swift`, 'export.json'))
  ) {
    d = join(d, `${kind}-ms-swift`);
  }
  const file = join(d, 'export.json');
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch {
    throw new GadError(`no export.json at ${d}`, {
      hint: `run \`gad-data export ${kind} --from BUILD --format ms-swift\` first and pass its folder as --data`,
    });
  }
  let m: ExportManifest;
  try {
    m = JSON.parse(text) as ExportManifest;
  } catch (e) {
    throw new GadError(`${file} is not valid JSON (${describeError(e)})`, { hint: `rerun gad-data export ${kind}` });
  }
  if (m?.format !== 'gad-data-export' || !m.files || !m.images?.settings)
    throw new GadError(`${file} was not written by gad-data export`, { hint: `rerun gad-data export ${kind}` });
  if (m.kind !== kind) {
    throw new GadError(`${file} is a ${m.kind} export but profile ${profile} trains on ${kind} data`, {
      hint: `use --profile ${exportProfiles().find((p) => p.kind === m.kind)?.name}, or pass the folder of \`gad-data export ${kind}\``,
    });
  }
  if (m.trainer !== 'ms-swift') {
    throw new GadError(`${file} is in ${m.trainer} format; profile ${profile} launches ms-swift`, {
      hint: `export with --format ms-swift (LLaMA-Factory exports are launched with llamafactory-cli, see docs/gad-recipe.md)`,
    });
  }
  return { dir: d, manifest: m };
}

/** Parse trailing `--key v1 v2 --flag --k=v` arguments into key → values. */
export function parseSwiftArgs(words: string[]): Array<[string, string[]]> {
  const out: Array<[string, string[]]> = [];
  for (const w of words) {
    if (w.startsWith('--')) {
      const eq = w.indexOf('=');
      out.push(eq > 0 ? [w.slice(0, eq), [w.slice(eq + 1)]] : [w, []]);
    } else if (out.length) {
      out[out.length - 1]![1].push(w);
    } else {
      throw new GadError(`trailing argument "${w}" is not an ms-swift option`, {
        hint: 'pass ms-swift options after --, e.g. -- --learning_rate 2e-5 --num_train_epochs 2',
      });
    }
  }
  return out;
}

export async function planSwift(o: SwiftOptions): Promise<SwiftPlan> {
  const launch = trainerProfile(o.profile, 'export').swift;
  const { dir, manifest: x } = await readExportManifest(o.data, o.profile);
  const base = o.env ?? process.env;
  const python = o.python ?? base.PYTHON ?? 'python3';
  const model = o.modelPath ?? base.MODEL_PATH ?? '';
  const notes: string[] = [];
  const file = (split: string | null) => (split && x.files[split] ? resolve(dir, x.files[split].file) : null);
  const train = file(x.trainSplit);
  if (!train) throw new GadError(`${join(dir, 'export.json')} lists no train file`, { hint: 'rerun gad-data export' });
  const val = file(x.valSplit);
  const args: Array<[string, string[]]> = [];
  if (launch.rlhfType) args.push(['--rlhf_type', [launch.rlhfType]]);
  args.push(['--model', [model]], ['--dataset', [train]]);
  if (val) args.push(['--val_dataset', [val]]);
  else notes.push('the export has no validation split: ms-swift trains without evaluation');
  args.push(
    ['--split_dataset_ratio', ['0']],
    ['--max_length', [String(x.maxLength)]],
    // Every row fits --max_length (the export counted them); should a count ever disagree, the row is left out, never cut.
    ['--truncation_strategy', ['delete']],
    ...parseSwiftArgs(TRAINING_ARGS.split(' ')),
    ['--learning_rate', [launch.learningRate]],
    ...parseSwiftArgs(SCHEDULE_ARGS.split(' ')),
    // Where ms-swift writes (it adds `v<N>-<timestamp>/checkpoint-<step>` below), as in the GAD seed script.
    ['--output_dir', [launch.outputDir]],
  );
  for (const [k, v] of parseSwiftArgs(o.overrides ?? [])) {
    const i = args.findIndex(([a]) => a === k);
    if (DATA_KEYS.includes(k)) notes.push(`${k} ${v.join(' ')} given after -- replaces the export's value`);
    if (i >= 0) args[i] = [k, v];
    else args.push([k, v]);
  }
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(x.images.settings.env)) {
    if (base[k] !== undefined && base[k] !== v)
      notes.push(
        `${k}=${base[k]} in your environment is replaced by ${v} (the export's images and token counts are made for it)`,
      );
    env[k] = v;
  }
  env.ROOT_IMAGE_DIR = dir;
  const n = o.nGpus ?? (base.NPROC_PER_NODE ? Number(base.NPROC_PER_NODE) : 2);
  env.NPROC_PER_NODE = String(n);
  const sub = launch.subcommand;
  const words = args.flatMap(([k, v]) => [k, ...v]);
  const get = (k: string) => args.find(([a]) => a === k)?.[1][0] ?? '';
  return {
    command: [python, '-m', 'swift.cli.main', sub, ...words],
    env,
    cwd: resolve(o.cwd ?? process.cwd()),
    outDir: dir,
    logFile: join(dir, 'train.log'),
    models: { generator: get('--model') },
    nGpusPerNode: n,
    notes,
    exportDir: dir,
    exportManifest: x,
    args,
  };
}

/** The command shell-quoted, one `--key value` a line, then notes. */
export function formatSwiftDryRun(p: SwiftPlan): string {
  const lines = [
    ...Object.entries(p.env).map(([k, v]) => `${k}=${shellQuote(v)}`),
    p.command.slice(0, 4).map(shellQuote).join(' '),
    ...p.args.map(([k, v]) => `  ${[k, ...v].map(shellQuote).join(' ')}`),
  ];
  let out = `# cd ${shellQuote(p.cwd)}\n${lines.map((l, i) => (i < lines.length - 1 ? `${l} \\` : l)).join('\n')}\n`;
  for (const n of p.notes) out += `# note: ${n}\n`;
  return out;
}

/** Plan, check and launch ms-swift (or print the plan with --dry-run); resolves with the trainer's exit code. */
export async function runSwiftTraining(o: SwiftOptions): Promise<number> {
  const stdout = o.stdout ?? process.stdout;
  const p = await planSwift(o);
  if (o.dryRun) {
    // Pre-flight first: the ms-swift version it finds decides an option name.
    const checks = await swiftPreflight(p, o);
    stdout.write(formatSwiftDryRun(p));
    stdout.write(`\n# pre-flight:\n${formatPreflight(checks).replace(/^/gm, '#   ')}\n`);
    return 0;
  }
  assertPreflight(await swiftPreflight(p, o));
  return launch(p, { env: o.env }, stdout, o.stderr ?? process.stderr);
}
