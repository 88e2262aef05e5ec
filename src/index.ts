/**
 * gad-data's library API: `import { build } from 'gad-data'`. One function per command, each taking the options
 * its command takes, plus the config and the record types. Deliberately small: the stages' modules are internal
 * (their names may change between versions); what is exported here is what docs/architecture.md promises.
 * `test/api.test.ts` lists every runtime export, so adding one is a decision, not an accident.
 */

// build: `gad-data build` (and `build --partition`, `merge`)
export { build, publicConfig, type BuildHooks, type BuildResult } from './pipeline/build.js';
export { mergeParts, type MergeOptions } from './partition/merge.js';
export { parsePartition, type Partition } from './partition/part-spec.js';

// validate / report: `gad-data validate FILES`, `gad-data report OUT_DIR | FILES`
export { validateFiles as validate } from './validate/files.js';
export { reportFromOutDir } from './report/report-from-out-dir.js';
export { reportFromFiles } from './validate/report-from-files.js';
export { type ValidateOptions, type ValidateResult } from './validate/validate-types.js';
export { type Report } from './report/report.js';
export { renderReportHtml } from './report/report-html.js';
export { renderReportTerminal } from './report/terminal.js';
export { writeReportFiles } from './report/write-report.js';

// tokens: `gad-data tokens`
export {
  countOne as countTokens,
  TokensSession,
  runTokensCommand,
  type TokensOptions,
  type TokensLine,
} from './tokens/tokens-command.js';

// doctor: `gad-data doctor`
export {
  describeEnvironment,
  renderEnvironment,
  type EnvironmentReport,
  type EnvironmentParams,
} from './model/environment.js';

// export: `gad-data export sft | prompts | rm`
export { exportSft, type SftOptions } from './recipes/sft.js';
export { exportPrompts } from './recipes/prompts.js';
export { exportRm, type RmOptions } from './recipes/rm.js';

// generate: `gad-data generate teacher | student | import`
export { generateAnswers, type GenerateOptions, type GenerateResult } from './generate/run.js';
export { writeBatchFile, type BatchOptions } from './generate/batch.js';
export { importBatchResults, type ImportOptions, type ImportResult } from './generate/import.js';

// train: `gad-data train`
export { planTraining, formatDryRun } from './train/plan.js';
export { preflight } from './train/preflight.js';
export { runTraining } from './train/run-training.js';
export { planSwift, runSwiftTraining } from './train/swift.js';
export { type SwiftOptions, type SwiftPlan } from './train/swift-options.js';
export { type TrainOptions, type TrainProfile, type LaunchPlan } from './train/launch-plan.js';

// config: gad-data.yaml / EasyR1 configs, and the key table the flags and docs come from
export {
  resolveConfig,
  parseConfig,
  readConfigFile,
  configSchema,
  CONFIG_KEYS,
  EXAMPLE_CONFIG,
  type GadConfig,
  type ConfigInput,
  type ResolvedConfig,
} from './config/config.js';
export { outputConfigOf } from './config/output-config.js';

// view: the local viewer of a build folder or parquet files
export { view, type ViewOptions, type ViewServer } from './view/view.js';

// shared: errors, progress, record types, version
export { GadError } from './core/errors.js';
export { createProgress, silentProgress, type ProgressSink } from './core/progress.js';
export type * from './core/types.js';
export { PIPELINES } from './core/defaults.js';
export { VERSION } from './core/version.js';
