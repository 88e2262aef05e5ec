/** Scale-out: partitioned builds (`build --partition`) and their merge (`gad-data merge`). See docs/scale-out.md. */
export { parsePartition, partOfRow, partFolder, MAX_PARTS, type Partition } from './spec.js';
export { PartRecorder, type PartInfo } from './part.js';
export { mergeParts, checkParts, defaultParts, type MergeOptions } from './merge.js';
export type { RowHook } from './hooks.js';
