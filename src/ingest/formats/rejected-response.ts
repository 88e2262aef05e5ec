/**
 * ms-swift's `rejected_response` (docs/source_en/Customization/Custom-dataset.md, "RLHF: DPO/ORPO/CPO/SimPO/RM"):
 * the dispreferred answer to the row's prompt. ms-swift takes a string, or a list of messages that replace
 * everything after the last user turn (swift/template/template_inputs.py `_compat_rejected_response`: no `user`
 * role, anything else refused); `rejected_images` defaults to `images`. Here it is the row's student answer: a
 * string, or a list of exactly one assistant message with text content (the same answer written as a message).
 * A list of several messages (an agent's tool calls and results) holds no one answer, and any other value is
 * none: both are a `problem` naming the fix. A row whose `rejected_images` differ from its `images` answered
 * other images than the prompt's: `skipped`.
 */
import { isDeepStrictEqual } from 'node:util';
import type { FormatStudent } from './input-format.js';

export const REJECTED_RESPONSE = 'rejected_response';

/** What a JSON value is, for messages. */
function kindOf(v: unknown): string {
  if (Array.isArray(v)) return `a list of ${v.length}`;
  if (v === null) return 'null';
  return typeof v === 'object' ? 'a JSON object' : `a ${typeof v}`;
}

const FIX = 'give the student answer as a string (or a list of one {"role": "assistant", "content": "..."} message)';

export function readRejectedResponse(row: Record<string, unknown>): FormatStudent | undefined {
  const column = REJECTED_RESPONSE;
  const cell = row[column];
  if (cell === undefined || cell === null) return undefined;
  const other = row.rejected_images;
  if (other !== undefined && other !== null && !isDeepStrictEqual(other, row.images ?? null))
    return { column, skipped: 'other_images' };
  if (typeof cell === 'string') return { column, text: cell };
  if (Array.isArray(cell)) {
    const m = cell[0] as { role?: unknown; content?: unknown } | undefined;
    if (cell.length === 1 && m && typeof m === 'object' && m.role === 'assistant' && typeof m.content === 'string')
      return { column, text: m.content };
    const what =
      cell.length === 1
        ? `a list of one ${m && typeof m === 'object' ? `message with role ${JSON.stringify(m.role)} and ${kindOf(m.content)} content` : kindOf(m)}`
        : `${kindOf(cell)} messages (ms-swift's agent form: what follows the last user turn), not one answer`;
    return { column, problem: `${column} is ${what}; ${FIX}` };
  }
  return { column, problem: `${column} is ${kindOf(cell)}, not a string; ${FIX}` };
}
