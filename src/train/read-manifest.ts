import { join, resolve } from 'node:path';
import { GadError } from '../core/errors.js';
import type { Manifest, ShardInfo } from '../core/types.js';
import { readManifestJson } from '../recipes/read-build-manifest.js';

/** Read and sanity-check `OUT_DIR/manifest.json` (only the fields the launcher needs). */
export async function readBuildManifest(outDir: string): Promise<Manifest> {
  const file = join(resolve(outDir), 'manifest.json');
  const m = await readManifestJson(file, '--data');
  const missing: string[] = [];
  const need = (cond: unknown, name: string) => {
    if (!cond) missing.push(name);
  };
  need(m && (m.target === 'verl' || m.target === 'easyr1'), 'target (verl|easyr1)');
  need(m && (m.kind === 'gad' || m.kind === 'grpo'), 'kind (gad|grpo)');
  need(m?.model?.family, 'model.family');
  need(typeof m?.model?.patchSize === 'number', 'model.patchSize');
  need(m?.columns?.prompt && m?.columns?.images, 'columns.prompt/images');
  need(typeof m?.limits?.maxPromptLength === 'number' && typeof m?.limits?.maxResponseLength === 'number', 'limits');
  need(Array.isArray(m?.shards), 'shards');
  if (missing.length) {
    throw new GadError(`${file} lacks ${missing.join(', ')}`, {
      hint: 'the manifest was not written by this gad-data version: rebuild the data with `gad-data build`',
    });
  }
  return m;
}

/** Shards of one split in manifest order. */
export function shardsOf(m: Manifest, split: string): ShardInfo[] {
  return m.shards.filter((s) => s.split === split);
}

const VAL_SPLITS = ['test', 'validation', 'val', 'valid', 'dev', 'eval', 'evaluation', 'testing'];

/** The training split (`train`) and the split used for validation (test/validation/...), by name. */
export function pickSplits(m: Manifest): { train: string; val: string | null } {
  const names = [...new Set(m.shards.map((s) => s.split))];
  if (!names.includes('train')) {
    throw new GadError(`the build has no "train" split (splits: ${names.join(', ') || 'none'})`, {
      hint: 'build a split named train (splits: in gad-data.yaml), or pass data.train_files=... as a trailing override',
    });
  }
  const val = VAL_SPLITS.find((v) => names.includes(v)) ?? names.find((n) => n !== 'train') ?? null;
  return { train: 'train', val };
}

/**
 * The split name HF `datasets` gives files named `<split>-00000-of-00002.parquet` inside a plain data
 * directory (keyword matching); null when the name is not one of its keywords.
 */
export function hfSplitOf(name: string): 'train' | 'validation' | 'test' | null {
  const n = name.toLowerCase();
  if (n === 'train' || n === 'training') return 'train';
  if (['validation', 'valid', 'dev', 'val'].includes(n)) return 'validation';
  if (['test', 'testing', 'eval', 'evaluation'].includes(n)) return 'test';
  return null;
}
