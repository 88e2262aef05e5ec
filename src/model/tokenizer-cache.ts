/**
 * A persistent cache of a loaded BPE tokenizer's tables, so a command does not rebuild them from tokenizer.json each
 * time. Loading Qwen's tokenizer.json (11 MB) costs about 1.2 s of CPU: `JSON.parse` (0.4 s) and the constructor of
 * @huggingface/tokenizers' BPE model (0.7 s: its vocabulary `Map`, the id → token array, and the merge ranks `Map`
 * keyed by `JSON.stringify([a, b])` for 151,387 merges). The cache file holds those tables as the library built
 * them (after the added tokens were put in), in V8's serialization, and the rest of tokenizer.json (its small
 * parts); a load builds the Tokenizer from that rest with an empty vocabulary and puts the cached tables in place.
 *
 * Exact by construction: the tables are the library's own objects from a full load of the same bytes. A file is
 * used only when its key matches: the sha256 of tokenizer.json, the tokenizer config, the library's BPE and
 * Tokenizer code, V8's version and this format; and its own sha256 (stored at its start) matches its content.
 * Anything else (no file, another key, a damaged file, an unwritable folder) falls back to the full load, which then
 * writes the file (atomically: a temporary file renamed). `GAD_DATA_CACHE_DIR` sets the folder (`off`: no cache);
 * default `$XDG_CACHE_HOME/gad-data`, else `~/.cache/gad-data`; the files are under `tokenizers/`.
 */
import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { createHash } from 'node:crypto';
import { deserialize, serialize } from 'node:v8';
import * as tokenizers from '@huggingface/tokenizers';
import { Tokenizer } from '@huggingface/tokenizers';
import { isRecord } from '../core/guards.js';

const FORMAT = 1;

interface BpeTables {
  tokens_to_ids: Map<string, number>;
  vocab: string[];
  bpe_ranks: Map<string, number>;
  unk_token_id: number | undefined;
}

interface CacheFile {
  key: string;
  rest: string;
  tokensToIds: Map<string, number>;
  bpeRanks: Map<string, number>;
  unkTokenId: number | null;
  vocabSize: number;
}

/** The cache folder, or null when turned off. */
export function tokenizerCacheDir(env: NodeJS.ProcessEnv = process.env): string | null {
  const set = env.GAD_DATA_CACHE_DIR;
  if (set !== undefined && set !== '') return set === 'off' ? null : join(set, 'tokenizers');
  const base = env.XDG_CACHE_HOME ? env.XDG_CACHE_HOME : join(homedir(), '.cache');
  return join(base, 'gad-data', 'tokenizers');
}

let codeHash: string | undefined;

function cacheKey(sha: string, config: Record<string, unknown>): string {
  codeHash ??= createHash('sha256')
    .update(String((tokenizers as Record<string, unknown>).BPE))
    .update(String(Tokenizer))
    .digest('hex');
  return JSON.stringify([FORMAT, sha, config, codeHash, process.versions.v8]);
}

function fileFor(dir: string, sha: string, key: string): string {
  return join(dir, `${sha}-${createHash('sha256').update(key).digest('hex').slice(0, 16)}.v8`);
}

/** A tokenizer.json-like object with a `model` object. */
function hasModel(json: unknown): json is { model: Record<string, unknown> } {
  return isRecord(json) && isRecord(json.model);
}

/** Is this tokenizer.json a plain BPE model whose tables the cache holds? */
function cacheable(json: unknown): json is { model: Record<string, unknown> } {
  return (
    hasModel(json) &&
    json.model.type === 'BPE' &&
    typeof json.model.vocab === 'object' &&
    Array.isArray(json.model.merges)
  );
}

/** A deserialized cache file of the expected shape, else null. */
function asCacheFile(v: unknown): CacheFile | null {
  if (!isRecord(v)) return null;
  const { key, rest, tokensToIds, bpeRanks, unkTokenId, vocabSize } = v;
  if (typeof key !== 'string' || typeof rest !== 'string' || typeof vocabSize !== 'number') return null;
  if (!(tokensToIds instanceof Map) || !(bpeRanks instanceof Map)) return null;
  if (unkTokenId !== null && typeof unkTokenId !== 'number') return null;
  return { key, rest, tokensToIds, bpeRanks, unkTokenId, vocabSize };
}

/** The tokenizer from the cache, or null (no usable file). */
export function readCachedTokenizer(sha: string, config: Record<string, unknown>): Tokenizer | null {
  const dir = tokenizerCacheDir();
  if (!dir) return null;
  const key = cacheKey(sha, config);
  let f: CacheFile | null;
  try {
    const bytes = readFileSync(fileFor(dir, sha, key));
    const body = bytes.subarray(32);
    if (!createHash('sha256').update(body).digest().equals(bytes.subarray(0, 32))) return null;
    f = asCacheFile(deserialize(body));
  } catch {
    return null;
  }
  if (!f || f.key !== key) return null;
  const json: unknown = JSON.parse(f.rest);
  if (!hasModel(json)) return null;
  // The library's constructor on an empty vocabulary: everything but the BPE tables (normalizer, pre-tokenizer,
  // added tokens and their splitters, decoder) is built as in a full load.
  json.model.vocab = {};
  json.model.merges = [];
  const tokenizer = new Tokenizer(json, config);
  const model = (tokenizer as unknown as { model: BpeTables }).model;
  model.tokens_to_ids = f.tokensToIds;
  model.bpe_ranks = f.bpeRanks;
  model.unk_token_id = f.unkTokenId ?? undefined;
  // The id → token array (decode only) is made from the map when first read.
  const size = f.vocabSize;
  Object.defineProperty(model, 'vocab', {
    configurable: true,
    enumerable: true,
    get() {
      const vocab = new Array<string>(size);
      for (const [k, v] of f.tokensToIds) vocab[v] = k;
      Object.defineProperty(model, 'vocab', { value: vocab, writable: true, configurable: true, enumerable: true });
      return vocab;
    },
    set(v: string[]) {
      Object.defineProperty(model, 'vocab', { value: v, writable: true, configurable: true, enumerable: true });
    },
  });
  return tokenizer;
}

/** Write the cache file of a tokenizer loaded in full from `json`; any failure is ignored (the cache is optional). */
export function writeCachedTokenizer(
  sha: string,
  config: Record<string, unknown>,
  json: unknown,
  tokenizer: Tokenizer,
): void {
  const dir = tokenizerCacheDir();
  if (!dir || !cacheable(json)) return;
  const model = (tokenizer as unknown as { model: Partial<BpeTables> }).model;
  if (!(model.tokens_to_ids instanceof Map) || !(model.bpe_ranks instanceof Map) || !Array.isArray(model.vocab)) return;
  // The id → token array is rebuilt from the map on a cached load: cache only when that gives this array (it does
  // not when an added token reuses a vocabulary entry's text under another id: that entry's old id keeps its text).
  const vocab = model.vocab;
  const rebuilt = new Array<string>(vocab.length);
  for (const [k, v] of model.tokens_to_ids) rebuilt[v] = k;
  for (let i = 0; i < vocab.length; i++) if (rebuilt[i] !== vocab[i]) return;
  const key = cacheKey(sha, config);
  const file = fileFor(dir, sha, key);
  const tmp = `${file}.${process.pid}.tmp`;
  try {
    const restModel = { ...json.model };
    delete restModel.vocab;
    delete restModel.merges;
    const body = serialize({
      key,
      rest: JSON.stringify({ ...json, model: restModel }),
      tokensToIds: model.tokens_to_ids,
      bpeRanks: model.bpe_ranks,
      unkTokenId: model.unk_token_id ?? null,
      vocabSize: vocab.length,
    } satisfies CacheFile);
    mkdirSync(dir, { recursive: true });
    writeFileSync(tmp, Buffer.concat([createHash('sha256').update(body).digest(), body]));
    renameSync(tmp, file);
  } catch {
    try {
      rmSync(tmp, { force: true });
    } catch {
      // the folder itself is not there or not a folder
    }
  }
}
