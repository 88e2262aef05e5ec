/**
 * ms-swift's standard dataset format (docs/source_en/Customization/Custom-dataset.md): a `messages` list of
 * system / user / assistant turns (with `images` and an optional `system` column), or the `query` / `response`
 * form (with `history` as [query, response] pairs and `system`). The last assistant turn is the answer ms-swift
 * trains on: it is never prompt text here. A build that wants a teacher (`--teacher-column messages`, or the
 * `response` column of the query form) takes it as the teacher response; a build without one drops it from the
 * prompt, counted in the summary. Earlier assistant turns stay in the prompt as context (docs/sources.md).
 */
import { asText } from '../prompt.js';
import type { FormatRow, InputFormat } from './types.js';

type Message = { role?: unknown; content?: unknown } & Record<string, unknown>;

/** The text of an assistant turn's content (a string, or text parts). */
function turnText(c: unknown): string | null {
  const t = asText(c);
  if (typeof t === 'string') return t;
  if (Array.isArray(c)) {
    const parts = c.map((p) => (p && typeof p === 'object' ? asText((p as { text?: unknown }).text) : asText(p)));
    return parts.every((p) => typeof p === 'string') ? parts.join('') : null;
  }
  return null;
}

/** The messages of a `query` / `response` row: system, history pairs, the query, and the response as the last turn. */
function queryMessages(row: Record<string, unknown>, prompt: string): Message[] {
  const out: Message[] = [];
  const history = Array.isArray(row.history) ? row.history : [];
  for (const pair of history) {
    if (!Array.isArray(pair)) continue;
    out.push({ role: 'user', content: pair[0] }, { role: 'assistant', content: pair[1] });
  }
  out.push({ role: 'user', content: row[prompt] });
  if (row.response !== undefined && row.response !== null) out.push({ role: 'assistant', content: row.response });
  return out;
}

export const msSwiftFormat: InputFormat = {
  name: 'ms-swift',
  describe:
    'ms-swift jsonl: `messages` (+ `images`, `system`), or `query` / `response` (+ `history`); the last assistant turn is the teacher response (--teacher-column messages) or left out of the prompt',
  detect: (have) =>
    (have.includes('messages') && !have.includes('problem') && !have.includes('prompt')) ||
    (have.includes('query') && have.includes('response')),
  columns: (have) => (have.includes('messages') ? { prompt: 'messages' } : { prompt: 'query' }),
  consumed: ['system', 'history', 'response'],
  read(row, cols): FormatRow {
    const cell = row[cols.prompt];
    if (!Array.isArray(cell) && typeof cell !== 'string') return { prompt: cell };
    const messages: Message[] = Array.isArray(cell) ? cell.map((m) => m as Message) : queryMessages(row, cols.prompt);
    const system = asText(row.system);
    if (typeof system === 'string' && system !== '' && (messages[0] as Message | undefined)?.role !== 'system')
      messages.unshift({ role: 'system', content: system });
    const counts: string[] = [];
    // gad-data has no student-response field: ms-swift's rejected_response (RLHF) stays a plain extra column
    if (row.rejected_response !== undefined && row.rejected_response !== null)
      counts.push('rejected_response_not_read');
    const lastIsAnswer = messages.length > 0 && messages[messages.length - 1]?.role === 'assistant';
    const answer = lastIsAnswer ? messages.pop()! : null;
    if (answer && messages.some((m) => m?.role === 'assistant')) counts.push('earlier_assistant_turns_kept');
    if (!cols.teacher) {
      if (answer) counts.push('assistant_turn_left_out');
      return { prompt: messages, counts };
    }
    if (answer) counts.push('teacher_from_assistant_turn');
    return {
      prompt: messages,
      teacher: answer ? turnText(answer.content) : null,
      counts,
      ...(answer ? {} : { missing: 'the messages do not end with an assistant turn' }),
    };
  },
};
