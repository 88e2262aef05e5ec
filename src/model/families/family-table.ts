/**
 * The model-family table: one entry per family (one file each), read by the model profile (model/model-profile.ts),
 * train's model checks (train/model-check.ts) and the export recipes (recipes/lengths.ts). Adding a family is
 * one file and one line here (docs/architecture.md, "How to add a model family").
 */
import { GadError } from '../../core/errors.js';
import type { ModelFamily } from './model-family.js';
import { qwen25Vl } from './qwen2_5-vl.js';
import { qwen3Vl } from './qwen3-vl.js';

export type { ModelFamily, RelatedModel, ResizeRule } from './model-family.js';

export const MODEL_FAMILIES: readonly ModelFamily[] = [qwen25Vl, qwen3Vl];

/** The family names, in table order. */
export const MODEL_FAMILY_NAMES: readonly string[] = MODEL_FAMILIES.map((f) => f.name);

/** The entry of a family name (a manifest's `model.family`); an unknown name is a GadError listing the known ones. */
export function modelFamily(name: string): ModelFamily {
  const f = MODEL_FAMILIES.find((x) => x.name === name);
  if (!f) throw new GadError(`unknown model family ${name}`, { hint: `use one of: ${MODEL_FAMILY_NAMES.join(', ')}` });
  return f;
}

/** What is known of a model: any of its config.json model_type, processor_class, patch size, Hub id or name. */
export interface FamilyClues {
  modelType?: string;
  processorClass?: string;
  patchSize?: number;
  id?: string;
}

export interface DetectedFamily {
  family: ModelFamily;
  /** The model's own release: the family's name, or a related model's (`qwen2-vl`). */
  model: string;
  /** Which clue decided. */
  source: 'config.json' | 'processor_class' | 'patch_size' | 'name';
}

/**
 * The one family detection: config.json's model_type over all families first, then processor_class, then the patch
 * size, then the id; null when no clue names a family.
 */
export function detectModelFamily(c: FamilyClues): DetectedFamily | null {
  const hit = (family: ModelFamily, model: string, source: DetectedFamily['source']): DetectedFamily => ({
    family,
    model,
    source,
  });
  if (c.modelType) {
    for (const f of MODEL_FAMILIES) {
      if (f.detect.modelType.test(c.modelType)) return hit(f, f.name, 'config.json');
      const r = f.related?.find((x) => x.modelType.test(c.modelType!));
      if (r) return hit(f, r.name, 'config.json');
    }
  }
  if (c.processorClass) {
    const f = MODEL_FAMILIES.find((x) => x.detect.processorClass.test(c.processorClass!));
    if (f) return hit(f, f.name, 'processor_class');
  }
  if (c.patchSize !== undefined) {
    const f = MODEL_FAMILIES.find((x) => x.patchSize === c.patchSize);
    if (f) return hit(f, f.name, 'patch_size');
  }
  if (c.id) {
    for (const f of MODEL_FAMILIES) {
      if (f.detect.id.test(c.id)) return hit(f, f.name, 'name');
    }
    for (const f of MODEL_FAMILIES) {
      const r = f.related?.find((x) => x.id.test(c.id!));
      if (r) return hit(f, r.name, 'name');
    }
  }
  return null;
}
