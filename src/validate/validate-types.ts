/** What `validate FILES` reports (violations, per-file summaries), its options, and one row's analysis. */
import type { DropReason, ResizePipeline, Stats, Target } from '../core/types.js';

export type ProblemCode = DropReason | 'schema' | 'unreadable';

export interface Violation {
  file: string;
  /** 0-based row number within the file; -1 for a file-level (schema) problem. */
  row: number;
  problem: string;
  code: ProblemCode;
  severity: 'error' | 'warning';
}

export interface ValidateOptions {
  target: Target;
  model?: string;
  maxPromptLength?: number;
  maxResponseLength?: number;
  promptKey?: string;
  imageKey?: string;
  answerKey?: string;
  /** Offending rows printed per file (default 10). */
  firstN?: number;
  /** Resize pipeline for image tokens (default: the target's, see `defaultPipelineFor`). */
  pipeline?: ResizePipeline;
  /** Format prompt applied to an EasyR1 prompt column before counting (default: the build's, `math`). */
  formatPrompt?: string;
  /** Most violations kept in the returned array (all are counted). Default 1000. */
  maxViolations?: number;
  /** Images decoded at once (default 4). */
  concurrency?: number;
  /**
   * How images are checked: `fast` (default) reads headers and checks PNGs to decode fully without building their
   * pixels (png-check.ts); `full` decodes every image; `none` reads headers only.
   */
  decode?: ImageCheck;
  /** A row without an image is a violation (`no_image`); default false: text-only rows are counted without image tokens. */
  requireImage?: boolean;
  /** The trainer's pixel bounds for the pipeline (build's data.min_pixels / max_pixels; PIPELINES says which step they set). */
  minPixels?: number;
  maxPixels?: number;
}

export type ImageCheck = 'fast' | 'full' | 'none';

export interface FileSummary {
  file: string;
  rows: number;
  rowsChecked: number;
  rowsWithErrors: number;
  schemaErrors: number;
  warnings: number;
  unusable: boolean;
  problems: Partial<Record<ProblemCode, number>>;
  tokens?: { prompt: Stats; text: Stats; image: Stats; response: Stats | null };
  teacher?: { total: number; endingWithImEnd: number };
}

export interface ValidateResult {
  exitCode: 0 | 1 | 2;
  summary: {
    target: Target;
    model: string | null;
    pipeline: ResizePipeline;
    maxPromptLength: number | null;
    files: FileSummary[];
    rows: number;
    rowsWithErrors: number;
    problems: Partial<Record<ProblemCode, number>>;
  };
  violations: Violation[];
  text: string;
}

export interface RowProblem {
  code: ProblemCode;
  detail: string;
  value?: number | string | null;
  limit?: number | string | null;
}

export interface RowAnalysis {
  problems: RowProblem[];
  tokens?: { text: number; image: number; prompt: number };
  response?: number | null;
  teacherEndsWithImEnd?: boolean;
  hasTeacher: boolean;
}
