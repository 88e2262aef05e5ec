/**
 * The rule of the SFT formats (ms-swift, LLaMA-Factory): the last turn, when it is an assistant turn, is the answer
 * the SFT trainer learns; here it is the teacher response (a build with a teacher column) or left out of the prompt.
 * Earlier assistant turns stay in the prompt as context. Each case is counted for the summary (docs/sources.md).
 */
import { asText } from '../prompt.js';
import type { FormatRow } from './input-format.js';
import { isObject } from '../../core/guards.js';

export type Turn = { role?: unknown; content?: unknown } & Record<string, unknown>;

/** The text of an assistant turn's content (a string, or text parts). */
function turnText(c: unknown): string | null {
  const t = asText(c);
  if (typeof t === 'string') return t;
  if (Array.isArray(c)) {
    const parts = c.map((p) => (isObject(p) ? asText(p.text) : asText(p)));
    return parts.every((p) => typeof p === 'string') ? parts.join('') : null;
  }
  return null;
}

export function splitLastTurn(p: {
  turns: Turn[];
  /** The row's system text, made the first turn when the turns have none. */
  system: unknown;
  /** True when the build takes the teacher response from the row. */
  wantTeacher: boolean;
}): FormatRow {
  const messages = [...p.turns];
  const system = asText(p.system);
  if (typeof system === 'string' && system !== '' && messages[0]?.role !== 'system')
    messages.unshift({ role: 'system', content: system });
  const counts: string[] = [];
  const answer = messages.at(-1)?.role === 'assistant' ? (messages.pop() ?? null) : null;
  if (answer && messages.some((m) => m.role === 'assistant')) counts.push('earlier_assistant_turns_kept');
  if (!p.wantTeacher) {
    if (answer) counts.push('assistant_turn_left_out');
    return { prompt: messages, counts };
  }
  if (answer) counts.push('teacher_from_assistant_turn');
  return {
    prompt: messages,
    teacher: answer ? turnText(answer.content) : null,
    counts,
    ...(answer ? {} : { missing: 'the conversation does not end with an assistant turn' }),
  };
}
