/**
 * The manifest of a build, assembled from what the build knew and counted (one params object), and the files that
 * travel with it in the output folder: the format prompt and chat template copies, manifest.json, the dataset card
 * README.md, report.json and report.html (rendered by the caller, so export does not import the report module).
 */
import { readFile, writeFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { PIPELINES, trainerOfPipeline } from '../core/defaults.js';
import { sha256 } from '../core/hash.js';
import { displayPath } from '../core/paths.js';
import type { Manifest, PassthroughColumn, ShardInfo } from '../core/types.js';
import type { ResolvedConfig } from '../config/config.js';
import type { ModelProfile } from '../model/model-profile.js';
import type { PipelineBounds } from '../images/resize.js';
import type { FormatPrompt } from '../model/chat-template.js';
import { VERSION } from '../core/version.js';
import { renderDatasetCard, writeManifest } from './manifest.js';

/** The format prompt's copy in the output folder. */
export const FORMAT_PROMPT_FILE = 'format_prompt.jinja';
/** The copy of data.override_chat_template in the output folder. */
export const CHAT_TEMPLATE_FILE = 'chat_template.jinja';

/** The config as recorded in the manifest: secrets removed, machine-specific folders made relative where possible. */
export function publicConfig(cfg: ResolvedConfig): Record<string, unknown> {
  const { hub, baseDir: _base, out: _out, configFile: _file, trainSpecs, valSpecs, ...rest } = cfg;
  const list = (v: string | string[] | null | undefined) =>
    v == null ? v : Array.isArray(v) ? v.map((x) => displayPath(x)) : displayPath(v);
  return {
    ...rest,
    model: displayPath(cfg.model),
    data: {
      ...cfg.data,
      train_files: list(cfg.data.train_files),
      val_files: list(cfg.data.val_files),
      image_dir: list(cfg.data.image_dir),
      format_prompt: list(cfg.data.format_prompt),
    },
    teacher: cfg.teacher ? { ...cfg.teacher, file: list(cfg.teacher.file) } : null,
    trainSpecs: trainSpecs.map((x) => displayPath(x)),
    valSpecs: valSpecs.map((x) => displayPath(x)),
    hub: { ...hub, cache_dir: list(hub.cache_dir), token: hub.token ? '<set>' : null },
  };
}

/** The pixel bounds a pipeline resizes within: its own keys' (resolved), or the processor's (the profile's). */
export function pipelineBoundsFor(
  pipeline: ResolvedConfig['pipeline'],
  b: Required<PipelineBounds>,
  profile: ModelProfile,
) {
  const keys = PIPELINES[pipeline].bounds;
  if (keys) return { minPixels: b[keys.minKey], maxPixels: b[keys.maxKey] };
  return { minPixels: profile.geometry.minPixels, maxPixels: profile.geometry.maxPixels };
}

export interface BuildManifestParams {
  cfg: ResolvedConfig;
  profile: ModelProfile;
  /** Where the model files come from, as displayed. */
  modelSource: string;
  /** The local folder trainers load the model from, when its name alone would not find it (ModelScope cache). */
  modelLocalDir?: string;
  /** data.override_chat_template was used (its copy is CHAT_TEMPLATE_FILE). */
  chatTemplateOverride: boolean;
  bounds: Required<PipelineBounds>;
  prompt: FormatPrompt;
  /** No format prompt was applied (every prompt a message list and none asked for). */
  noPromptApplied: boolean;
  sources: Manifest['sources'];
  schema: { kind: Manifest['kind']; promptKey: string; imageKey: string };
  passthrough: PassthroughColumn[];
  splits: Manifest['splits'];
  shards: ShardInfo[];
  tokens: Manifest['tokens'];
  /** Teacher responses (GAD builds): how many, and how many end with <|im_end|>; null for GRPO. */
  teacher: { policy: 'keep' | 'strip' | 'append'; endingWithImEnd: number; total: number } | null;
  dataSources: Set<string>;
}

export async function buildManifest(p: BuildManifestParams): Promise<Manifest> {
  const { cfg, profile, prompt, bounds } = p;
  return {
    tool: { name: 'gad-data', version: VERSION },
    target: cfg.target,
    kind: p.schema.kind,
    config: publicConfig(cfg),
    sources: p.sources,
    model: {
      name: displayPath(profile.name),
      family: profile.family,
      patchSize: profile.geometry.patchSize,
      mergeSize: profile.geometry.mergeSize,
      factor: profile.geometry.factor,
      minPixels: profile.geometry.minPixels,
      maxPixels: profile.geometry.maxPixels,
      tokenizerSha256: profile.tokenizerSha256,
      chatTemplateSha256: profile.chatTemplateSha256,
      source: p.modelSource,
      ...(p.modelLocalDir ? { localDir: p.modelLocalDir } : {}),
      chatTemplateSource: profile.chatTemplateSource,
      ...(p.chatTemplateOverride ? { chatTemplateFile: CHAT_TEMPLATE_FILE } : {}),
    },
    resize: {
      pipeline: cfg.pipeline,
      ...pipelineBoundsFor(cfg.pipeline, bounds, profile),
      trainer: trainerOfPipeline(cfg.pipeline),
      policy: cfg.resize,
    },
    columns: {
      prompt: p.schema.promptKey,
      answer: cfg.data.answer_key,
      images: p.schema.imageKey,
      teacher: p.teacher ? 'teacher_response' : null,
      ...(p.passthrough.length ? { passthrough: p.passthrough } : {}),
    },
    // A copy of the format prompt travels with the data (EasyR1 reads it at training time).
    // (Every prompt a message list and no format prompt asked for: none was applied, and the manifest says so.)
    formatPrompt:
      p.noPromptApplied || prompt.name === 'none'
        ? { name: 'none', sha256: sha256(''), file: null }
        : { name: prompt.name, sha256: prompt.sha256, file: prompt.source === null ? null : FORMAT_PROMPT_FILE },
    limits: { maxPromptLength: cfg.data.max_prompt_length, maxResponseLength: cfg.data.max_response_length },
    splits: p.splits,
    shards: p.shards,
    tokens: p.tokens,
    ...(p.teacher ? { teacherEnding: p.teacher } : {}),
    ...(cfg.configFile
      ? { configFile: { path: relative(cfg.out, cfg.configFile), sha256: sha256(await readFile(cfg.configFile)) } }
      : {}),
    ...(cfg.target === 'verl' ? { dataSources: [...p.dataSources].sort() } : {}),
  };
}

/**
 * Write the files of a build beside its shards, in this order: the format prompt's copy (`promptText`, null when
 * none was applied or it has no file), the chat template's copy (null: none), manifest.json, README.md,
 * report.json, report.html.
 */
export async function writeBuildFiles(p: {
  dir: string;
  manifest: Manifest;
  promptText: string | null;
  chatTemplate: string | null;
  report: unknown;
  reportHtml: string;
}): Promise<void> {
  if (p.promptText !== null) await writeFile(join(p.dir, FORMAT_PROMPT_FILE), `${p.promptText}\n`);
  if (p.chatTemplate !== null) await writeFile(join(p.dir, CHAT_TEMPLATE_FILE), p.chatTemplate);
  await writeManifest(p.dir, p.manifest);
  await writeFile(join(p.dir, 'README.md'), renderDatasetCard(p.manifest));
  await writeFile(join(p.dir, 'report.json'), `${JSON.stringify(p.report, null, 2)}\n`);
  await writeFile(join(p.dir, 'report.html'), p.reportHtml);
}
