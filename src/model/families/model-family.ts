/**
 * What gad-data knows of a model family (one entry of MODEL_FAMILIES, families/family-table.ts): how a model is recognised
 * as one, its vision patch size, the special tokens its tokenizer holds, the resize rule its processor runs, and
 * the settings a trainer takes per family.
 */

/** The resize rules gad-data implements (images/resize.ts); a family names the one its image processor runs. */
export type ResizeRule = 'smart_resize';

/** A model detection recognises by its own name but counts as the family it sits under (same processor, tokens). */
export interface RelatedModel {
  name: string;
  /** config.json `model_type`. */
  modelType: RegExp;
  /** A Hub id or folder name. */
  id: RegExp;
}

export interface ModelFamily {
  /** The name a build records (manifest `model.family`) and `tokens --family` takes. */
  name: string;
  /** How a model is recognised (each tried over all families, in this order: modelType, processorClass, patchSize, id). */
  detect: {
    /** config.json `model_type` (`qwen2_5_vl`). */
    modelType: RegExp;
    /** The processor config's `processor_class` (`Qwen2_5_VLProcessor`). */
    processorClass: RegExp;
    /** A Hub id or folder name, when no file says (`Qwen/Qwen2.5-VL-7B-Instruct`). */
    id: RegExp;
  };
  /** The vision patch size of the family's checkpoints (detection's last clue when no file names the family). */
  patchSize: number;
  /** The tokenizer's special tokens the counts use. */
  tokens: { imagePad: string; visionStart: string; visionEnd: string; imEnd: string };
  /** The image processor's resize rule. */
  resize: ResizeRule;
  /** Per trainer: ms-swift takes the image bounds as pixels (MIN_PIXELS/MAX_PIXELS) or as image tokens
   * (IMAGE_MIN_TOKEN_NUM/IMAGE_MAX_TOKEN_NUM, tokens of (2·patch)² pixels). */
  swiftImageBounds: 'pixels' | 'tokens';
  /** Other releases detection names on their own (a launch of one for a build of this family is a mismatch). */
  related?: readonly RelatedModel[];
}
