/**
 * sharp, imported on first use. Loading it (libvips and its bindings) costs about 0.1 s of CPU, and a build whose
 * images are all plain PNGs copied as they are (png-header.ts, png-check.ts) never calls it.
 */
import type sharpFunction from 'sharp';

export type SharpModule = typeof sharpFunction;

let pending: Promise<SharpModule> | undefined;
let loaded: SharpModule | undefined;
let cacheOff = false;

export function loadSharp(): Promise<SharpModule> {
  pending ??= import('sharp').then((m) => {
    loaded = m.default;
    if (cacheOff) loaded.cache(false);
    return loaded;
  });
  return pending;
}

/**
 * Turn libvips' operation cache off in this process, now if sharp is loaded, else as soon as loadSharp loads it
 * (without loading it: a build that never resizes never pays for sharp).
 */
export function sharpCacheOff(): void {
  cacheOff = true;
  loaded?.cache(false);
}
