export {
  type TrainProfile,
  type TrainOptions,
  type LaunchPlan,
  TRAIN_PROFILES,
  TRAINER_ENV_DEFAULTS,
  RUN_DIR,
  planTraining,
  formatDryRun,
  easyr1DataPath,
  findFormatPrompt,
  deepMerge,
} from './plan.js';
export { type PreflightCheck, preflight, detectFamily, trainerEnv } from './preflight.js';
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
export { formatLaunchScript } from './export-script.js';
export { type LaunchVar, seedGadOverrides } from './verl-gad.js';
export {
  type SwiftProfile,
  type SwiftOptions,
  type SwiftPlan,
  SWIFT_PROFILES,
  planSwift,
  runSwiftTraining,
  swiftPreflight,
  formatSwiftDryRun,
  readExportManifest,
  parseSwiftArgs,
} from './swift.js';
