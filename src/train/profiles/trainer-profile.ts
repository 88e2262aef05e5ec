/**
 * What a trainer profile is (one entry of TRAINER_PROFILES, profiles/profile-table.ts): what `--data` it reads, the build
 * it needs, its planner, its own pre-flight checks, the Python package the pre-flight imports, and its docs page.
 */
import type { Manifest } from '../../core/types.js';
import type { LaunchPlan, PlanContext, PreflightCheck, TrainOptions } from '../launch-plan.js';

/** What planTraining hands every build profile's planner. */
export type ProfilePlanContext = PlanContext & { val: string | null; discriminator: string };

interface ProfileBase {
  name: string;
  /** The docs page (and section) that describes the profile. */
  docs: string;
  /** The Python package the pre-flight imports in the trainer's interpreter, and how to install it. */
  probe: { module: string; install: string };
}

/** A profile launching verl or EasyR1 on a build folder (`--data` holds manifest.json). */
export interface BuildProfile extends ProfileBase {
  input: 'build';
  /** The build target whose rows the trainer reads (a build made for another target is a pre-flight failure). */
  target: 'verl' | 'easyr1';
  /** The launched model's role in the model check. */
  role: 'generator' | 'policy';
  /** The setting holding the rows of one step (named by the batch-size check). */
  batchKey: string;
  /** Fill `plan` (command, env, files, models, paths) from the build. */
  plan: (plan: LaunchPlan, opts: TrainOptions, ctx: ProfilePlanContext) => Promise<void>;
  /** What the build must be beyond its target: a problem for the `build` check, or null. */
  buildProblem?: (m: Manifest) => string | null;
  /** The profile's own checks (rewards, teacher), run after the image-settings check. */
  checks?: (plan: LaunchPlan, m: Manifest) => Promise<PreflightCheck[]>;
}

/** A profile launching ms-swift on a `gad-data export` folder (the GAD recipe's warmup stages, train/swift.ts). */
export interface ExportProfile extends ProfileBase {
  input: 'export';
  /** The export kind it trains on (`gad-data export sft|rm`). */
  kind: 'sft' | 'rm';
  /** The ms-swift launch: `swift SUBCOMMAND [--rlhf_type T]`, the learning rate and the output folder (the GAD seed
   * script's values). */
  swift: { subcommand: 'sft' | 'rlhf'; rlhfType?: string; learningRate: string; outputDir: string };
}

export type TrainerProfile = BuildProfile | ExportProfile;
