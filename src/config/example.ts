/**
 * The commented example config written by `gad-data init`, generated from the key table (keys.ts): the
 * `data:` section, the top-level keys, the other sections, then the mapping-valued keys (`trainer: {}`),
 * a blank line between; each key with its default (or its example value) and its comment.
 */
import type { ConfigKey, ExampleSpec } from './key.js';
import { SECTIONS, keyEntries, splitPath } from './keys.js';
import { keyDefault } from './schema.js';
import { must } from '../core/guards.js';

const HEADER = `# gad-data.yaml — build a GAD / GRPO dataset for verl or EasyR1.
# The data: section takes EasyR1's keys as they are, so an EasyR1 config file works too:
#   gad-data build --config examples/config.yaml
`;

/** The column comments start at (a longer line gets three spaces before its comment). */
const COMMENT_COLUMN = 31;

/** `text   # comment`, the comment's later lines continued under the comment column. */
function withComment(text: string, comment: string | undefined): string {
  if (!comment) return text;
  const [first, ...more] = comment.split('\n');
  const pad = text.length < COMMENT_COLUMN ? text.padEnd(COMMENT_COLUMN) : `${text}   `;
  return [`${pad}# ${first}`, ...more.map((l) => `${' '.repeat(COMMENT_COLUMN)}# ${l}`)].join('\n');
}

/** A default as YAML writes it (null, true, 2048, text, {}). */
function yamlValue(v: unknown): string {
  return v !== null && typeof v === 'object' ? JSON.stringify(v) : String(v);
}

function exampleOf(key: ConfigKey): ExampleSpec | null {
  if (key.example === false) return null;
  return typeof key.example === 'string' ? { comment: key.example } : (key.example ?? {});
}

export function renderExampleConfig(): string {
  const sections = new Map<string, string[]>();
  const scalars: string[] = [];
  const mappings: string[] = [];
  for (const [path, key] of keyEntries()) {
    const ex = exampleOf(key);
    if (!ex) continue;
    const [section, name] = splitPath(path);
    const value = ex.value ?? yamlValue(keyDefault(path));
    const indent = section ? '  ' : '';
    const line = withComment(`${indent}${ex.commented ? '# ' : ''}${name}: ${value}`, ex.comment);
    if (section) {
      let lines = sections.get(section);
      if (!lines) {
        const info = must(
          Object.entries(SECTIONS).find(([name]) => name === section),
          `the key table's section ${section} is in SECTIONS`,
        )[1];
        lines = [withComment(`${section}:`, info.comment)];
        sections.set(section, lines);
      }
      lines.push(line);
    } else (value.startsWith('{') ? mappings : scalars).push(line);
  }
  const [first, ...rest] = [...sections.values()];
  const blocks = [first ?? [], scalars, ...rest, mappings].filter((b) => b.length);
  return HEADER + blocks.map((b) => `${b.join('\n')}\n`).join('\n');
}

/** The commented example written by `gad-data init`. */
export const EXAMPLE_CONFIG = renderExampleConfig();
