export {
  FilterChain,
  DedupeStep,
  ruleStep,
  countImageTags,
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
export { percentile, summarize, recommendLimit, countAtMost, sortedCopy, niceBinWidth, roundStat, STATS_DECIMALS } from './stats.js';
export {
  ReportBuilder,
  reportFromOutDir,
  writeReportFiles,
  metaFromManifest,
  histogram,
  CANDIDATE_LIMITS,
  PERCENTILE_METHOD,
  type Report,
  type ReportMeta,
  type SplitReport,
  type CandidateRow,
  type HistogramData,
} from './report.js';
export { renderReportHtml, REASON_TEXT, fmtNum, fmtPct, configuredLevel, CONFIGURED_LEVEL_TEXT, type ConfiguredLevel } from './html.js';
export { renderReportTerminal } from './terminal.js';
export {
  validateFiles,
  reportFromFiles,
  checkSchema,
  defaultPipelineFor,
  defaultFormatPromptFor,
  type ValidateOptions,
  type ValidateResult,
  type Violation,
  type FileSummary,
  type ProblemCode,
} from './files.js';
