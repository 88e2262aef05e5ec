/**
 * A chat message list's shape (everything the chat template may look at besides the texts) and its texts, for
 * rendering by shape (template-split.ts). Only the plain forms gad-data builds are recognised — messages
 * `{role, content}` whose content is a string or a list of `{type}` / `{type, text}` items, keys in that order —
 * anything else gets no shape and is rendered in full.
 */
import { must } from '../core/guards.js';

export interface ChatShape {
  /** Roles, content kinds, item types, which texts are empty, add_generation_prompt. */
  key: string;
  /** The non-empty texts in document order (empty texts are part of the shape and stay as they are). */
  texts: string[];
}

function plain(v: unknown): v is Record<string, unknown> {
  if (!v || typeof v !== 'object' || Array.isArray(v)) return false;
  const proto = Object.getPrototypeOf(v) as unknown;
  return proto === Object.prototype || proto === null;
}

function keysAre(o: Record<string, unknown>, want: readonly string[]): boolean {
  const keys = Object.keys(o);
  if (keys.length !== want.length) return false;
  for (let i = 0; i < keys.length; i++) if (keys[i] !== want[i]) return false;
  return true;
}

const MESSAGE_KEYS = ['role', 'content'];
const IMAGE_KEYS = ['type'];
const TEXT_KEYS = ['type', 'text'];

/** The shape and texts of a message list, or null when it is not in a recognised form. */
export function chatShape(messages: unknown, addGenerationPrompt: boolean): ChatShape | null {
  if (!Array.isArray(messages)) return null;
  let key = addGenerationPrompt ? 'g' : 'n';
  const texts: string[] = [];
  for (let i = 0; i < messages.length; i++) {
    const m: unknown = messages[i];
    if (!plain(m) || !keysAre(m, MESSAGE_KEYS) || typeof m.role !== 'string') return null;
    key += `|${m.role.length}:${m.role}`;
    const content = m.content;
    if (typeof content === 'string') {
      key += content ? 's' : 'e';
      if (content) texts.push(content);
      continue;
    }
    if (!Array.isArray(content)) return null;
    key += '[';
    for (let j = 0; j < content.length; j++) {
      const item: unknown = content[j];
      if (!plain(item) || typeof item.type !== 'string') return null;
      const type = item.type;
      if (keysAre(item, IMAGE_KEYS)) key += `o${type.length}:${type}`;
      else if (keysAre(item, TEXT_KEYS) && typeof item.text === 'string') {
        key += `${item.text ? 't' : 'u'}${type.length}:${type}`;
        if (item.text) texts.push(item.text);
      } else return null;
    }
    key += ']';
  }
  return { key, texts };
}

/** The message list with its non-empty texts replaced, in the order chatShape lists them, by `reps`. */
export function withTexts(
  messages: ReadonlyArray<{ role: string; content: unknown }>,
  reps: readonly string[],
): Array<{ role: string; content: unknown }> {
  let n = 0;
  const next = (t: string): string => (t ? must(reps[n++], 'a replacement for each text') : t);
  return messages.map((m) => ({
    role: m.role,
    content:
      typeof m.content === 'string'
        ? next(m.content)
        : (m.content as Array<Record<string, unknown>>).map((item) =>
            'text' in item ? { type: item.type, text: next(item.text as string) } : { type: item.type },
          ),
  }));
}
