/**
 * Schemas of the journal `gad-data generate` reads back (header and entries; the batch sidecar's is in
 * batch-sidecar-schema.ts). A line of another shape is a clear error naming it (core/json-doc.ts), never a crash
 * on a missing field.
 */
import { z } from 'zod';
import type { JournalChoice, JournalEntry, Sampling } from './generate-types.js';

const DROP_REASONS = [
  'truncated',
  'content_filter',
  'bad_finish',
  'empty',
  'refusal',
  'too_long',
  'request_error',
] as const;

const choiceSchema: z.ZodType<JournalChoice> = z.object({
  index: z.number(),
  response: z.string(),
  finish_reason: z.string().nullable(),
  tokens: z.number(),
  drop: z.object({ reason: z.enum(DROP_REASONS), detail: z.string() }).optional(),
});

/** One journal line after the header. */
export const journalEntrySchema: z.ZodType<JournalEntry> = z.object({
  key: z.string(),
  request_hash: z.string(),
  model: z.string().nullable(),
  usage: z.object({ prompt_tokens: z.number(), completion_tokens: z.number(), total_tokens: z.number() }).nullable(),
  choices: z.array(choiceSchema),
});

/**
 * The journal's first line, as far as a resumed run reads it: the settings are compared by their hash, and key by
 * key only to name the ones that differ, so any settings object of an older run is read.
 */
export const journalHeaderSchema = z.object({
  format: z.literal('gad-data-generate-journal'),
  settings: z.record(z.string(), z.unknown()),
  settingsHash: z.string(),
});

export const samplingSchema: z.ZodType<Sampling> = z.object({
  temperature: z.number().optional(),
  top_p: z.number().optional(),
  max_tokens: z.number().optional(),
  n: z.number().optional(),
  seed: z.number().optional(),
  stop: z.array(z.string()).optional(),
});
