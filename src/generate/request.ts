/**
 * One chat-completions request body per build row, and its hash: the sha256 of the body's canonical JSON
 * (model, messages with the image bytes, sampling). The hash names the exact question asked; the journal,
 * the output and the batch file's custom_id carry it, so an answer is never joined to another question.
 */
import { sha256, stableStringify } from '../core/hash.js';
import type { BuildRow } from '../recipes/build-rows.js';
import { type ChatMessage, rowMessages } from './messages.js';
import type { Sampling } from './generate-types.js';

export interface ChatRequest {
  /** `split/id`: unique in a build, the journal's and the batch file's key. */
  key: string;
  hash: string;
  body: { model: string; messages: ChatMessage[] } & Sampling;
}

export function rowKey(row: Pick<BuildRow, 'split' | 'id'>): string {
  return `${row.split}/${row.id}`;
}

export function chatRequest(row: BuildRow, model: string, sampling: Sampling): ChatRequest {
  const body = { model, messages: rowMessages(row), ...sampling };
  return { key: rowKey(row), hash: sha256(stableStringify(body)), body };
}
