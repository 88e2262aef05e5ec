/**
 * Reading a model folder's files as transformers reads them: JSON configs, tokenizer.json (loaded once per file
 * version, and shared by folders holding the same bytes), the chat template (transformers' order of files) and the
 * image processor settings. A missing or broken file is a GadError naming it and saying how to restore it.
 */
import { closeSync, existsSync, openSync, readFileSync, readSync, statSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { Tokenizer } from '@huggingface/tokenizers';
import { GadError, describeError } from '../core/errors.js';
import { sha256 } from '../core/hash.js';
import { isObject, isRecord } from '../core/guards.js';
import { readCachedTokenizer, writeCachedTokenizer } from './tokenizer-cache.js';

const tokenizerCache = new Map<string, { key: string; tokenizer: Tokenizer; sha: string }>();
/** The same tokenizer.json bytes and config in another folder (a copied model folder) share the loaded tokenizer. */
const tokenizerByContent = new Map<string, Tokenizer>();

export function readJsonFile(
  dir: string,
  file: string,
  given: string,
  required: boolean,
): Record<string, unknown> | null {
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
  if (!isRecord(v)) {
    throw new GadError(`model folder ${given}: ${file} is not a JSON object`, {
      hint: `restore ${file} from the base model`,
    });
  }
  return v;
}

export function readJsonFileQuiet(p: string): Record<string, unknown> | null {
  try {
    const v = JSON.parse(readFileSync(p, 'utf8'));
    return isObject(v) ? v : null;
  } catch {
    return null;
  }
}

/**
 * sha256 of tokenizer.json's bytes (what loadTokenizer returns as `sha`), without parsing it, read in 256 KB pieces
 * into one buffer: the whole 11 MB file is not held (new memory costs more to touch than the hash itself), and on a
 * tokenizer-cache hit it is never needed. The hash is taken from the bytes each time, not remembered by the file's
 * size and mtime: a file rewritten with the same size within the mtime's resolution (or given its old mtime back,
 * as `cp -p`, `rsync -t` or an archive do) would keep a stale hash, and with it another tokenizer's tables.
 */
export function tokenizerFileSha(path: string): string {
  const h = createHash('sha256');
  const buf = Buffer.allocUnsafe(256 * 1024);
  const fd = openSync(path, 'r');
  try {
    for (let n = readSync(fd, buf); n > 0; n = readSync(fd, buf)) h.update(buf.subarray(0, n));
  } finally {
    closeSync(fd);
  }
  return h.digest('hex');
}

export function loadTokenizer(
  path: string,
  config: Record<string, unknown>,
  given: string,
): { tokenizer: Tokenizer; sha: string } {
  const st = statSync(path);
  const key = `${st.size}:${st.mtimeMs}:${JSON.stringify(config)}`;
  const hit = tokenizerCache.get(path);
  if (hit && hit.key === key) return hit;
  let sha = tokenizerFileSha(path);
  let contentKey = `${sha}:${JSON.stringify(config)}`;
  const same = tokenizerByContent.get(contentKey);
  if (same) {
    const entry = { key, tokenizer: same, sha };
    tokenizerCache.set(path, entry);
    return entry;
  }
  // The tables of an earlier full load of the same bytes (tokenizer-cache.ts), else parse and build them.
  let tokenizer = readCachedTokenizer(sha, config);
  if (!tokenizer) {
    const bytes = readFileSync(path);
    // the bytes parsed are the bytes hashed (the file may have been replaced since it was hashed above)
    sha = sha256(bytes);
    contentKey = `${sha}:${JSON.stringify(config)}`;
    let json: unknown;
    try {
      json = JSON.parse(bytes.toString('utf8'));
    } catch (e) {
      throw new GadError(`model folder ${given}: tokenizer.json is not valid JSON (${describeError(e)})`, {
        hint: 'restore tokenizer.json from the base model',
      });
    }
    try {
      tokenizer = new Tokenizer(json as object, config);
    } catch (e) {
      throw new GadError(`model folder ${given}: tokenizer.json cannot be loaded (${describeError(e)})`, {
        hint: 'restore tokenizer.json from the base model',
      });
    }
    writeCachedTokenizer(sha, config, json, tokenizer);
  }
  const entry = { key, tokenizer, sha };
  tokenizerCache.set(path, entry);
  tokenizerByContent.set(contentKey, tokenizer);
  return entry;
}

/** transformers' order: chat_template.jinja, then chat_template.json, then tokenizer_config.json. */
export function findChatTemplate(
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

export function findImageConfig(dir: string, given: string): { config: Record<string, unknown>; source: string } {
  const pre = readJsonFile(dir, 'preprocessor_config.json', given, false);
  if (pre) return { config: pre, source: 'preprocessor_config.json' };
  const proc = readJsonFile(dir, 'processor_config.json', given, false);
  if (proc) {
    const ip = proc.image_processor;
    if (isRecord(ip)) {
      const config = { ...ip };
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

export function positiveInt(v: unknown, key: string, file: string, given: string): number {
  if (typeof v === 'number' && Number.isSafeInteger(v) && v > 0) return v;
  throw new GadError(`model folder ${given}: ${file} has ${key} = ${JSON.stringify(v)}, expected a positive integer`, {
    hint: `fix ${key} in ${file}`,
  });
}
