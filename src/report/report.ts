/** The shape of report.json (`Report`) and what a caller tells the builder (`ReportMeta`). */
import type { DropReason, Stats, Target } from '../core/types.js';

/** The limits always shown in the candidate table (plus the configured one). */
export const CANDIDATE_LIMITS = [512, 1024, 2048, 4096, 8192] as const;
export const PERCENTILE_METHOD = 'linear interpolation (numpy.percentile default, Hyndman-Fan type 7)';

export interface SplitReport {
  /** Rows kept (the rows of lengths.jsonl). */
  rows: number;
  /** Rows dropped, any reason. */
  dropped: number;
  /** Rows with a measured prompt length: kept + dropped for prompt/response length. */
  measured: number;
  /** Token statistics of the kept rows. `text` excludes the image placeholders: text + image = prompt. */
  tokens: { prompt: Stats; text: Stats; image: Stats; response: Stats | null };
  /** Of the teacher responses, how many are longer than the configured max_response_length (kept + dropped). */
  responsesOverLimit: number | null;
}

export interface CandidateRow {
  limit: number;
  configured: boolean;
  recommended: boolean;
  /** Rows (of the measured ones) with prompt tokens ≤ limit, per split. */
  kept: Record<string, number>;
  total: number;
  /** total / measured rows. */
  fraction: number;
}

export interface HistogramData {
  /** Bin width and lower edge of the first bin: bin i covers [start + i·width, start + (i+1)·width). */
  start: number;
  width: number;
  /** Rows per bin (kept + length-dropped). */
  counts: number[];
  /** Σ text tokens / Σ image tokens of the rows in each bin (for the stacked text/image view). */
  textSum: number[];
  imageSum: number[];
  /** Rows at or above `start + counts.length·width` (the long tail, drawn as one overflow bar). */
  over: number;
  overTextSum: number;
  overImageSum: number;
  /** Largest value (the overflow bar covers up to it). */
  max: number;
}

/** report.json */
export interface Report {
  format: 'gad-data-report';
  version: 1;
  title: string;
  input: { kind: 'build' | 'files'; outDir?: string; files?: string[] };
  target: Target | null;
  kind: 'gad' | 'grpo' | null;
  model: { name: string; family?: string; factor?: number; minPixels?: number; maxPixels?: number } | null;
  pipeline: { name: string; minPixels?: number; maxPixels?: number; trainer?: string } | null;
  limits: { maxPromptLength: number | null; maxResponseLength: number | null };
  percentileMethod: string;
  splits: Record<string, SplitReport>;
  total: SplitReport;
  candidates: CandidateRow[];
  recommendation: {
    maxPromptLength: number;
    maxResponseLength: number | null;
    keep: number;
    multiple: number;
    /** Over which rows the rule was applied. */
    basis: string;
    /**
     * Measured rows the keep rule needs, ceil(1 / (1 - keep)) (100 at 0.99): below it "keep ≥ 99%" can drop no
     * row, so the longest row alone would set the limit. Then `tooFew` is true and the recommendation keeps the
     * rows the build kept, capped at the configured limit (rows dropped for length do not raise it).
     */
    minRows?: number;
    tooFew?: boolean;
  };
  drops: { total: Record<DropReason, number>; bySplit: Record<string, Record<DropReason, number>>; count: number };
  histograms: { prompt: HistogramData | null; response: HistogramData | null };
  notes: string[];
}

/** What the caller knows about the build (everything optional). */
export interface ReportMeta {
  title?: string;
  input?: Report['input'];
  target?: Target | null;
  kind?: 'gad' | 'grpo' | null;
  model?: Report['model'];
  pipeline?: Report['pipeline'];
  maxPromptLength?: number | null;
  maxResponseLength?: number | null;
  keep?: number;
  multiple?: number;
  /** Extra limits for the candidate table. */
  candidates?: number[];
  /** Split order for display (others follow alphabetically). */
  splitOrder?: string[];
  notes?: string[];
}
