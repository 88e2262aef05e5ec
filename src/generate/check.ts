/**
 * The checks every answer passes before it is kept (live and imported alike): finished with `stop`, not
 * empty, not a refusal, at most max_response_length tokens in the student's tokenizer (exact: the build's
 * tokenizer.json, add_special_tokens=False, as the build counts teacher responses).
 */
import { countResponse } from '../model/token-counts.js';
import type { ModelProfile } from '../model/model-profile.js';
import type { JournalChoice } from './generate-types.js';

/** The fields of an OpenAI chat-completion choice the checks read. */
export interface ApiChoice {
  index?: number;
  finish_reason?: string | null;
  message?: { content?: unknown; refusal?: unknown } | null;
}

export function checkChoice(c: ApiChoice, ctx: { profile: ModelProfile; maxTokens: number }): JournalChoice {
  const content = c.message?.content;
  const response = typeof content === 'string' ? content : '';
  const finish = c.finish_reason ?? null;
  const tokens = response ? countResponse(ctx.profile, response) : 0;
  const out: JournalChoice = { index: c.index ?? 0, response, finish_reason: finish, tokens };
  const refusal = c.message?.refusal;
  if (typeof refusal === 'string' && refusal) {
    out.drop = { reason: 'refusal', detail: `the model refused: ${refusal.slice(0, 200)}` };
  } else if (finish === 'length') {
    out.drop = { reason: 'truncated', detail: 'finish_reason length: the answer was cut at max_tokens' };
  } else if (finish === 'content_filter') {
    out.drop = { reason: 'content_filter', detail: 'finish_reason content_filter: the answer was withheld or cut' };
  } else if (finish !== 'stop') {
    out.drop = { reason: 'bad_finish', detail: `finish_reason ${String(finish)} (only stop is kept)` };
  } else if (!response.trim()) {
    out.drop = { reason: 'empty', detail: 'the answer is empty' };
  } else if (tokens > ctx.maxTokens) {
    out.drop = {
      reason: 'too_long',
      detail: `${tokens} tokens in the student's tokenizer, over max_response_length ${ctx.maxTokens}`,
    };
  }
  return out;
}
