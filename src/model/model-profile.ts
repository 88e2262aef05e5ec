/**
 * Model profiles: what gad-data needs to know about a Qwen-VL model to count prompt tokens exactly
 * (tokenizer, chat template, image geometry), loaded from a model folder as users have it (a local
 * checkpoint, a folder in the Hugging Face cache) or from the bundled copies in `fixtures/models/`.
 */
import { existsSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Tokenizer } from '@huggingface/tokenizers';
import { GadError } from '../core/errors.js';
import { sha256 } from '../core/hash.js';
import { packagePath } from '../core/paths.js';
import type { ImageGeometry } from '../images/resize.js';
import { BUNDLED_MODELS, locateModel, resolveHfCacheDir } from './model-locate.js';
import { HUB_REPO_ID } from '../core/hf-paths.js';
import {
  findChatTemplate,
  findImageConfig,
  loadTokenizer,
  positiveInt,
  tokenizerFileSha,
  readJsonFile,
  readJsonFileQuiet,
} from './model-files.js';
import { MODEL_FAMILY_NAMES, detectModelFamily, modelFamily } from './families/family-table.js';

export type { ImageGeometry };

/** A name of the model-family table (MODEL_FAMILIES, families/family-table.ts). */
export type ModelFamily = string;

export interface ModelProfile {
  /** The bundled name, or the folder as the user gave it. */
  name: string;
  family: ModelFamily;
  /** How the family was decided: `override`, `config.json`, `processor_class`, `patch_size`. */
  familySource: string;
  /** The folder the files were read from (the fixtures folder for a bundled model). */
  dir: string;
  bundled: boolean;
  geometry: ImageGeometry;
  /** The bounds written in the model's own files, before any --min-pixels/--max-pixels override. */
  modelPixels: { minPixels: number; maxPixels: number };
  /** Which file the image settings came from. */
  imageConfigSource: string;
  tokenizer: Tokenizer;
  tokenizerConfig: Record<string, unknown>;
  chatTemplate: string;
  /** `chat_template.jinja`, `chat_template.json` or `tokenizer_config.json`. */
  chatTemplateSource: string;
  /** sha256 of tokenizer.json bytes. */
  tokenizerSha256: string;
  /** sha256 of the chat template text (UTF-8), as transformers' processors report it. */
  chatTemplateSha256: string;
  eosToken: string;
  /** The family's end-of-turn token (`<|im_end|>`). */
  imEndToken: string;
  /** Special-token strings the chat template may reference (bos_token, eos_token, pad_token, unk_token). */
  templateTokens: Record<string, string | null>;
  specialTokens: { imagePad: number; visionStart: number; visionEnd: number; imEnd: number };
}

export interface ProfileOverrides {
  family?: ModelFamily;
  minPixels?: number;
  maxPixels?: number;
}

/** transformers' Qwen2VLImageProcessor defaults when a config gives no bounds. */
const DEFAULT_MIN_PIXELS = 56 * 56;
const DEFAULT_MAX_PIXELS = 28 * 28 * 1280;

export function isModelFamily(s: string): s is ModelFamily {
  return MODEL_FAMILY_NAMES.includes(s);
}

/**
 * Load a model profile: a bundled name (`qwen2.5-vl`, `qwen3-vl`), a model folder (a checkpoint, a
 * Hugging Face cache folder `models--Org--Name` or one of its snapshots), or a Hub id found as `locateModel` finds
 * it (what a build's manifest names, so exports, generate, view and validate load the build's model as build did).
 * Throws a GadError naming the missing or unreadable file.
 */
export async function loadModelProfile(
  nameOrPath: string,
  overrides: ProfileOverrides = {},
  /**
   * `lazyTokenizer`: tokenizer.json is hashed now but parsed only when `tokenizer` or `specialTokens` is first read
   * (a stage that takes its counts from a build's records starts without the tokenizer's second of loading).
   */
  opts: { lazyTokenizer?: boolean } = {},
): Promise<ModelProfile> {
  if (!nameOrPath)
    throw new GadError('no model given', { hint: `use --model ${BUNDLED_MODELS.join(' | ')} | <model folder>` });
  const bundled = BUNDLED_MODELS.includes(nameOrPath);
  let dir = bundled ? packagePath('fixtures', 'models', nameOrPath) : resolve(nameOrPath);
  // A Hub id (a build's manifest names its model so) is found where `build --model` found it: the Hugging Face or
  // ModelScope cache, or the bundled files of that id (never downloaded).
  if (!bundled && !existsSync(dir) && HUB_REPO_ID.test(nameOrPath) && !nameOrPath.startsWith('.')) {
    const located = locateModel(nameOrPath);
    return loadModelProfile(located.path, overrides, opts);
  }
  if (!existsSync(dir)) {
    throw new GadError(`model folder not found: ${nameOrPath}`, {
      hint: `give a folder with tokenizer.json, tokenizer_config.json and preprocessor_config.json, or a bundled model: ${BUNDLED_MODELS.join(', ')}`,
    });
  }
  if (!statSync(dir).isDirectory()) {
    throw new GadError(`--model must be a folder or a bundled name, got the file ${nameOrPath}`, {
      hint: `give the folder that holds tokenizer.json, or one of: ${BUNDLED_MODELS.join(', ')}`,
    });
  }
  dir = resolveHfCacheDir(dir, nameOrPath);

  const tokenizerConfig = readJsonFile(dir, 'tokenizer_config.json', nameOrPath, true)!;
  const tokenizerPath = join(dir, 'tokenizer.json');
  if (!existsSync(tokenizerPath)) {
    throw new GadError(`model folder ${nameOrPath} has no tokenizer.json`, {
      hint: 'gad-data needs the fast-tokenizer file tokenizer.json (saved by transformers with every Qwen-VL checkpoint); copy it from the base model',
    });
  }
  const load = () => loadTokenizer(tokenizerPath, tokenizerConfig, nameOrPath);
  const eager = opts.lazyTokenizer ? null : load();
  const tokenizerSha256 = eager ? eager.sha : tokenizerFileSha(tokenizerPath);

  const { template: chatTemplate, source: chatTemplateSource } = findChatTemplate(dir, nameOrPath, tokenizerConfig);

  // Image settings.
  const img = findImageConfig(dir, nameOrPath);
  const patchSize = positiveInt(img.config.patch_size ?? 14, 'patch_size', img.source, nameOrPath);
  const mergeSize = positiveInt(img.config.merge_size ?? 2, 'merge_size', img.source, nameOrPath);
  const size = (img.config.size ?? {}) as Record<string, unknown>;
  // Qwen2VLImageProcessor: top-level min_pixels / max_pixels override size.shortest_edge / longest_edge.
  const minRaw = img.config.min_pixels ?? size.shortest_edge ?? DEFAULT_MIN_PIXELS;
  const maxRaw = img.config.max_pixels ?? size.longest_edge ?? DEFAULT_MAX_PIXELS;
  const modelMin = positiveInt(minRaw, 'min_pixels', img.source, nameOrPath);
  const modelMax = positiveInt(maxRaw, 'max_pixels', img.source, nameOrPath);
  const minPixels = overrides.minPixels ?? modelMin;
  const maxPixels = overrides.maxPixels ?? modelMax;
  checkPixelBounds(minPixels, maxPixels);

  const { family, source: familySource } = detectFamily(dir, img.config, patchSize, overrides.family, nameOrPath);
  const tokens = modelFamily(family).tokens;

  // Vision tokens: without them this is not a Qwen-VL tokenizer.
  const visionIds = (tokenizer: Tokenizer): ModelProfile['specialTokens'] => {
    const id = (tok: string): number => {
      const v = tokenizer.token_to_id(tok);
      if (v === undefined) {
        throw new GadError(`model folder ${nameOrPath}: tokenizer.json has no ${tok} token: not a Qwen-VL tokenizer`, {
          hint: 'use the tokenizer.json of a Qwen2.5-VL or Qwen3-VL model',
        });
      }
      return v;
    };
    return {
      imagePad: id(tokens.imagePad),
      visionStart: id(tokens.visionStart),
      visionEnd: id(tokens.visionEnd),
      imEnd: id(tokens.imEnd),
    };
  };
  const eagerIds = eager ? visionIds(eager.tokenizer) : null;

  const tokStr = (k: string): string | null => {
    const v = tokenizerConfig[k];
    if (typeof v === 'string') return v;
    if (v && typeof v === 'object' && typeof (v as { content?: unknown }).content === 'string')
      return (v as { content: string }).content;
    return null;
  };
  const eosToken = tokStr('eos_token') ?? tokens.imEnd;

  const profile = {
    name: nameOrPath,
    family,
    familySource,
    dir,
    bundled,
    geometry: { patchSize, mergeSize, factor: patchSize * mergeSize, minPixels, maxPixels },
    modelPixels: { minPixels: modelMin, maxPixels: modelMax },
    imageConfigSource: img.source,
    tokenizerConfig,
    chatTemplate,
    chatTemplateSource,
    tokenizerSha256,
    chatTemplateSha256: sha256(chatTemplate),
    eosToken,
    imEndToken: tokens.imEnd,
    templateTokens: {
      bos_token: tokStr('bos_token'),
      eos_token: tokStr('eos_token'),
      pad_token: tokStr('pad_token'),
      unk_token: tokStr('unk_token'),
    },
  };
  if (eager && eagerIds) return { ...profile, tokenizer: eager.tokenizer, specialTokens: eagerIds };
  let ids: ModelProfile['specialTokens'] | null = null;
  return {
    ...profile,
    get tokenizer() {
      return load().tokenizer;
    },
    get specialTokens() {
      return (ids ??= visionIds(load().tokenizer));
    },
  };
}

export function checkPixelBounds(minPixels: number, maxPixels: number): void {
  for (const [k, v] of [
    ['--min-pixels', minPixels],
    ['--max-pixels', maxPixels],
  ] as const) {
    if (!Number.isSafeInteger(v) || v <= 0) throw new GadError(`${k} must be a positive integer, got ${v}`);
  }
  if (minPixels > maxPixels) {
    throw new GadError(`min pixels (${minPixels}) is larger than max pixels (${maxPixels})`, {
      hint: 'lower --min-pixels or raise --max-pixels',
    });
  }
}

function detectFamily(
  dir: string,
  imageConfig: Record<string, unknown>,
  patchSize: number,
  override: ModelFamily | undefined,
  given: string,
): { family: ModelFamily; source: string } {
  if (override) {
    if (!isModelFamily(override))
      throw new GadError(`unknown model family ${override}`, { hint: `use one of: ${MODEL_FAMILY_NAMES.join(', ')}` });
    return { family: override, source: 'override' };
  }
  const config = readJsonFileQuiet(join(dir, 'config.json'));
  const modelType = typeof config?.model_type === 'string' ? config.model_type : '';
  const pc = typeof imageConfig.processor_class === 'string' ? imageConfig.processor_class : '';
  // A related model (Qwen2-VL) counts as the family it sits under.
  const hit = detectModelFamily({ modelType, processorClass: pc, patchSize });
  if (hit) return { family: hit.family.name, source: hit.source };
  throw new GadError(
    `model folder ${given}: cannot tell the model family (patch_size ${patchSize}, no Qwen-VL model_type)`,
    {
      hint: `give the family explicitly: ${MODEL_FAMILY_NAMES.join(' or ')}`,
    },
  );
}
