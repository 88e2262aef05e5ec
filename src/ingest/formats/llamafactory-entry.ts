/**
 * The LLaMA-Factory reader of one dataset_info.json entry: its columns and tags as src/llamafactory/data/converter.py
 * reads them. sharegpt: the `messages` column's turns, `role_tag` / `content_tag` fields, `user_tag` /
 * `assistant_tag` / `observation_tag` / `function_tag` / `system_tag` values; a first turn with the system tag is the
 * system prompt, else the `system` column when the entry maps one. alpaca: `prompt` and `query` joined by "\n",
 * `history` pairs, `response`, `system`. The last assistant turn is the teacher response or left out (last-turn.ts).
 */
import type { ColumnMap } from '../column-map.js';
import type { DatasetEntry } from './dataset-info.js';
import { splitLastTurn, type Turn } from './last-turn.js';
import type { InputFormat } from './input-format.js';
import { isObject } from '../../core/guards.js';

function sharegptRead(entry: DatasetEntry, row: Record<string, unknown>, cell: unknown[]) {
  const t = entry.tags;
  const roleOf: Record<string, string> = {
    [t.user_tag]: 'user',
    [t.assistant_tag]: 'assistant',
    [t.observation_tag]: 'observation',
    [t.function_tag]: 'function',
    ...(t.system_tag ? { [t.system_tag]: 'system' } : {}),
  };
  const field = (m: unknown, k: string) => (isObject(m) ? m[k] : undefined);
  let messages = cell;
  let system: unknown = entry.columns.system ? row[entry.columns.system] : null;
  if (t.system_tag && messages.length && field(messages[0], t.role_tag) === t.system_tag) {
    system = field(messages[0], t.content_tag);
    messages = messages.slice(1);
  }
  const turns: Turn[] = messages.map((m) => {
    const role = field(m, t.role_tag);
    return { role: typeof role === 'string' ? (roleOf[role] ?? role) : role, content: field(m, t.content_tag) };
  });
  return { turns, system };
}

function alpacaTurns(entry: DatasetEntry, row: Record<string, unknown>): Turn[] {
  const c = entry.columns;
  const out: Turn[] = [];
  const history = c.history ? row[c.history] : null;
  for (const pair of Array.isArray(history) ? history : []) {
    if (Array.isArray(pair)) out.push({ role: 'user', content: pair[0] }, { role: 'assistant', content: pair[1] });
  }
  const query = [c.prompt ? row[c.prompt] : null, c.query ? row[c.query] : null].filter((x) => !!x);
  out.push({ role: 'user', content: query.join('\n') });
  const response = c.response ? row[c.response] : null;
  if (typeof response === 'string') out.push({ role: 'assistant', content: response });
  return out;
}

/** The entry's reader, named `llamafactory` like the reader of the default layout. */
export function entryFormat(entry: DatasetEntry): InputFormat {
  const c = entry.columns;
  const prompt = entry.formatting === 'sharegpt' ? c.messages : c.prompt;
  const t = entry.tags;
  return {
    name: 'llamafactory',
    describe: `LLaMA-Factory dataset_info.json entry ${entry.name}`,
    detect: () => false,
    columns: (): Partial<ColumnMap> => ({
      ...(prompt ? { prompt } : {}),
      ...(c.images ? { images: c.images } : {}),
    }),
    consumed: [c.system, c.history, ...(entry.formatting === 'alpaca' ? [c.query, c.response] : [])].filter(
      (x): x is string => !!x,
    ),
    note:
      entry.formatting === 'sharegpt'
        ? `dataset_info.json entry ${entry.name} (sharegpt): ${c.messages} turns of {${t.role_tag}, ${t.content_tag}}, user ${t.user_tag}, assistant ${t.assistant_tag}, system ${t.system_tag ?? '(none)'}; images ${c.images ?? '(not mapped)'}, under ${entry.dir}`
        : `dataset_info.json entry ${entry.name} (alpaca): ${[c.prompt, c.query].filter(Boolean).join(' + ')} → ${c.response ?? '(no response)'}; images ${c.images ?? '(not mapped)'}, under ${entry.dir}`,
    read(row, cols) {
      const cell = row[cols.prompt];
      const wantTeacher = !!cols.teacher;
      if (entry.formatting === 'alpaca')
        return splitLastTurn({ turns: alpacaTurns(entry, row), system: c.system ? row[c.system] : null, wantTeacher });
      if (!Array.isArray(cell)) return { prompt: cell };
      const { turns, system } = sharegptRead(entry, row, cell);
      return splitLastTurn({ turns, system, wantTeacher });
    },
  };
}
