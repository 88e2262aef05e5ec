/**
 * Model profiles: what gad-data needs to know about a Qwen-VL model to count prompt tokens exactly
 * (tokenizer, chat template, image geometry), loaded from a model folder as users have it (a local
 * checkpoint, a folder in the Hugging Face cache) or from the bundled copies in `fixtures/models/`.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { isAbsolute, join, resolve } from 'node:path';
import { Tokenizer } from '@huggingface/tokenizers';
import { GadError, describeError } from '../core/errors.js';
import { sha256 } from '../core/hash.js';
import { packagePath } from '../core/paths.js';
import type { ImageGeometry } from './resize.js';

export type { ImageGeometry };

export type ModelFamily = 'qwen2.5-vl' | 'qwen3-vl';
export const MODEL_FAMILIES: readonly ModelFamily[] = ['qwen2.5-vl', 'qwen3-vl'];

/** Models shipped in `fixtures/models/<name>/`, usable offline with `--model <name>`. */
export const BUNDLED_MODELS: readonly string[] = ['qwen2.5-vl', 'qwen3-vl'];

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
  imEndToken: '<|im_end|>';
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

const tokenizerCache = new Map<string, { key: string; tokenizer: Tokenizer; sha: string }>();

export function isModelFamily(s: string): s is ModelFamily {
  return (MODEL_FAMILIES as readonly string[]).includes(s);
}

/**
 * Load a model profile: a bundled name (`qwen2.5-vl`, `qwen3-vl`) or a model folder (a checkpoint, a
 * Hugging Face cache folder `models--Org--Name` or one of its snapshots). Throws a GadError naming
 * the missing or unreadable file.
 */
export async function loadModelProfile(nameOrPath: string, overrides: ProfileOverrides = {}): Promise<ModelProfile> {
  if (!nameOrPath)
    throw new GadError('no model given', { hint: `use --model ${BUNDLED_MODELS.join(' | ')} | <model folder>` });
  const bundled = BUNDLED_MODELS.includes(nameOrPath);
  let dir = bundled ? packagePath('fixtures', 'models', nameOrPath) : resolve(nameOrPath);
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
  const { tokenizer, sha: tokenizerSha256 } = loadTokenizer(tokenizerPath, tokenizerConfig, nameOrPath);

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

  // Vision tokens: without them this is not a Qwen-VL tokenizer.
  const id = (tok: string): number => {
    const v = tokenizer.token_to_id(tok);
    if (v === undefined) {
      throw new GadError(`model folder ${nameOrPath}: tokenizer.json has no ${tok} token: not a Qwen-VL tokenizer`, {
        hint: 'use the tokenizer.json of a Qwen2.5-VL or Qwen3-VL model',
      });
    }
    return v;
  };
  const specialTokens = {
    imagePad: id('<|image_pad|>'),
    visionStart: id('<|vision_start|>'),
    visionEnd: id('<|vision_end|>'),
    imEnd: id('<|im_end|>'),
  };

  const { family, source: familySource } = detectFamily(dir, img.config, patchSize, overrides.family, nameOrPath);

  const tokStr = (k: string): string | null => {
    const v = tokenizerConfig[k];
    if (typeof v === 'string') return v;
    if (v && typeof v === 'object' && typeof (v as { content?: unknown }).content === 'string')
      return (v as { content: string }).content;
    return null;
  };
  const eosToken = tokStr('eos_token') ?? '<|im_end|>';

  return {
    name: nameOrPath,
    family,
    familySource,
    dir,
    bundled,
    geometry: { patchSize, mergeSize, factor: patchSize * mergeSize, minPixels, maxPixels },
    modelPixels: { minPixels: modelMin, maxPixels: modelMax },
    imageConfigSource: img.source,
    tokenizer,
    tokenizerConfig,
    chatTemplate,
    chatTemplateSource,
    tokenizerSha256,
    chatTemplateSha256: sha256(chatTemplate),
    eosToken,
    imEndToken: '<|im_end|>',
    templateTokens: {
      bos_token: tokStr('bos_token'),
      eos_token: tokStr('eos_token'),
      pad_token: tokStr('pad_token'),
      unk_token: tokStr('unk_token'),
    },
    specialTokens,
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

/** A Hugging Face cache folder (`models--Org--Name`) resolves to the snapshot `refs/main` names (or its only snapshot). */
function resolveHfCacheDir(dir: string, given: string): string {
  const snaps = join(dir, 'snapshots');
  if (existsSync(join(dir, 'tokenizer.json')) || !existsSync(snaps)) return dir;
  const ref = join(dir, 'refs', 'main');
  if (existsSync(ref)) {
    const commit = readFileSync(ref, 'utf8').trim();
    if (commit && existsSync(join(snaps, commit))) return join(snaps, commit);
  }
  const entries = readdirSync(snaps).filter((e) => statSync(join(snaps, e)).isDirectory());
  if (entries.length === 1) return join(snaps, entries[0]!);
  throw new GadError(
    `model folder ${given} is a Hugging Face cache folder with ${entries.length} snapshots and no refs/main`,
    {
      hint: `give one snapshot folder: ${given}/snapshots/<commit>`,
    },
  );
}

function readJsonFile(dir: string, file: string, given: string, required: boolean): Record<string, unknown> | null {
  const p = join(dir, file);
  if (!existsSync(p)) {
    if (!required) return null;
    throw new GadError(`model folder ${given} has no ${file}`, {
      hint: `copy ${file} from the base model into ${given}`,
    });
  }
  let v: unknown;
  try {
    v = JSON.parse(readFileSync(p, 'utf8'));
  } catch (e) {
    throw new GadError(`model folder ${given}: ${file} is not valid JSON (${describeError(e)})`, {
      hint: `restore ${file} from the base model`,
    });
  }
  if (!v || typeof v !== 'object' || Array.isArray(v)) {
    throw new GadError(`model folder ${given}: ${file} is not a JSON object`, {
      hint: `restore ${file} from the base model`,
    });
  }
  return v as Record<string, unknown>;
}

function loadTokenizer(
  path: string,
  config: Record<string, unknown>,
  given: string,
): { tokenizer: Tokenizer; sha: string } {
  const st = statSync(path);
  const key = `${st.size}:${st.mtimeMs}:${JSON.stringify(config)}`;
  const hit = tokenizerCache.get(path);
  if (hit && hit.key === key) return hit;
  const bytes = readFileSync(path);
  let json: unknown;
  try {
    json = JSON.parse(bytes.toString('utf8'));
  } catch (e) {
    throw new GadError(`model folder ${given}: tokenizer.json is not valid JSON (${describeError(e)})`, {
      hint: 'restore tokenizer.json from the base model',
    });
  }
  let tokenizer: Tokenizer;
  try {
    tokenizer = new Tokenizer(json as object, config);
  } catch (e) {
    throw new GadError(`model folder ${given}: tokenizer.json cannot be loaded (${describeError(e)})`, {
      hint: 'restore tokenizer.json from the base model',
    });
  }
  const entry = { key, tokenizer, sha: sha256(bytes) };
  tokenizerCache.set(path, entry);
  return entry;
}

/** transformers' order: chat_template.jinja, then chat_template.json, then tokenizer_config.json. */
function findChatTemplate(
  dir: string,
  given: string,
  tokenizerConfig: Record<string, unknown>,
): { template: string; source: string } {
  const jinjaPath = join(dir, 'chat_template.jinja');
  if (existsSync(jinjaPath)) return { template: readFileSync(jinjaPath, 'utf8'), source: 'chat_template.jinja' };
  const json = readJsonFile(dir, 'chat_template.json', given, false);
  if (json) {
    const t = pickTemplate(json.chat_template);
    if (t === null) {
      throw new GadError(`model folder ${given}: chat_template.json has no "chat_template" string`, {
        hint: 'restore chat_template.json from the base model',
      });
    }
    return { template: t, source: 'chat_template.json' };
  }
  const t = pickTemplate(tokenizerConfig.chat_template);
  if (t !== null) return { template: t, source: 'tokenizer_config.json' };
  throw new GadError(
    `model folder ${given} has no chat template (chat_template.jinja, chat_template.json, or "chat_template" in tokenizer_config.json)`,
    {
      hint: 'copy chat_template.jinja or chat_template.json from the base model',
    },
  );
}

/** A template is a string, or (tokenizer_config.json) a list of {name, template}: take `default`. */
function pickTemplate(v: unknown): string | null {
  if (typeof v === 'string') return v;
  if (Array.isArray(v)) {
    const named = v.filter(
      (x): x is { name: string; template: string } => !!x && typeof x === 'object' && typeof x.template === 'string',
    );
    const d = named.find((x) => x.name === 'default') ?? (named.length === 1 ? named[0] : undefined);
    return d ? d.template : null;
  }
  return null;
}

function findImageConfig(dir: string, given: string): { config: Record<string, unknown>; source: string } {
  const pre = readJsonFile(dir, 'preprocessor_config.json', given, false);
  if (pre) return { config: pre, source: 'preprocessor_config.json' };
  const proc = readJsonFile(dir, 'processor_config.json', given, false);
  if (proc) {
    const ip = proc.image_processor;
    if (ip && typeof ip === 'object' && !Array.isArray(ip)) {
      const config = { ...(ip as Record<string, unknown>) };
      if (config.processor_class === undefined && proc.processor_class !== undefined)
        config.processor_class = proc.processor_class;
      return { config, source: 'processor_config.json (image_processor)' };
    }
    throw new GadError(`model folder ${given}: processor_config.json has no "image_processor" object`, {
      hint: 'copy preprocessor_config.json from the base model',
    });
  }
  throw new GadError(`model folder ${given} has no preprocessor_config.json (nor processor_config.json)`, {
    hint: 'copy preprocessor_config.json from the base model: it gives patch_size, merge_size and the pixel bounds',
  });
}

function positiveInt(v: unknown, key: string, file: string, given: string): number {
  if (typeof v === 'number' && Number.isSafeInteger(v) && v > 0) return v;
  throw new GadError(`model folder ${given}: ${file} has ${key} = ${JSON.stringify(v)}, expected a positive integer`, {
    hint: `fix ${key} in ${file}`,
  });
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
      throw new GadError(`unknown model family ${override}`, { hint: `use one of: ${MODEL_FAMILIES.join(', ')}` });
    return { family: override, source: 'override' };
  }
  const config = readJsonFileQuiet(join(dir, 'config.json'));
  const modelType = typeof config?.model_type === 'string' ? config.model_type : '';
  if (/^qwen3_vl/.test(modelType)) return { family: 'qwen3-vl', source: 'config.json' };
  if (/^qwen2(_5)?_vl/.test(modelType)) return { family: 'qwen2.5-vl', source: 'config.json' };
  const pc = typeof imageConfig.processor_class === 'string' ? imageConfig.processor_class : '';
  if (/^Qwen3VL/.test(pc)) return { family: 'qwen3-vl', source: 'processor_class' };
  if (/^Qwen2(_5)?_?VL/.test(pc)) return { family: 'qwen2.5-vl', source: 'processor_class' };
  if (patchSize === 16) return { family: 'qwen3-vl', source: 'patch_size' };
  if (patchSize === 14) return { family: 'qwen2.5-vl', source: 'patch_size' };
  throw new GadError(
    `model folder ${given}: cannot tell the model family (patch_size ${patchSize}, no Qwen-VL model_type)`,
    {
      hint: `give the family explicitly: ${MODEL_FAMILIES.join(' or ')}`,
    },
  );
}

function readJsonFileQuiet(p: string): Record<string, unknown> | null {
  try {
    const v = JSON.parse(readFileSync(p, 'utf8'));
    return v && typeof v === 'object' ? (v as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

/**
 * Hub model ids whose files the bundled profiles are, byte for byte: only these ids may fall back to a bundled
 * profile when the model is not in the Hugging Face cache. (The bundled `qwen3-vl` set is assembled from public
 * copies — see fixtures/models/qwen3-vl/SOURCE.txt — so no Hub id maps to it.)
 */
export const BUNDLED_HUB_IDS: Readonly<Record<string, { profile: string; revision: string }>> = {
  'Qwen/Qwen2.5-VL-7B-Instruct': { profile: 'qwen2.5-vl', revision: 'cc594898137f460bfe9f0759e9844b3ce807cfb5' },
};

const HUB_MODEL_ID = /^[A-Za-z0-9][\w.-]*\/[\w.-]+$/;

/** The Hugging Face hub cache folder, as huggingface_hub finds it ($HF_HUB_CACHE, $HF_HOME/hub, ~/.cache/huggingface/hub). */
export function hfHubCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  const hfHome = env.HF_HOME || join(env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'huggingface');
  return env.HF_HUB_CACHE || env.HUGGINGFACE_HUB_CACHE || join(hfHome, 'hub');
}

export interface LocatedModel {
  /** What loadModelProfile takes: a bundled name or a folder. */
  path: string;
  /** The model as the user named it (a Hub id stays a Hub id). */
  name: string;
  /** Where the files come from, for the log and the manifest (`describe` formats the folder, e.g. relative). */
  from: string;
  describe(fmt: (path: string) => string): string;
}

/**
 * Find the files of a model as transformers' `from_pretrained(model)` would, offline: a bundled name, a local
 * folder (relative to `cwd`), or a Hub id in the Hugging Face cache (`models--owner--name/snapshots/<rev>/`).
 * Nothing is downloaded. A Hub id that is not cached falls back to a bundled profile only when the bundled
 * files are that model's (BUNDLED_HUB_IDS); otherwise a GadError says how to provide the files.
 */
export function locateModel(
  ref: string,
  opts: { cwd?: string; env?: NodeJS.ProcessEnv; key?: string } = {},
): LocatedModel {
  const cwd = opts.cwd ?? process.cwd();
  const key = opts.key ?? '--model';
  const located = (path: string, what: (f: (p: string) => string) => string): LocatedModel => ({
    path,
    name: ref,
    from: what((p) => p),
    describe: what,
  });
  if (BUNDLED_MODELS.includes(ref)) return located(ref, () => `bundled profile (${key})`);
  const local = isAbsolute(ref) ? ref : resolve(cwd, ref);
  if (existsSync(local)) return located(local, (f) => `local folder ${f(local)} (${key})`);
  if (!HUB_MODEL_ID.test(ref) || ref.startsWith('.')) {
    throw new GadError(`model folder not found: ${ref} (${key}; resolved to ${local})`, {
      hint: `give a folder with tokenizer.json, tokenizer_config.json and preprocessor_config.json (relative paths are resolved against the working directory), or a bundled model: ${BUNDLED_MODELS.join(', ')}`,
    });
  }
  const cache = hfHubCacheDir(opts.env);
  const cached = join(cache, `models--${ref.split('/').join('--')}`);
  if (existsSync(join(cached, 'snapshots'))) return located(cached, (f) => `Hugging Face cache ${f(cached)} (${key})`);
  const bundled = BUNDLED_HUB_IDS[ref];
  if (bundled) {
    return located(
      bundled.profile,
      () =>
        `bundled profile ${bundled.profile}: the files of ${ref} at revision ${bundled.revision.slice(0, 8)} (${key}; not in the Hugging Face cache)`,
    );
  }
  const bundledNote = /qwen3-vl/i.test(ref)
    ? ` The bundled qwen3-vl profile is an assembled set (not byte-checked against ${ref}); pass --model qwen3-vl to use it knowingly.`
    : '';
  throw new GadError(
    `model ${ref} (${key}) is not a local folder and not in the Hugging Face cache (${cached}); gad-data never downloads models.${bundledNote}`,
    {
      hint: `pass --model DIR (or ${BUNDLED_MODELS.join(' / ')}), or download its tokenizer and processor files into the cache: hf download ${ref} tokenizer.json tokenizer_config.json preprocessor_config.json chat_template.json config.json`,
    },
  );
}
