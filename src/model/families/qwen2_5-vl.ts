/** Qwen2.5-VL (and Qwen2-VL, which counts the same: one processor, the same tokens). */
import type { ModelFamily } from './model-family.js';

export const qwen25Vl: ModelFamily = {
  name: 'qwen2.5-vl',
  detect: { modelType: /^qwen2_5_vl/, processorClass: /^Qwen2(_5)?_?VL/, id: /qwen2\.5[-_]?vl/i },
  patchSize: 14,
  tokens: {
    imagePad: '<|image_pad|>',
    visionStart: '<|vision_start|>',
    visionEnd: '<|vision_end|>',
    imEnd: '<|im_end|>',
  },
  resize: 'smart_resize',
  swiftImageBounds: 'pixels',
  related: [{ name: 'qwen2-vl', modelType: /^qwen2_vl/, id: /qwen2[-_]?vl/i }],
};
