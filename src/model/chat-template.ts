/**
 * Format prompts (EasyR1's `format_prompt`: `jinja2.Template(fmt.strip()).render(content=problem)`),
 * the `<image>` split into a chat message, and the model's chat template with add_generation_prompt.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { basename, resolve } from 'node:path';
import { GadError, describeError } from '../core/errors.js';
import { sha256 } from '../core/hash.js';
import { packagePath } from '../core/paths.js';
import type { ModelProfile } from './model-profile.js';
import { compilePyTemplate, pyStrip, type PyTemplate } from './pyjinja.js';
import { chatShape, withTexts } from './chat-shape.js';
import { fastTemplate, type FastTemplate } from './template-fast.js';
import { MESSAGES, TEXT } from './template-kinds.js';

export interface FormatPrompt {
  /** `math`, `r1v`, `none`, or the file's base name without `.jinja`. */
  name: string;
  /** The file read (path as given, or `prompts/<name>.jinja` for a bundled one); null for `none`. */
  file: string | null;
  /** The template text as used (after Python `str.strip()`); null for `none`. */
  source: string | null;
  /** sha256 of `source` (of the empty string for `none`). */
  sha256: string;
  render(content: string): string;
}

/** Bundled format prompts: `prompts/math.jinja`, `prompts/r1v.jinja` and `none` (the problem as is). */
export const BUNDLED_PROMPTS: readonly string[] = ['math', 'r1v', 'none'];

export type ContentItem = { type: 'image' } | { type: 'text'; text: string };
export interface UserMessage {
  role: 'user';
  content: ContentItem[];
}

/** A format prompt from its template text (Python jinja2 semantics; the text is `.strip()`ped first). */
export function formatPromptFromSource(name: string, text: string, file: string | null = null): FormatPrompt {
  const source = pyStrip(text);
  let tpl: PyTemplate;
  try {
    tpl = compilePyTemplate(source, { chat: false });
  } catch (e) {
    throw new GadError(`format prompt ${file ?? name} is not a valid jinja template: ${describeError(e)}`, {
      hint: 'the template gets the problem text as {{ content }}',
    });
  }
  // Rendered by shape (fixed pieces around the problem) when template-taint.ts proves that exact.
  const fast = fastTemplate(tpl, { sources: { content: TEXT }, allowStrip: true });
  const full = (content: string): string => tpl.render({ content });
  const fmt: FormatPrompt = {
    name,
    file,
    source,
    sha256: sha256(source),
    render: (content: string) =>
      (typeof content === 'string'
        ? fast.render(content ? 'n' : 'e', content ? [content] : [], (reps) => full(reps[0] ?? ''))
        : null) ?? full(content),
  };
  formatFast.set(fmt, fast);
  return fmt;
}

const formatFast = new WeakMap<FormatPrompt, FastTemplate>();

/** Whether a format prompt is rendered by shape, if not why, and how often it was (null for `none`). */
export function formatPromptFast(fmt: FormatPrompt): Pick<FastTemplate, 'verdict' | 'stats'> | null {
  return formatFast.get(fmt) ?? null;
}

const NONE_PROMPT: FormatPrompt = Object.freeze({
  name: 'none',
  file: null,
  source: null,
  sha256: sha256(''),
  render: (content: string) => content,
});

/** A bundled prompt name (`math`, `r1v`, `none`) or a path to a `.jinja` file (as EasyR1's `format_prompt:`). */
export async function loadFormatPrompt(nameOrPath: string): Promise<FormatPrompt> {
  if (nameOrPath === 'none' || nameOrPath === '') return NONE_PROMPT;
  if (BUNDLED_PROMPTS.includes(nameOrPath)) {
    const file = packagePath('prompts', `${nameOrPath}.jinja`);
    return formatPromptFromSource(nameOrPath, readFileSync(file, 'utf8'), `prompts/${nameOrPath}.jinja`);
  }
  const p = resolve(nameOrPath);
  if (!existsSync(p) || !statSync(p).isFile()) {
    throw new GadError(`format prompt not found: ${nameOrPath}`, {
      hint: `use one of ${BUNDLED_PROMPTS.join(', ')} or a path to a .jinja file`,
    });
  }
  let text: string;
  try {
    text = readFileSync(p, 'utf8');
  } catch (e) {
    throw new GadError(`cannot read format prompt ${nameOrPath}: ${describeError(e)}`);
  }
  return formatPromptFromSource(basename(p).replace(/\.jinja2?$/, ''), text, nameOrPath);
}

/** EasyR1 / verl: split the text on `<image>`; an image item between pieces, empty text pieces skipped. */
export function buildMessages(formatted: string): UserMessage[] {
  const content: ContentItem[] = [];
  const pieces = formatted.split('<image>');
  for (let i = 0; i < pieces.length; i++) {
    if (i !== 0) content.push({ type: 'image' });
    const piece = pieces[i]!;
    if (piece) content.push({ type: 'text', text: piece });
  }
  return [{ role: 'user', content }];
}

interface CompiledChat {
  tpl: PyTemplate;
  fast: FastTemplate;
}

const chatCache = new WeakMap<ModelProfile, CompiledChat>();

function chatTemplateOf(profile: ModelProfile): CompiledChat {
  let t = chatCache.get(profile);
  if (!t) {
    let tpl: PyTemplate;
    try {
      tpl = compilePyTemplate(profile.chatTemplate, { chat: true });
    } catch (e) {
      throw new GadError(
        `model ${profile.name}: the chat template (${profile.chatTemplateSource}) cannot be parsed: ${describeError(e)}`,
      );
    }
    t = { tpl, fast: fastTemplate(tpl, { sources: { messages: MESSAGES } }) };
    chatCache.set(profile, t);
  }
  return t;
}

/** Whether a model's chat template is rendered by shape, if not why (template-taint.ts), and how often it was. */
export function chatTemplateFast(profile: ModelProfile): Pick<FastTemplate, 'verdict' | 'stats'> {
  return chatTemplateOf(profile).fast;
}

/** renderChat through the full template render only (no rendering by shape): the reference the fast path must equal. */
export function renderChatFull(
  profile: ModelProfile,
  messages: ReadonlyArray<{ role: string; content: unknown }>,
  opts: { addGenerationPrompt?: boolean } = {},
): string {
  const vars: Record<string, unknown> = {
    messages,
    add_generation_prompt: opts.addGenerationPrompt ?? true,
    tools: null,
    documents: null,
  };
  for (const [k, v] of Object.entries(profile.templateTokens)) if (v !== null) vars[k] = v;
  return chatTemplateOf(profile).tpl.render(vars);
}

/**
 * `processor.apply_chat_template(messages, add_generation_prompt=True, tokenize=False)`; with
 * `addGenerationPrompt: false`, a full conversation (e.g. ending in the assistant's answer) as a trainer renders it.
 */
export function renderChat(
  profile: ModelProfile,
  messages: ReadonlyArray<{ role: string; content: unknown }>,
  opts: { addGenerationPrompt?: boolean } = {},
): string {
  // Rows of one dataset nearly all share a shape (roles, turns, content kinds, image positions): when the template
  // is proven to insert the texts verbatim, each shape is rendered once and a row joins its pieces with its texts.
  const { fast } = chatTemplateOf(profile);
  const addGenerationPrompt = opts.addGenerationPrompt ?? true;
  const shape = fast.verdict.ok ? chatShape(messages, addGenerationPrompt) : null;
  const out = shape
    ? fast.render(shape.key, shape.texts, (reps) =>
        renderChatFull(profile, withTexts(messages, reps), { addGenerationPrompt }),
      )
    : null;
  if (!shape) fast.stats.full++;
  return out ?? renderChatFull(profile, messages, { addGenerationPrompt });
}
