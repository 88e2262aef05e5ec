/**
 * What a build knows before it reads a row: the model profile (located, with data.override_chat_template in
 * place of its chat template), the format prompt, the prompt counter, the build settings (src/pipeline/build-settings.ts:
 * GAD or not, the length limits, the teacher ending, the trainer's pixel bounds) and the image options of format.
 */
import { readFile } from 'node:fs/promises';
import { GadError } from '../core/errors.js';
import { sha256 } from '../core/hash.js';
import { displayPath } from '../core/paths.js';
import type { ProgressSink } from '../core/progress.js';
import { PIPELINES } from '../core/defaults.js';
import type { ResolvedConfig } from '../config/config.js';
import type { ImageOptions } from '../images/image-options.js';
import { loadModelProfile, type ModelProfile } from '../model/model-profile.js';
import { locateModel } from '../model/model-locate.js';
import { resolveBounds, type PipelineBounds } from '../images/resize.js';
import { resizeMismatch } from '../core/resize-match.js';
import { loadFormatPrompt, type FormatPrompt } from '../model/chat-template.js';
import { PromptCounter } from '../model/token-counts.js';
import { CHAT_TEMPLATE_FILE } from '../output/build-manifest.js';
import { buildSettingsOf, type BuildSettings } from './build-settings.js';

export interface Prepared {
  profile: ModelProfile;
  /** Where the model files come from, as displayed (the manifest's model.source). */
  modelSource: string;
  /** The folder a trainer must load the model from (a model found in the ModelScope cache), else undefined. */
  modelLocalDir?: string;
  /** data.override_chat_template, read (null: the model's own template). */
  override: { path: string; text: string } | null;
  prompt: FormatPrompt;
  counter: PromptCounter;
  /** GAD or not, the length limits, the teacher ending, the pixel bounds: what the steps read of the config. */
  settings: BuildSettings;
  imageOpts: ImageOptions;
}

/** Pixel bounds of the trainer's pre-resize step, from data.min_pixels / data.max_pixels. */
function pipelineBounds(cfg: ResolvedConfig): Partial<PipelineBounds> {
  const b: Partial<PipelineBounds> = {};
  const keys = PIPELINES[cfg.pipeline].bounds; // null: the processor's own (set on the profile)
  if (keys && cfg.data.min_pixels != null) b[keys.minKey] = cfg.data.min_pixels;
  if (keys && cfg.data.max_pixels != null) b[keys.maxKey] = cfg.data.max_pixels;
  return b;
}

/**
 * EasyR1's `override_chat_template`: the file's text, read as is, replaces the chat template of the tokenizer
 * and the processor (verl/utils/tokenizer.py). EasyR1 would print "not found" and keep the model's template for
 * a missing file; gad-data stops instead, since the counts would silently be for another template.
 */
async function loadChatTemplateOverride(path: string | null): Promise<{ path: string; text: string } | null> {
  if (!path) return null;
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch {
    throw new GadError(`data.override_chat_template: file not found: ${path}`, {
      hint: "fix the path (relative paths are resolved against the working directory, as EasyR1 does), or set it to null to use the model's own template; EasyR1 itself would skip a missing file with only a printed line",
    });
  }
  let json: unknown = null;
  try {
    json = JSON.parse(text);
  } catch {
    json = null;
  }
  if (json !== null && typeof json === 'object') {
    throw new GadError(
      `data.override_chat_template: ${path} is a JSON file, but EasyR1 reads this file as raw Jinja text (the JSON text itself would become the template)`,
      {
        hint: 'point it at a .jinja file holding only the template (the "chat_template" string of that JSON, unescaped)',
      },
    );
  }
  return { path, text };
}

export async function prepare(
  cfg: ResolvedConfig,
  log: { progress: ProgressSink; warn: (message: string) => void },
): Promise<Prepared> {
  const { progress, warn } = log;
  const profileOverrides = !PIPELINES[cfg.pipeline].bounds
    ? { minPixels: cfg.data.min_pixels ?? undefined, maxPixels: cfg.data.max_pixels ?? undefined }
    : {};
  const located = locateModel(cfg.model, {
    cwd: cfg.baseDir,
    key: cfg.modelKey ?? 'model',
    source: cfg.model_source,
  });
  let profile = await loadModelProfile(located.path, profileOverrides);
  if (profile.name !== located.name) profile = { ...profile, name: located.name };
  if ((cfg.modelKey ?? 'default') !== 'default')
    progress.log(`model ${located.name}: ${located.describe((p) => displayPath(p))}`);
  const override = await loadChatTemplateOverride(cfg.data.override_chat_template ?? null);
  if (override) {
    profile = {
      ...profile,
      chatTemplate: override.text,
      chatTemplateSource: `data.override_chat_template (${displayPath(override.path)})`,
      chatTemplateSha256: sha256(override.text),
    };
    progress.log(
      `chat template: ${displayPath(override.path)} (data.override_chat_template) replaces the model's ${located.name} template`,
    );
    if (cfg.target === 'verl')
      warn(
        `data.override_chat_template is an EasyR1 key: the counts use ${displayPath(override.path)}, so make verl render with the same template (a copy is written to the output as ${CHAT_TEMPLATE_FILE})`,
      );
  }
  // The build's resize must be the one the target's trainer runs on what is written: refused with the fix otherwise.
  const mismatch = resizeMismatch({
    target: cfg.target,
    pipeline: cfg.pipeline,
    resize: cfg.resize,
    minPixels: cfg.data.min_pixels ?? null,
    maxPixels: cfg.data.max_pixels ?? null,
    patchSize: profile.geometry.patchSize,
    processorMinPixels: profile.geometry.minPixels,
    processorMaxPixels: profile.geometry.maxPixels,
  });
  if (mismatch) throw new GadError(mismatch.message, { hint: mismatch.hint });
  const prompt = await loadFormatPrompt(cfg.data.format_prompt ?? 'none');
  const counter = new PromptCounter(profile, prompt);
  const bounds = resolveBounds(profile.geometry, pipelineBounds(cfg));
  const imageOpts: ImageOptions = {
    pipeline: cfg.pipeline,
    geometry: profile.geometry,
    bounds,
    imageFormat: cfg.image_format,
    resize: cfg.resize,
    maxInputPixels: cfg.max_input_pixels,
    timeoutMs: cfg.image_timeout * 1000,
  };
  const modelSource = located.describe((p) => displayPath(p));
  const modelLocalDir = located.localDir;
  const settings = buildSettingsOf(cfg, bounds);
  return { profile, modelSource, modelLocalDir, override, prompt, counter, settings, imageOpts };
}
