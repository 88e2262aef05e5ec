/**
 * sharp, imported on first use. Loading it (libvips and its bindings) costs about 0.1 s of CPU, and a build whose
 * images are all plain PNGs copied as they are (png-header.ts, png-check.ts) never calls it.
 */
import type sharpFunction from 'sharp';

export type SharpModule = typeof sharpFunction;

let pending: Promise<SharpModule> | undefined;

export function loadSharp(): Promise<SharpModule> {
  pending ??= import('sharp').then((m) => m.default);
  return pending;
}
