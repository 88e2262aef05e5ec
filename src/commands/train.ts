/**
 * `gad-data train`: launch verl / EasyR1 with settings derived from a build (src/train/), or ms-swift for the
 * GAD recipe's warmup stages on a `gad-data export` folder (src/train/swift.ts).
 */
import { resolve } from 'node:path';
import { type Command, Option } from 'commander';
import { readConfigFile } from '../config/config.js';
import { numberFlag } from '../config/values.js';
import { GadError } from '../core/errors.js';
import { TRAINER_PROFILE_NAMES, trainerProfile } from '../train/profiles/profile-table.js';
import type { CliOptions } from './options.js';
import { commandSummary } from './command-lines.js';

const swiftLib = () => import('../train/swift.js');

export function addTrainCommand(program: Command): void {
  program
    .command('train')
    .description(commandSummary('train'))
    .addOption(
      new Option('--profile <profile>', 'launch profile').choices([...TRAINER_PROFILE_NAMES]).makeOptionMandatory(),
    )
    .option('--data <dir>', 'build output folder', 'gad-data-out')
    .option('--dry-run', 'print the command (and config) without running it')
    .option('--model-path <path>', 'generator / policy model (default $MODEL_PATH)')
    .option('--reward-model-path <path>', 'GAD discriminator (default $REWARD_MODEL_PATH)')
    .option(
      '--base-config <file>',
      "EasyR1 base config to fill (default: the build's EasyR1 --config, else EasyR1's example config)",
    )
    .option(
      '-c, --config <file>',
      'gad-data.yaml whose trainer: section overrides the profile, or (easyr1) an EasyR1 config merged over the base config',
    )
    .option('--keep-filter-overlong', "keep the trainer's own overlong-prompt filter on")
    .option('--no-verify', 'skip the sha256 check of the shards')
    .option('--python <exe>', 'Python interpreter (default python3 or $PYTHON)')
    .option('--n-gpus <n>', 'GPUs per node', numberFlag('--n-gpus', 0))
    .option('--export-script <file>', 'write the launch as a bash script (seed-script shape) instead of launching')
    .argument(
      '[overrides...]',
      "trailing Hydra / EasyR1 overrides, which win; easyr1: EasyR1's command line, config=FILE key.path=value ...",
    )
    .action(runTrain);
}

async function runTrain(overrides: string[], o: CliOptions): Promise<void> {
  if (trainerProfile(o.profile).input === 'export') {
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
  const { runTraining } = await import('../train/run-training.js');
  const { trainConfigLayer } = await import('../train/easyr1-sections.js');
  const file = o.config ? readConfigFile(resolve(o.config)) : null;
  const layer = file ? trainConfigLayer(file.raw, o.profile, o.config) : {};
  // EasyR1's command line: config=FILE is the -c layer, the key=value pairs stay EasyR1's overrides (merged last)
  const easyr1 =
    o.profile === 'easyr1'
      ? (await import('../train/easyr1-dotlist.js')).easyr1CommandLine({ overrides, cFlag: o.config })
      : null;
  if (easyr1?.easyr1Config) layer.easyr1Config = easyr1.easyr1Config;
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
    overrides: easyr1 ? easyr1.overrides : overrides,
    ...layer,
    nGpus: o.nGpus,
    exportScript: o.exportScript ? resolve(o.exportScript) : undefined,
  };
  process.exitCode = await runTraining(opts);
}
