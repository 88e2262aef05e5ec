/** The records of `gad-data generate`: options, sampling settings, journal entries and output lines. */

export type GenerateRole = 'teacher' | 'student';

/** The OpenAI chat-completions sampling settings a request carries (absent: the server's default). */
export interface Sampling {
  temperature?: number;
  top_p?: number;
  max_tokens?: number;
  n?: number;
  seed?: number;
  stop?: string[];
}

/** Why an answer was kept out of the output. */
export type GenerateDropReason =
  'truncated' | 'content_filter' | 'bad_finish' | 'empty' | 'refusal' | 'too_long' | 'request_error';

/** One choice of an answered request, as journaled (kept, or dropped with a reason). */
export interface JournalChoice {
  index: number;
  response: string;
  finish_reason: string | null;
  /** Tokens of the response with the build's (the student's) tokenizer. */
  tokens: number;
  drop?: { reason: GenerateDropReason; detail: string };
}

/** One journal line: a request's final outcome (transport failures are not journaled: they are retried). */
export interface JournalEntry {
  key: string;
  request_hash: string;
  model: string | null;
  usage: { prompt_tokens: number; completion_tokens: number; total_tokens: number } | null;
  choices: JournalChoice[];
}

/** The first journal line: what the answers belong to. A resumed run must have the same. */
export interface JournalHeader {
  format: 'gad-data-generate-journal';
  version: 1;
  settings: GenerateSettings;
  /** sha256 of stableStringify(settings). */
  settingsHash: string;
}

/** What a run's answers depend on (no secret: the endpoint without user info or query). */
export interface GenerateSettings {
  role: GenerateRole;
  model: string;
  /** The endpoint's host as written to the output (`host:port`), or `batch` for an offline batch without --endpoint. */
  endpoint: string;
  sampling: Sampling;
  /** sha256 of the build's manifest.json. */
  build: string;
}

/** One line of the output file: what `build --teacher` and `export rm --student` read (`id`, `response`). */
export interface AnswerLine {
  id: string;
  split: string;
  /** 0-based choice index when --n is over 1. */
  sample?: number;
  response: string;
  finish_reason: string | null;
  tokens: number;
  usage: JournalEntry['usage'];
  model: string | null;
  endpoint: string;
  request_hash: string;
}
