/**
 * gad-data's library API: `import { build } from 'gad-data'`.
 * Stages in pipeline order: ingest → format → validate → export → train.
 */
export { build, publicConfig, type BuildHooks, type BuildResult } from './build.js';
export {
  resolveConfig,
  parseConfig,
  readConfigFile,
  configSchema,
  EXAMPLE_CONFIG,
  type GadConfig,
  type ConfigInput,
  type ResolvedConfig,
} from './config.js';
export { GadError } from './core/errors.js';
export { createProgress, silentProgress, type ProgressSink } from './core/progress.js';
export type * from './core/types.js';
export { VERSION } from './version.js';
export * as ingest from './ingest/index.js';
export * as format from './format/index.js';
export * as validate from './validate/index.js';
export * as exporter from './export/index.js';
export * as train from './train/index.js';
export * as partition from './partition/index.js';
