export {
  type TrainProfile,
  type TrainOptions,
  type LaunchPlan,
  TRAINER_ENV_DEFAULTS,
  RUN_DIR,
  type PreflightCheck,
} from './launch-plan.js';
export { planTraining, formatDryRun } from './plan.js';
export { TRAIN_PROFILES, TRAINER_PROFILES, TRAINER_PROFILE_NAMES, trainerProfile } from './profiles/index.js';
export { easyr1DataPath, findFormatPrompt } from './plan-easyr1.js';
export { preflight, trainerEnv } from './preflight.js';
export { detectFamily } from './model-check.js';
export { runTraining, launch, writePlanFiles, formatPreflight, assertPreflight } from './run.js';
export { readBuildManifest, pickSplits, hfSplitOf } from './manifest.js';
export {
  type Override,
  hydraValue,
  hydraString,
  shellQuote,
  parseOverride,
  mergeOverrides,
  flattenToOverrides,
} from './hydra.js';
export { easyr1DefaultConfig } from './easyr1-defaults.js';
export { trainConfigLayer } from './easyr1-sections.js';
export { formatLaunchScript } from './export-script.js';
export { type LaunchVar, seedGadOverrides } from './verl-gad.js';
export {
  type SwiftProfile,
  type SwiftOptions,
  type SwiftPlan,
  SWIFT_PROFILES,
  planSwift,
  runSwiftTraining,
  formatSwiftDryRun,
  readExportManifest,
  parseSwiftArgs,
} from './swift.js';
export { swiftPreflight } from './swift-preflight.js';
