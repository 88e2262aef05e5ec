/**
 * LLaMA-Factory's preference ("ranking") rows (its data/README.md, "Preference Dataset"; `ranking: true` in
 * dataset_info.json): sharegpt `conversations` ending with a user turn plus `chosen` and `rejected` turns
 * (`{from: "gpt", value}`), or alpaca `instruction` / `input` plus `chosen` and `rejected` strings — what
 * `gad-data export rm --format llamafactory` writes. The chosen answer is the row's last assistant turn (the teacher
 * response of a GAD build, as an SFT row's last gpt turn is); the rejected answer is the row's student answer.
 */
import { isObject } from '../../core/guards.js';
import type { FormatStudent } from './input-format.js';
import type { Turn } from './last-turn.js';

export const CHOSEN = 'chosen';
export const REJECTED = 'rejected';

const FIX = 'give it as a {"from": "gpt", "value": "..."} turn (sharegpt) or a string (alpaca)';

/** The text of a ranking cell: an assistant turn of sharegpt's tags or OpenAI's, or a string; null: neither. */
function answerText(cell: unknown): string | null {
  if (typeof cell === 'string') return cell;
  if (!isObject(cell)) return null;
  const role = 'from' in cell ? cell.from : cell.role;
  const content = 'from' in cell ? cell.value : cell.content;
  return (role === 'gpt' || role === 'assistant') && typeof content === 'string' ? content : null;
}

/** The chosen answer as the row's last assistant turn, or undefined when the row has no `chosen`. */
export function chosenTurn(row: Record<string, unknown>): Turn | undefined {
  const cell = row[CHOSEN];
  if (cell === undefined || cell === null) return undefined;
  // a cell of another shape stays as it is: the last-turn rule then finds no assistant answer and says so
  const text = answerText(cell);
  return text === null ? { role: 'assistant', content: cell } : { role: 'assistant', content: text };
}

/** The rejected answer as the row's student answer, or undefined when the row has no `rejected`. */
export function readRejected(row: Record<string, unknown>): FormatStudent | undefined {
  const cell = row[REJECTED];
  if (cell === undefined || cell === null) return undefined;
  const text = answerText(cell);
  if (text !== null) return { column: REJECTED, text };
  return { column: REJECTED, problem: `${REJECTED} is not an assistant answer; ${FIX}` };
}
