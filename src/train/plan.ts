/**
 * `gad-data train` for the verl and EasyR1 profiles: the build's manifest turned into the trainer's command line
 * (each profile's planner: plan-verl.ts, plan-easyr1.ts), and the plan as `--dry-run` prints it.
 */
import { join, resolve } from 'node:path';
import { GadError } from '../core/errors.js';
import { type Override, parseOverride, shellQuote } from './hydra.js';
import { type LaunchPlan, type TrainOptions, TRAIN_PROFILES, TRAINER_ENV_DEFAULTS } from './launch-plan.js';
import { pickSplits, readBuildManifest, shardsOf } from './manifest.js';
import { planEasyR1 } from './plan-easyr1.js';
import { planVerl } from './plan-verl.js';

/**
 * Read the build's manifest and turn it into the trainer's command line (and, for EasyR1, its config
 * file). Reads files but writes nothing and starts no process.
 */
export async function planTraining(opts: TrainOptions): Promise<LaunchPlan> {
  if (!TRAIN_PROFILES.includes(opts.profile)) {
    throw new GadError(`unknown training profile "${opts.profile}"`, {
      hint: `use one of: ${TRAIN_PROFILES.join(', ')}`,
    });
  }
  const outDir = resolve(opts.data);
  const manifest = await readBuildManifest(outDir);
  const baseEnv = opts.env ?? process.env;
  const python = opts.python ?? baseEnv.PYTHON ?? 'python3';
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(TRAINER_ENV_DEFAULTS)) env[k] = baseEnv[k] ?? v;
  const cwd = resolve(opts.cwd ?? process.cwd());
  const notes: string[] = [];
  let trailing: Override[];
  try {
    trailing = (opts.overrides ?? []).map(parseOverride);
  } catch (e) {
    throw new GadError((e as Error).message, { hint: 'trailing arguments after `--` are key=value trainer overrides' });
  }
  const generator = opts.modelPath ?? baseEnv.MODEL_PATH ?? '';
  const discriminator = opts.rewardModelPath ?? baseEnv.REWARD_MODEL_PATH ?? '';
  const { train, val } = pickSplits(manifest);
  const trainShards = shardsOf(manifest, train);
  let valShards = val ? shardsOf(manifest, val) : [];
  if (!val) {
    notes.push('the build has no validation split: validating on the train split (override data.val_files to change)');
    valShards = trainShards;
  }
  // The build's config may hold a `trainer:` section; it is applied from `-c FILE` only (its meaning depends on
  // the file: Hydra keys in gad-data.yaml, EasyR1's own section in an EasyR1 config), so say so rather than drop it.
  const recorded = (manifest.config as { trainer?: unknown }).trainer;
  const given = opts.configOverrides && Object.keys(opts.configOverrides).length > 0;
  if (!given && recorded && typeof recorded === 'object' && Object.keys(recorded).length > 0) {
    notes.push(
      `the build's config has a trainer: section (${Object.keys(recorded).join(', ')}); it is not applied: pass -c with that config file to apply it`,
    );
  }
  const plan: LaunchPlan = {
    command: [],
    env,
    cwd,
    profile: opts.profile,
    outDir,
    manifest,
    logFile: join(outDir, 'train.log'),
    notes,
  };

  if (opts.profile === 'easyr1') {
    await planEasyR1(plan, opts, { manifest, outDir, python, generator, trainShards, valShards, val, trailing });
  } else {
    planVerl(plan, opts, { manifest, outDir, python, generator, discriminator, trainShards, valShards, trailing });
  }
  return plan;
}

/** The command shell-quoted, one argument per line with `\` continuations, then the config file(s). */
export function formatDryRun(plan: LaunchPlan): string {
  const lead = plan.command[1] === '-m' ? 3 : 1;
  const words = [
    ...Object.entries(plan.env).map(([k, v]) => `${k}=${shellQuote(v)}`),
    plan.command.slice(0, lead).map(shellQuote).join(' '),
    ...plan.command.slice(lead).map(shellQuote),
  ];
  const lines = words.map((w, j) => (j === 0 ? '' : '  ') + w + (j < words.length - 1 ? ' \\' : ''));
  let out = `# cd ${shellQuote(plan.cwd)}\n` + lines.join('\n') + '\n';
  for (const f of plan.files ?? []) out += `\n# ${f.path}\n${f.text}${f.text.endsWith('\n') ? '' : '\n'}`;
  if (plan.configFile)
    out += `\n# ${plan.configFile.path}\n${plan.configFile.text}${plan.configFile.text.endsWith('\n') ? '' : '\n'}`;
  for (const n of plan.notes) out += `# note: ${n}\n`;
  return out;
}
