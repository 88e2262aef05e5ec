export {
  arrowSchema,
  columnSpecs,
  hfFeatures,
  rowBytes,
  rowFor,
  planPassthrough,
  TEACHER_COLUMN,
  VERL_IMAGE_COLUMN,
  type SchemaOptions,
} from './schema.js';
export { recordBatch } from './parquet-stream.js';
export {
  DEFAULT_ROW_GROUP_BYTES,
  DEFAULT_ROW_GROUP_ROWS,
  shardFileName,
  ShardWriter,
  type ClosedShard,
  type ShardWriterOptions,
} from './shards.js';
export {
  openOutput,
  restoreInterruptedCommit,
  siblings,
  type JournalShard,
  type OpenedOutput,
  type OutputSession,
  type ResumeState,
} from './output.js';
export { cardFeatures, renderDatasetCard, schemaOptionsOf, writeManifest } from './manifest.js';
export * as recipe from './recipe/index.js';
export {
  buildManifest,
  pipelineBoundsFor,
  publicConfig,
  writeBuildFiles,
  CHAT_TEMPLATE_FILE,
  FORMAT_PROMPT_FILE,
  type BuildManifestParams,
} from './build-manifest.js';
