/** Qwen3-VL (dense and MoE: model_type qwen3_vl, qwen3_vl_moe). */
import type { ModelFamily } from './model-family.js';

export const qwen3Vl: ModelFamily = {
  name: 'qwen3-vl',
  detect: { modelType: /^qwen3_vl/, processorClass: /^Qwen3VL/, id: /qwen3[-_.]?vl/i },
  patchSize: 16,
  tokens: {
    imagePad: '<|image_pad|>',
    visionStart: '<|vision_start|>',
    visionEnd: '<|vision_end|>',
    imEnd: '<|im_end|>',
  },
  resize: 'smart_resize',
  swiftImageBounds: 'tokens',
};
