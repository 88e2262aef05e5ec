/**
 * The model and format prompt a row is rendered with: a build's own (manifest.json: the model it names, the
 * chat_template.jinja and format_prompt.jinja copied beside the shards), checked against the digests the
 * manifest recorded; or `--model` / `--format-prompt` (parquet files made by others, or a build whose model
 * folder is not here).
 */
import { readFileSync } from 'node:fs';
import { sha256 } from '../core/hash.js';
import { describeError } from '../core/errors.js';
import { defaultFormatPromptFor } from '../core/defaults.js';
import { loadFormatPrompt, type FormatPrompt } from '../model/chat-template.js';
import { loadModelProfile, type ModelProfile } from '../model/model-profile.js';
import { insideRoot } from './safe-path.js';
import type { ViewSource } from './source.js';

export type ViewModel = { profile: ModelProfile; formatPrompt: FormatPrompt; note: string | null } | { error: string };

export async function loadViewModel(
  src: ViewSource,
  opts: { model?: string; formatPrompt?: string },
): Promise<ViewModel> {
  const m = src.manifest;
  const name = opts.model ?? (m ? (typeof m.config?.model === 'string' ? m.config.model : m.model.name) : 'qwen3-vl');
  let profile: ModelProfile;
  try {
    profile = await loadModelProfile(name);
  } catch (e) {
    return { error: `the model ${name} cannot be loaded here (${describeError(e)}); give it with --model` };
  }
  const notes: string[] = [];
  if (m && src.root) {
    const copy = m.model?.chatTemplateFile ? insideRoot(src.root, m.model.chatTemplateFile) : null;
    if (copy) {
      const text = readFileSync(copy, 'utf8');
      profile = {
        ...profile,
        chatTemplate: text,
        chatTemplateSha256: sha256(text),
        chatTemplateSource: 'chat_template.jinja',
      };
    }
    if (m.model?.chatTemplateSha256 && m.model.chatTemplateSha256 !== profile.chatTemplateSha256)
      notes.push(`the chat template of ${name} differs from the one the build counted with (sha256 differs)`);
  }
  let formatPrompt: FormatPrompt;
  try {
    if (src.target === 'verl') formatPrompt = await loadFormatPrompt('none');
    else if (opts.formatPrompt) formatPrompt = await loadFormatPrompt(opts.formatPrompt);
    else if (m) {
      const file = m.formatPrompt?.file && src.root ? insideRoot(src.root, m.formatPrompt.file) : null;
      formatPrompt = await loadFormatPrompt(file ?? 'none');
    } else formatPrompt = await loadFormatPrompt(defaultFormatPromptFor('easyr1'));
  } catch (e) {
    return { error: `the format prompt cannot be loaded: ${describeError(e)}` };
  }
  return { profile, formatPrompt, note: notes.join('; ') || null };
}
