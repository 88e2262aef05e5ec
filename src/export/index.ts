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
export {
  DEFAULT_ROW_GROUP_BYTES,
  DEFAULT_ROW_GROUP_ROWS,
  DEFAULT_SHARD_SIZE,
  recordBatch,
  shardFileName,
  ShardWriter,
  type ClosedShard,
  type ShardWriterOptions,
} from './shards.js';
export {
  openOutput,
  restoreInterruptedCommit,
  type JournalShard,
  type OpenedOutput,
  type OutputSession,
  type ResumeState,
} from './output.js';
export { cardFeatures, renderDatasetCard, schemaOptionsOf, writeDatasetCard, writeManifest } from './manifest.js';
export * as recipe from './recipe/index.js';
