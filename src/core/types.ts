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
  'image_outside_root',
  'duplicate_id',
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
  /** Size and modification time of the file at `resolvedPath` when format read it (null: missing or unreadable); for --resume. */
  fileStat?: { size: number; mtimeMs: number } | null;
}

/** The resize pipeline whose result the written image (and the token count) must match. */
export type ResizePipeline = 'processor' | 'easyr1' | 'qwen-vl-utils';

/** An image after format: exactly at its target size, RGB, orientation baked in. */
export interface ProcessedImage {
  bytes: Uint8Array;
  /** Output path field written in the struct (e.g. `<id>-0.png`); null to write a null path. */
  path: string | null;
  /** Encoding of `bytes`: JPEG, PNG, or WebP when the original is passed through. */
  format: 'png' | 'jpeg' | 'webp';
  /** Size of the input image after EXIF orientation. */
  origWidth: number;
  origHeight: number;
  /** Size written (the original size unless the resize policy shrank or resized it). */
  width: number;
  height: number;
  /** Size the model processor resizes the written image to at training time (its grid, so its tokens). */
  resized: [number, number];
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
  /** A message-list prompt as written: every turn, the format prompt (if any) applied to the prompt message. */
  messages?: PromptMessage[];
  /** Text tokens of the rendered chat template, without the <|image_pad|> placeholders. */
  textTokens: number;
  /** Σ image tokens (N per image; each image's placeholder is one of its N). */
  imageTokens: number;
  /** Exact processor prompt length: textTokens + imageTokens (a lower bound when `atLeast`). */
  promptTokens: number;
  /**
   * True when counting stopped early because the prompt is surely over max_prompt_length (a text far too long
   * to fit): `promptTokens` and `textTokens` are then lower bounds, and the row is dropped as prompt_too_long.
   */
  atLeast?: boolean;
  images: ProcessedImage[];
  /** Tokens of the teacher response as the GAD trainer tokenizes it (add_special_tokens=false), after the ending policy. */
  responseTokens: number | null;
  /** Counting of the response stopped past max_response_length: `responseTokens` is a lower bound. */
  responseAtLeast?: boolean;
  /** The row is over a length limit from its headers alone: its images were not decoded (no bytes); it is dropped. */
  undecoded?: boolean;
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
  /** The prompt text exactly as the input cell held it (before placement and format prompt): `extra_info.question`. */
  rawProblem?: string;
  /**
   * A verl message-list prompt, every turn kept (system, earlier turns): contents as text with `<image>` tags.
   * `messages[promptMessage]` is the user message `problem` came from (placement applied to it). Absent for a
   * text prompt column (one user message is made from `problem`).
   */
  messages?: PromptMessage[];
  promptMessage?: number;
  /** Input cells passed through unchanged (verl target, `passthrough`), by column name, as decoded. */
  passthrough?: Record<string, unknown>;
  answer: string | null;
  images: ImageRef[];
  /** Teacher response for GAD, when joined. undefined = no teacher data for this build. */
  teacherResponse?: string | null;
  /** Why `teacherResponse` is null, as ingest knows it (the id looked up, the file): the no_teacher_response detail. */
  teacherMissing?: string;
  /** The student's answer the input row carried (ms-swift's `rejected_response`), in a GAD build; undefined: none. */
  studentResponse?: string;
  /** Extra columns passed through (ability, ...); JSON-serialisable values only. */
  extra: Record<string, unknown>;
  /** Filled by format. */
  formatted?: Formatted;
  /** Set by any stage that rejects the row; a dropped row is never exported. */
  drop?: Drop;
}

/** One turn of a chat prompt, as verl's `prompt` column holds it. */
export interface PromptMessage {
  role: string;
  content: string;
}

/**
 * The type of an input column, as a tree (the shape ingest reads from a parquet schema or infers from JSON):
 * `type` is readable (`int64`, `list<string>`, `struct<a: string>`), `children` the list element or struct fields.
 */
export interface ColumnType {
  name: string;
  type: string;
  kind: 'primitive' | 'list' | 'struct' | 'map';
  nullable: boolean;
  children: ColumnType[];
}

/** An input column written to the output unchanged: its type, and the HF `datasets` feature recorded for it. */
export interface PassthroughColumn {
  name: string;
  column: ColumnType;
  /** The input's own `huggingface` feature when it matches the type, else one derived from the type. */
  feature: unknown;
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
    /** A name of the model-family table (`qwen2.5-vl`, `qwen3-vl`: src/model/families/). */
    family: string;
    patchSize: number;
    mergeSize: number;
    factor: number;
    minPixels: number;
    maxPixels: number;
    tokenizerSha256: string;
    chatTemplateSha256: string;
    /** Where the model files came from (bundled profile, local folder, Hugging Face cache) and which key named it. */
    source?: string;
    /**
     * The folder the files were read from when the name alone would not find them for a trainer (a Hub id found in
     * the ModelScope cache: verl and EasyR1 look Hub ids up on the Hugging Face Hub only).
     */
    localDir?: string;
    /** The chat template used: the model's file, or `data.override_chat_template` (a path). */
    chatTemplateSource?: string;
    /** A copy of data.override_chat_template in the output folder (EasyR1's `data.override_chat_template` for training). */
    chatTemplateFile?: string;
  };
  /** `policy`: when images were resized before writing (auto | always | never; absent in manifests of 0.1 builds: always). */
  resize: {
    pipeline: ResizePipeline;
    minPixels: number;
    maxPixels: number;
    trainer: string;
    policy?: 'auto' | 'always' | 'never';
  };
  columns: {
    prompt: string;
    answer: string;
    images: string;
    teacher: string | null;
    passthrough?: PassthroughColumn[];
  };
  formatPrompt: { name: string; sha256: string; file: string | null };
  limits: { maxPromptLength: number; maxResponseLength: number };
  splits: Record<string, { rowsIn: number; rowsOut: number; dropped: Record<string, number> }>;
  shards: ShardInfo[];
  tokens: Record<string, { prompt: Stats; text: Stats; image: Stats; response: Stats | null }>;
  teacherEnding?: { policy: 'keep' | 'strip' | 'append'; endingWithImEnd: number; total: number };
  /** The `--config` file the build was made from: path relative to the output folder, and its sha256 then. */
  configFile?: { path: string; sha256: string };
  /** The distinct `data_source` values of the rows written (target verl), sorted. */
  dataSources?: string[];
  /** The student answers the input rows carried (ms-swift's `rejected_response`), written beside the shards. */
  student?: StudentSideFile;
}

/** manifest.json `student`: the side file of student answers a GAD build took from an input column. */
export interface StudentSideFile {
  /** The file in the build folder (`generate student`'s line format: id, split, response). */
  file: string;
  /** Where the answers came from: `input column rejected_response of <source>, ...`. */
  from: string;
  /** The input column. */
  column: string;
  /** Lines written: the kept rows that carried an answer. */
  rows: number;
  /** Kept rows without one (export rm leaves them out unless --student names their answers). */
  without: number;
  sha256: string;
}
