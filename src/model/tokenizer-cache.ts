/**
 * A persistent cache of a loaded BPE tokenizer's tables, so a command does not rebuild them from tokenizer.json each
 * time. Loading Qwen's tokenizer.json (11 MB) costs about 1.2 s of CPU: `JSON.parse` (0.4 s) and the constructor of
 * @huggingface/tokenizers' BPE model (0.7 s: its vocabulary `Map`, the id → token array, and the merge ranks `Map`
 * keyed by `JSON.stringify([a, b])` for 151,387 merges). The cache file holds those two Maps as the library built
 * them (after the added tokens were put in), packed into typed arrays (packed-map.ts: the keys in one string, their
 * values and a hash table over them), and the rest of tokenizer.json (its small parts). A load builds the Tokenizer
 * from that rest with an empty vocabulary and puts in `PackedMap`s read straight from the file: no Map is filled
 * entry by entry (format 1 held the Maps in V8's serialization; deserializing them cost about 0.2 s).
 *
 * Exact by construction: the tables are the library's own Maps from a full load of the same bytes, every entry in
 * the Map's order. A file is used only when its key matches: the sha256 of tokenizer.json, the tokenizer config,
 * the library's BPE and Tokenizer code, V8's version, the byte order and this format; and its own sha256 (stored at
 * its start) matches its content. Anything else (no file, another key, a damaged file, an unwritable folder) falls
 * back to the full load, which then writes the file (atomically: a temporary file renamed). `GAD_DATA_CACHE_DIR`
 * sets the folder (`off`: no cache); default `$XDG_CACHE_HOME/gad-data`, else `~/.cache/gad-data`; the files are
 * under `tokenizers/`.
 */
import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { endianness, homedir } from 'node:os';
import { join } from 'node:path';
import { createHash } from 'node:crypto';
import * as tokenizers from '@huggingface/tokenizers';
import { Tokenizer } from '@huggingface/tokenizers';
import { isRecord } from '../core/guards.js';
import { PackedMap, packTable } from './packed-map.js';
import { decodeCacheFile, encodeCacheFile } from './tokenizer-cache-file.js';

/** 2: the Maps packed into typed arrays (packed-map.ts); 1 held them in V8's serialization. */
const FORMAT = 2;

interface BpeTables {
  tokens_to_ids: Map<string, number>;
  vocab: string[];
  bpe_ranks: Map<string, number>;
  unk_token_id: number | undefined;
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
  return JSON.stringify([FORMAT, sha, config, codeHash, process.versions.v8, endianness()]);
}

function fileFor(dir: string, sha: string, key: string): string {
  return join(dir, `${sha}-${createHash('sha256').update(key).digest('hex').slice(0, 16)}.bin`);
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

/** The tokenizer from the cache, or null (no usable file). */
export function readCachedTokenizer(sha: string, config: Record<string, unknown>): Tokenizer | null {
  const dir = tokenizerCacheDir();
  if (!dir) return null;
  const key = cacheKey(sha, config);
  let f: ReturnType<typeof decodeCacheFile>;
  try {
    f = decodeCacheFile(readFileSync(fileFor(dir, sha, key)), 2);
  } catch {
    return null;
  }
  const [vocabTable, ranksTable] = f?.tables ?? [];
  if (!f || f.header.key !== key || !vocabTable || !ranksTable) return null;
  const json: unknown = JSON.parse(f.header.rest);
  if (!hasModel(json)) return null;
  // The library's constructor on an empty vocabulary: everything but the BPE tables (normalizer, pre-tokenizer,
  // added tokens and their splitters, decoder) is built as in a full load.
  json.model.vocab = {};
  json.model.merges = [];
  const tokenizer = new Tokenizer(json, config);
  const model = (tokenizer as unknown as { model: BpeTables }).model;
  const tokensToIds = new PackedMap(vocabTable);
  model.tokens_to_ids = tokensToIds;
  model.bpe_ranks = new PackedMap(ranksTable);
  model.unk_token_id = f.header.unkTokenId ?? undefined;
  // The id → token array (decode only) is made from the map when first read.
  const size = f.header.vocabSize;
  Object.defineProperty(model, 'vocab', {
    configurable: true,
    enumerable: true,
    get() {
      const vocab = tokensToIds.keysById(size);
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
    // packTable throws on a key that is not a string or a value that is not an int32: no file then
    const tables = [packTable(model.tokens_to_ids), packTable(model.bpe_ranks)];
    const bytes = encodeCacheFile(
      {
        key,
        rest: JSON.stringify({ ...json, model: restModel }),
        unkTokenId: model.unk_token_id ?? null,
        vocabSize: vocab.length,
      },
      tables,
    );
    mkdirSync(dir, { recursive: true });
    writeFileSync(tmp, bytes);
    renameSync(tmp, file);
  } catch {
    try {
      rmSync(tmp, { force: true });
    } catch {
      // the folder itself is not there or not a folder
    }
  }
}
