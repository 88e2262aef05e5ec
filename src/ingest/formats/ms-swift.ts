/**
 * ms-swift's standard dataset format (docs/source_en/Customization/Custom-dataset.md): a `messages` list of
 * system / user / assistant turns (with `images` and an optional `system` column), or the `query` / `response`
 * form (with `history` as [query, response] pairs and `system`). The last assistant turn is the teacher response
 * (`--teacher-column messages`, or `response` for the query form) or left out of the prompt (last-turn.ts).
 * `rejected_response` (RLHF / RM data) is the row's student answer (rejected-response.ts).
 */
import { splitLastTurn, type Turn } from './last-turn.js';
import type { InputFormat } from './input-format.js';
import { REJECTED_RESPONSE, readRejectedResponse } from './rejected-response.js';

/** The turns of a `query` / `response` row: history pairs, the query, and the response as the last turn. */
function queryTurns(row: Record<string, unknown>, prompt: string): Turn[] {
  const out: Turn[] = [];
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
    'ms-swift jsonl: `messages` (+ `images`, `system`), or `query` / `response` (+ `history`); the last assistant turn is the teacher response (--teacher-column messages) or left out of the prompt; `rejected_response` is the student answer (GAD build)',
  detect: (have) =>
    (have.includes('messages') && !have.includes('problem') && !have.includes('prompt')) ||
    (have.includes('query') && have.includes('response')),
  columns: (have) => (have.includes('messages') ? { prompt: 'messages' } : { prompt: 'query' }),
  consumed: ['system', 'history', 'response'],
  studentColumn: REJECTED_RESPONSE,
  read(row, cols) {
    const cell = row[cols.prompt];
    if (!Array.isArray(cell) && typeof cell !== 'string') return { prompt: cell };
    const turns: Turn[] = Array.isArray(cell) ? cell.map((m) => m as Turn) : queryTurns(row, cols.prompt);
    const read = splitLastTurn({ turns, system: row.system, wantTeacher: !!cols.teacher });
    // RLHF / RM rows: rejected_response is the row's student answer (a GAD build writes it beside the shards)
    const student = readRejectedResponse(row);
    return student ? { ...read, student } : read;
  },
};
