/** The ms-swift profiles' options and plan: what swift.ts plans and swift-preflight.ts checks. */
import type { ExportManifest } from '../recipes/common.js';
import type { LaunchPlan } from './launch-plan.js';
import { exportProfiles } from './profiles/profile-table.js';

/** An export profile of the trainer-profile table (profiles/): swift-sft, swift-rm. */
export type SwiftProfile = string;
export const SWIFT_PROFILES: readonly SwiftProfile[] = exportProfiles().map((p) => p.name);

export interface SwiftOptions {
  profile: SwiftProfile;
  /** The export folder (holds export.json), or the build folder holding it under sft-ms-swift/ or rm-ms-swift/. */
  data: string;
  dryRun?: boolean;
  python?: string;
  /** The model to train (swift `--model`); default $MODEL_PATH. */
  modelPath?: string;
  noVerify?: boolean;
  /** Trailing ms-swift arguments (`--key value ...`); a key given here replaces the profile's. */
  overrides?: string[];
  /** GPUs (NPROC_PER_NODE); default $NPROC_PER_NODE, else 2. */
  nGpus?: number;
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  stdout?: NodeJS.WritableStream;
  stderr?: NodeJS.WritableStream;
}

export interface SwiftPlan extends LaunchPlan {
  exportDir: string;
  exportManifest: ExportManifest;
  /** The ms-swift arguments as key → values, in order (after overrides). */
  args: Array<[string, string[]]>;
  /** ms-swift's version as the pre-flight found it. */
  swiftVersion?: string;
}
