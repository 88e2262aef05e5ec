/** Cell values as text: the prompt cell (a string or a message list), and any scalar as Python's str() shows it. */
import type { PromptMessage } from '../core/types.js';
import { IMAGE_TAG } from '../core/image-tag.js';
import { JsonNumber } from './json-numbers.js';
import { isObject, must } from '../core/guards.js';

export function asText(v: unknown): string | null | undefined {
  if (v === null || v === undefined) return null;
  if (typeof v === 'string') return v;
  if (v instanceof Uint8Array) return Buffer.from(v).toString('utf8');
  if (typeof v === 'number' || typeof v === 'bigint' || typeof v === 'boolean') return String(v);
  // A JSON number String() cannot carry (9007199254740993, 1.0, 1e5): Python's str() of it, as the trainer sees it.
  if (v instanceof JsonNumber) return v.text;
  return undefined;
}

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * Text of a message's content: a string, or a list of parts (`{type:'text', text}` / `{type:'image'}` → `<image>`).
 * A part that is neither (a video, an audio clip) is not written; its type is added to `lost`.
 */
function contentText(c: unknown, lost: Set<string>): string | undefined {
  if (typeof c === 'string') return c;
  if (c instanceof Uint8Array) return Buffer.from(c).toString('utf8');
  if (Array.isArray(c)) {
    let s = '';
    for (const part of c) {
      if (typeof part === 'string') s += part;
      else if (isObject(part)) {
        const p = part;
        if (p.type === 'image' || p.type === 'image_url') s += IMAGE_TAG;
        else if (typeof p.text === 'string') s += p.text;
        else lost.add(`content part of type '${asText(p.type) ?? '(none)'}'`);
      } else if (part !== null && part !== undefined) lost.add(`content part of type ${typeof part}`);
    }
    return s;
  }
  return undefined;
}

/** The keys of a prompt message that are written: the rest (with a value) are lost. */
const MESSAGE_KEYS = new Set(['role', 'content']);

/**
 * The prompt text from a string cell or a message list (the first user message). A message list is also
 * returned whole (every turn, contents as text), as verl renders it; what of it cannot be written (message keys
 * other than role and content, content parts that are neither text nor image) is named in `lost`. `validate`
 * reads prompt cells with it too.
 */
export function promptText(
  v: unknown,
): { text: string | null; messages?: PromptMessage[]; promptMessage?: number; lost?: string[] } | { error: string } {
  // A number or boolean is not a prompt (a wrong cell type, e.g. a jsonl row with "problem": 42): bad_row.
  if (typeof v === 'number' || typeof v === 'bigint' || typeof v === 'boolean')
    return { error: `the prompt cell is a ${typeof v} (${String(v)}), not text` };
  if (v instanceof JsonNumber) return { error: `the prompt cell is a number (${v.text}), not text` };
  if (v instanceof Uint8Array) {
    // A binary prompt column: its bytes must be UTF-8 (a lenient decode would send U+FFFD garbage to the trainer).
    try {
      return { text: strictUtf8.decode(v) };
    } catch {
      return { error: 'the prompt bytes are not valid UTF-8' };
    }
  }
  const t = asText(v);
  if (t !== undefined) return { text: t };
  if (Array.isArray(v)) {
    const at = v.findIndex((m) => isObject(m) && m.role === 'user');
    if (at < 0) return v.length ? { error: 'the prompt message list has no user message' } : { text: null };
    const messages: PromptMessage[] = [];
    const lost = new Set<string>();
    for (let i = 0; i < v.length; i++) {
      const m: unknown = v[i];
      const role = isObject(m) ? asText(m.role) : undefined;
      if (!isObject(m) || typeof role !== 'string') return { error: `prompt message ${i} has no role` };
      const c = contentText(m.content, lost);
      if (c === undefined)
        return { error: `the content of prompt message ${i} (${role}) is neither text nor a list of parts` };
      for (const [k, x] of Object.entries(m)) {
        if (!MESSAGE_KEYS.has(k) && x !== null && x !== undefined) lost.add(`message key '${k}'`);
      }
      messages.push({ role, content: c });
    }
    const prompt = must(messages[at], 'every message of the list is kept, the user message among them');
    return { text: prompt.content, messages, promptMessage: at, ...(lost.size ? { lost: [...lost] } : {}) };
  }
  return { error: `the prompt cell is a ${typeof v}, not text or a message list` };
}
