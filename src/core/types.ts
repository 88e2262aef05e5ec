/**
 * The record types shared by every stage. `core` is below all stages: it imports nothing from
 * src/ingest, src/format, src/validate, src/export or src/train.
 *
 * One `Sample` flows through the pipeline: ingest fills the raw fields, format fills `formatted`
 * (processed images and exact token counts), validate may set `drop`, export writes what is kept.
 */

/** The reason codes a row can be dropped for (dropped.jsonl, manifest, report). */
export const DROP_REASONS = [
  'prompt_too_long',
  'response_too_long',
  'image_undecodable',
  'image_too_large',
  'aspect_ratio',
  'image_too_small',
  'image_count_mismatch',
  'multi_image',
  'no_image',
  'no_teacher_response',
  'empty_prompt',
  'duplicate',
  'leak',
  'bad_row',
] as const;
export type DropReason = (typeof DROP_REASONS)[number];

/** Why a row was dropped: the reason code, a human sentence, and the measured value against the limit. */
export interface Drop {
  reason: DropReason;
  detail: string;
  value?: number | string | null;
  limit?: number | string | null;
  /** Index of the image concerned, when the reason is about one image. */
  image?: number;
}

/** An image as ingest found it: embedded bytes, or a resolved local path to read, or both. */
export interface ImageRef {
  /** Embedded bytes, when the source had them. */
  bytes: Uint8Array | null;
  /** The path as written in the source (kept for the `path` field of the output struct). */
  path: string | null;
  /** Absolute local path to read the bytes from when `bytes` is null (already checked against image_dir). */
  resolvedPath?: string | null;
}

/** The resize pipeline whose result the written image (and the token count) must match. */
export type ResizePipeline = 'processor' | 'easyr1' | 'qwen-vl-utils';

/** An image after format: exactly at its target size, RGB, orientation baked in. */
export interface ProcessedImage {
  bytes: Uint8Array;
  /** Output path field written in the struct (e.g. `<id>-0.png`); null to write a null path. */
  path: string | null;
  format: 'png' | 'jpeg';
  /** Size of the input image after EXIF orientation. */
  origWidth: number;
  origHeight: number;
  /** Size written (= the pipeline's target). */
  width: number;
  height: number;
  /** Number of <|image_pad|> tokens this image expands to. */
  tokens: number;
  /** True if the bytes were re-encoded; false if the input was copied byte for byte. */
  reencoded: boolean;
  /** sha256 hex of the decoded-input bytes (for duplicate detection). */
  sha256: string;
}

/** What format computes for one row. */
export interface Formatted {
  /** The format prompt applied to the problem (jinja, Python semantics). */
  formatted: string;
  /** Prompt text tokens of the rendered chat template (one <|image_pad|> per image included). */
  textTokens: number;
  /** Σ image tokens (N per image). */
  imageTokens: number;
  /** Exact processor prompt length: textTokens − nImages + imageTokens. */
  promptTokens: number;
  images: ProcessedImage[];
  /** Tokens of the teacher response as the GAD trainer tokenizes it (add_special_tokens=false), after the ending policy. */
  responseTokens: number | null;
  /** The teacher response after the ending policy (keep / strip / append <|im_end|>). */
  teacherResponse: string | null;
}

export interface Sample {
  /** Output split name (`train`, `test`, ...). */
  split: string;
  /** 0-based position of the row within its source split (stable; independent of concurrency). */
  index: number;
  /** Row id: the id_key value, or `<source>#<index>` when there is none. */
  id: string;
  /** The source spec the row came from, as the user wrote it (no secrets). */
  source: string;
  /** data_source column value for verl (e.g. `hiyouga/geometry3k`). */
  dataSource: string;
  /** The raw prompt text, `<image>` placeholders in place (after placement policy). */
  problem: string;
  answer: string | null;
  images: ImageRef[];
  /** Teacher response for GAD, when joined. undefined = no teacher data for this build. */
  teacherResponse?: string | null;
  /** Extra columns passed through (ability, ...); JSON-serialisable values only. */
  extra: Record<string, unknown>;
  /** Filled by format. */
  formatted?: Formatted;
  /** Set by any stage that rejects the row; a dropped row is never exported. */
  drop?: Drop;
}

/** Token-length summary of one quantity. */
export interface Stats {
  count: number;
  min: number;
  p50: number;
  p90: number;
  p95: number;
  p99: number;
  max: number;
  mean: number;
}

/** One written shard, as listed in the manifest. */
export interface ShardInfo {
  split: string;
  /** Path relative to the output folder, e.g. `data/train-00000-of-00002.parquet`. */
  file: string;
  rows: number;
  bytes: number;
  sha256: string;
}

export type Target = 'verl' | 'easyr1';

/** manifest.json: written by export, read by train and report. */
export interface Manifest {
  tool: { name: 'gad-data'; version: string };
  target: Target;
  /** `gad` when rows carry teacher_response, else `grpo`. */
  kind: 'gad' | 'grpo';
  /** The full resolved configuration (secrets removed). */
  config: Record<string, unknown>;
  sources: Array<{
    split: string;
    spec: string;
    kind: 'hub' | 'parquet' | 'jsonl' | 'json' | 'dir' | 'fixture';
    repo?: string;
    /** Hub: the dataset config the split was taken from (absent: the repo declares no configs). */
    config?: string;
    revision?: string;
    commit?: string;
    files: Array<{ path: string; bytes: number; sha256: string }>;
  }>;
  model: {
    name: string;
    family: 'qwen2.5-vl' | 'qwen3-vl';
    patchSize: number;
    mergeSize: number;
    factor: number;
    minPixels: number;
    maxPixels: number;
    tokenizerSha256: string;
    chatTemplateSha256: string;
    /** Where the model files came from (bundled profile, local folder, Hugging Face cache) and which key named it. */
    source?: string;
    /** The chat template used: the model's file, or `data.override_chat_template` (a path). */
    chatTemplateSource?: string;
    /** A copy of data.override_chat_template in the output folder (EasyR1's `data.override_chat_template` for training). */
    chatTemplateFile?: string;
  };
  resize: { pipeline: ResizePipeline; minPixels: number; maxPixels: number; trainer: string };
  columns: { prompt: string; answer: string; images: string; teacher: string | null };
  formatPrompt: { name: string; sha256: string; file: string | null };
  limits: { maxPromptLength: number; maxResponseLength: number };
  splits: Record<string, { rowsIn: number; rowsOut: number; dropped: Record<string, number> }>;
  shards: ShardInfo[];
  tokens: Record<string, { prompt: Stats; text: Stats; image: Stats; response: Stats | null }>;
  teacherEnding?: { policy: 'keep' | 'strip' | 'append'; endingWithImEnd: number; total: number };
}
