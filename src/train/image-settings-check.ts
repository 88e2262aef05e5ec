/**
 * Pre-flight: the build's recorded resize (pipeline, pixel bounds, policy in manifest.json) against what the
 * profile's trainer does to the stored images. Nothing is recomputed: the same rule as the build's refusal
 * (core/resize-match.ts), applied to what the manifest says, so a build made for another trainer, or by a gad-data
 * that did not refuse it, fails here with the fix instead of counting differently on the GPUs.
 */
import { resizeMismatch } from '../core/resize-match.js';
import type { Manifest } from '../core/types.js';
import type { PreflightCheck } from './launch-plan.js';

export function checkImageSettings(m: Manifest, profile: string): PreflightCheck {
  const target = profile === 'easyr1' ? 'easyr1' : 'verl';
  const r = m.resize;
  const mismatch = resizeMismatch({
    target,
    pipeline: r.pipeline,
    resize: r.policy ?? 'always',
    minPixels: r.pipeline === 'processor' ? null : r.minPixels,
    maxPixels: r.pipeline === 'processor' ? null : r.maxPixels,
    patchSize: m.model.patchSize,
    processorMinPixels: m.model.minPixels,
    processorMaxPixels: m.model.maxPixels,
  });
  if (mismatch) {
    return {
      check: 'images',
      ok: false,
      message: `the build's resize does not match ${target === 'easyr1' ? 'EasyR1' : 'verl'}: ${mismatch.message}; rebuild: ${mismatch.hint}`,
    };
  }
  return {
    check: 'images',
    ok: true,
    message: `pipeline ${r.pipeline}, pixels ${r.minPixels}–${r.maxPixels}, resize ${r.policy ?? 'always'}: what ${target === 'easyr1' ? 'EasyR1' : 'verl'} does to the stored images`,
  };
}
