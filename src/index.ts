/**
 * gad-data's library API: `import { build } from 'gad-data'`. One function per command, each taking the options
 * its command takes, plus the config and the record types. Deliberately small: the stages' modules are internal
 * (their names may change between versions); what is exported here is what docs/architecture.md promises.
 * `test/api.test.ts` lists every runtime export, so adding one is a decision, not an accident.
 */

// build: `gad-data build` (and `build --partition`, `merge`)
export { build, publicConfig, type BuildHooks, type BuildResult } from './build.js';
export { mergeParts, parsePartition, type MergeOptions, type Partition } from './partition/index.js';

// validate / report: `gad-data validate FILES`, `gad-data report OUT_DIR | FILES`
export {
  validateFiles as validate,
  reportFromOutDir,
  reportFromFiles,
  type ValidateOptions,
  type ValidateResult,
  type Report,
} from './validate/index.js';
export { renderReportHtml, renderReportTerminal, writeReportFiles } from './report/index.js';

// tokens: `gad-data tokens`
export {
  countOne as countTokens,
  TokensSession,
  runTokensCommand,
  type TokensOptions,
  type TokensLine,
} from './format/index.js';

// doctor: `gad-data doctor`
export {
  describeEnvironment,
  renderEnvironment,
  type EnvironmentReport,
  type EnvironmentParams,
} from './format/environment.js';

// export: `gad-data export sft | prompts | rm`
export { exportSft, exportPrompts, exportRm, type SftOptions, type RmOptions } from './export/recipe/index.js';

// generate: `gad-data generate teacher | student | import`
export {
  generateAnswers,
  writeBatchFile,
  importBatchResults,
  type GenerateOptions,
  type GenerateResult,
  type BatchOptions,
  type ImportOptions,
  type ImportResult,
} from './generate/index.js';

// train: `gad-data train`
export {
  planTraining,
  preflight,
  runTraining,
  formatDryRun,
  planSwift,
  runSwiftTraining,
  type TrainOptions,
  type TrainProfile,
  type LaunchPlan,
  type SwiftOptions,
  type SwiftPlan,
} from './train/index.js';

// config: gad-data.yaml / EasyR1 configs, and the key table the flags and docs come from
export {
  resolveConfig,
  parseConfig,
  readConfigFile,
  configSchema,
  outputConfigOf,
  CONFIG_KEYS,
  EXAMPLE_CONFIG,
  type GadConfig,
  type ConfigInput,
  type ResolvedConfig,
} from './config.js';

// view: the local viewer of a build folder or parquet files
export { view, type ViewOptions, type ViewServer } from './view/index.js';

// shared: errors, progress, record types, version
export { GadError } from './core/errors.js';
export { createProgress, silentProgress, type ProgressSink } from './core/progress.js';
export type * from './core/types.js';
export { PIPELINES } from './core/defaults.js';
export { VERSION } from './version.js';
