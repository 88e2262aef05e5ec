/**
 * The validate stage: the row rules and the filter chain (build), `validate FILES` on parquet files made
 * elsewhere, and the report's numbers (`ReportBuilder`, `reportFromOutDir`, `reportFromFiles`); src/report/
 * renders them.
 */
export {
  FilterChain,
  DedupeStep,
  normalizePrompt,
  imageHashes,
  dedupeKey,
  dropRecord,
  lengthRecord,
  type FilterOptions,
  type FilterStep,
  type DropRecord,
  type LengthRecord,
} from './filters.js';
export {
  rowRules,
  emptyPrompt,
  imageCount,
  teacherPresent,
  promptLength,
  responseLength,
  firstDrop,
  allDrops,
  viewOfSample,
  imageTagsOf,
  type RowView,
  type RowRule,
  type RuleOptions,
} from './rules.js';
export { assignSplit, splitUnit } from './split.js';
export {
  percentile,
  summarize,
  recommendLimit,
  countAtMost,
  sortedCopy,
  niceBinWidth,
  roundStat,
  STATS_DECIMALS,
} from './stats.js';
export { fmtNum, fmtPct } from './numbers.js';
export {
  CANDIDATE_LIMITS,
  PERCENTILE_METHOD,
  type Report,
  type ReportMeta,
  type SplitReport,
  type CandidateRow,
  type HistogramData,
} from './report.js';
export { ReportBuilder } from './report-builder.js';
export { histogram } from './histogram.js';
export { reportFromOutDir, metaFromManifest } from './report-from-out-dir.js';
export { reportFromFiles } from './report-from-files.js';
export { validateFiles } from './files.js';
export { checkSchema } from './schema.js';
export {
  type ValidateOptions,
  type ValidateResult,
  type Violation,
  type FileSummary,
  type ProblemCode,
} from './validate-types.js';
