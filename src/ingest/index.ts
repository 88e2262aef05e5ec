/** Public API of the ingest stage. */
export { openIngest, DEFAULT_COLUMNS, promptText } from './ingest.js';
export type { ColumnMap, IngestOptions, OpenedIngest } from './ingest.js';
export { parseSourceSpec, splitOfPath, groupFilesBySplit } from './spec.js';
export type { SourceSpec, SourceKind } from './spec.js';
export { readParquetRows, readParquetSchema, parquetRowCount } from './parquet.js';
export type { ParquetColumn, ParquetSchemaInfo } from './parquet.js';
export { readJsonlRows, readJsonRows } from './jsonl.js';
export type { JsonRow } from './jsonl.js';
export { readImageCell } from './images.js';
export type { ImageContext, ImagesResult } from './images.js';
export { loadTeacher } from './teacher.js';
export type { TeacherTable } from './teacher.js';
export {
  resolveHubOptions,
  resolveHubSplit,
  downloadToCache,
  repoFolderName,
  CONVERTED_PARQUET_REVISION,
} from './hub.js';
export type { HubOptions, ResolvedHubOptions, HubSplitFiles, DownloadProgress } from './hub.js';
export { resolveLayout, getDataPatterns, pickLayoutSplit, type ResolvedLayout } from './data-files.js';
