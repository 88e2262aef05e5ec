/**
 * `gad-data train` for the verl and EasyR1 profiles: the build's manifest turned into the trainer's command line
 * (each profile's planner: plan-verl.ts, plan-easyr1.ts), and the plan as `--dry-run` prints it.
 */
import { join, resolve } from 'node:path';
import { GadError } from '../core/errors.js';
import { commentText } from '../core/quote/shell.js';
import { type Override, parseOverride, shellQuote } from './hydra.js';
import { buildModelOf } from './build-model.js';
import { isEasyR1Config, isPlainObject } from './easyr1-sections.js';
import { type LaunchPlan, type TrainOptions, TRAINER_ENV_DEFAULTS } from './launch-plan.js';
import { pickSplits, readBuildManifest, shardsOf } from './read-manifest.js';
import { trainerProfile } from './profiles/profile-table.js';
import { errorMessage } from '../core/guards.js';

/**
 * Read the build's manifest and turn it into the trainer's command line (and, for EasyR1, its config
 * file). Reads files but writes nothing and starts no process.
 */
export async function planTraining(opts: TrainOptions): Promise<LaunchPlan> {
  const profile = trainerProfile(opts.profile, 'build');
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
    throw new GadError(errorMessage(e), { hint: 'trailing arguments after `--` are key=value trainer overrides' });
  }
  // The model: the one the user names (--model-path, $MODEL_PATH; an override after -- wins over both), else the
  // build's own, so the launch trains the model the rows were counted for.
  const built = buildModelOf(manifest, cwd);
  const named = opts.modelPath || baseEnv.MODEL_PATH || '';
  const generator = named || built.model || '';
  if (!named && built.model)
    notes.push(`model: ${built.model}, ${built.why}; --model-path or MODEL_PATH names another`);
  const discriminator = opts.rewardModelPath ?? baseEnv.REWARD_MODEL_PATH ?? '';
  const { train, val } = pickSplits(manifest);
  const trainShards = shardsOf(manifest, train);
  let valShards = val ? shardsOf(manifest, val) : [];
  if (!val) {
    notes.push('the build has no validation split: validating on the train split (override data.val_files to change)');
    valShards = trainShards;
  }
  // A gad-data.yaml the build was made from may hold a `trainer:` section (overrides for this command); it is
  // applied from `-c FILE` only, so say so rather than drop it. An EasyR1 config's `trainer:` is EasyR1's own
  // section: profile easyr1 takes it with the rest of that config as the base (plan-easyr1.ts).
  const recorded = manifest.config;
  const given = opts.configOverrides && Object.keys(opts.configOverrides).length > 0;
  const t = recorded.trainer;
  if (!given && !isEasyR1Config(recorded) && isPlainObject(t) && Object.keys(t).length > 0) {
    notes.push(
      `the build's gad-data.yaml has a trainer: section (${Object.keys(t).join(', ')}); it is not applied: pass -c with that gad-data.yaml to apply it`,
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

  await profile.plan(plan, opts, {
    manifest,
    outDir,
    python,
    generator,
    buildModel: built.model ?? '',
    discriminator,
    trainShards,
    valShards,
    val,
    trailing,
  });
  if (plan.models && !plan.models.generator && !built.model) plan.models.noModelWhy = built.why;
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
  let out = `# cd ${commentText(shellQuote(plan.cwd))}\n` + lines.join('\n') + '\n';
  for (const f of plan.files ?? []) out += `\n# ${commentText(f.path)}\n${f.text}${f.text.endsWith('\n') ? '' : '\n'}`;
  if (plan.configFile)
    out += `\n# ${commentText(plan.configFile.path)}\n${plan.configFile.text}${plan.configFile.text.endsWith('\n') ? '' : '\n'}`;
  for (const n of plan.notes) out += `# note: ${commentText(n)}\n`;
  return out;
}
