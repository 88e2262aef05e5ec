/**
 * LLaMA-Factory's two dataset formats (its data/README.md; src/llamafactory/data/converter.py), with the default
 * `dataset_info.json` columns and tags:
 * - sharegpt: `conversations`, turns `{from, value}` with `human` / `gpt` (`system` as the first turn, or a
 *   `system` column), `images`; or the `mllm_demo` layout: `messages` of `{role, content}` turns, `images`
 *   (detected as ms-swift, read the same way);
 * - alpaca: `instruction` and `input` joined by "\n" as the user turn (as AlpacaDatasetConverter does), `output`,
 *   `history` as [instruction, output] pairs, `system`, `images`.
 * The last `gpt` turn (alpaca: `output`) is the teacher response (`--teacher-column conversations` / `output`) or
 * left out of the prompt (last-turn.ts). Preference rows (`chosen` / `rejected`, llamafactory-ranking.ts): the chosen
 * answer is that last turn, the rejected one the row's student answer.
 */
import { splitLastTurn, type Turn } from './last-turn.js';
import type { InputFormat } from './input-format.js';
import { isObject } from '../../core/guards.js';
import { CHOSEN, REJECTED, chosenTurn, readRejected } from './llamafactory-ranking.js';

/** sharegpt's default tags (dataset_info.json `tags`) → the roles of a chat template. */
const ROLE_OF_TAG: Record<string, string> = {
  human: 'user',
  gpt: 'assistant',
  system: 'system',
  observation: 'observation',
  function_call: 'function',
};

function sharegptTurns(cell: unknown[]): Turn[] {
  return cell.map((t) => {
    if (!isObject(t)) return { role: undefined, content: undefined };
    // sharegpt's default tags {from, value}, or the OpenAI-style {role, content} of the mllm_demo entry's tags
    const turn = t;
    const role = 'from' in turn ? turn.from : turn.role;
    const content = 'from' in turn ? turn.value : turn.content;
    return { role: typeof role === 'string' ? (ROLE_OF_TAG[role] ?? role) : role, content };
  });
}

function alpacaTurns(row: Record<string, unknown>, prompt: string): Turn[] {
  const out: Turn[] = [];
  for (const pair of Array.isArray(row.history) ? row.history : []) {
    if (Array.isArray(pair)) out.push({ role: 'user', content: pair[0] }, { role: 'assistant', content: pair[1] });
  }
  const query = [row[prompt], row.input].filter((x) => typeof x === 'string' && x !== '');
  out.push({ role: 'user', content: query.join('\n') });
  if (typeof row.output === 'string') out.push({ role: 'assistant', content: row.output });
  return out;
}

export const llamaFactoryFormat: InputFormat = {
  name: 'llamafactory',
  describe:
    'LLaMA-Factory sharegpt (`conversations` of {from, value}, human / gpt, + `images`, `system`) or alpaca (`instruction`, `input`, `output`, `history`, `system`); the last gpt turn is the teacher response (--teacher-column conversations / output) or left out of the prompt; preference rows: `chosen` is that turn, `rejected` the student answer (GAD build)',
  detect: (have) =>
    have.includes('conversations') ||
    (have.includes('instruction') && (have.includes('output') || have.includes(CHOSEN))),
  columns: (have) =>
    have.includes('conversations')
      ? { prompt: 'conversations' }
      : have.includes('messages')
        ? { prompt: 'messages' }
        : { prompt: 'instruction' },
  consumed: ['system', 'history', 'input', 'output', CHOSEN, REJECTED],
  studentColumn: REJECTED,
  read(row, cols) {
    const cell = row[cols.prompt];
    if (!Array.isArray(cell) && typeof cell !== 'string') return { prompt: cell };
    const turns = Array.isArray(cell) ? sharegptTurns(cell) : alpacaTurns(row, cols.prompt);
    const chosen = chosenTurn(row);
    if (chosen) turns.push(chosen);
    const read = splitLastTurn({ turns, system: row.system, wantTeacher: !!cols.teacher });
    const student = readRejected(row);
    return student ? { ...read, student } : read;
  },
};
