/**
 * A row's images in a recipe export: counted as the warmup trainer will see them, and written into the export — as
 * the build's stored bytes, or at the GAD stage's size where the trainer would otherwise see another grid.
 */
import { GadError, describeError } from '../core/errors.js';
import type { BuildRow } from './build-rows.js';
import type { RecipeSession } from './common.js';
import type { ExportFolder } from './export-folder.js';
import { must } from '../core/guards.js';
import { sha256 } from '../core/hash.js';
import type { ReadFile } from './image-links.js';

export interface CountedImage {
  format: string;
  tokens: number;
  resized: boolean;
  /** [w, h] the trainer's processor gets (its grid × patch): the GAD stage's size for every image. */
  processed: [number, number];
  /** The image as written into the export when it is not the build's stored bytes (at the GAD stage's size). */
  bytes?: Uint8Array;
  /** [w, h] the warmup trainer's processor would have seen on the stored image, when it differs from the GAD stage's. */
  otherGrid?: [number, number];
  /** With `bytes`: the sha256 of the build's stored image they were made from (images/.gad-size.json). */
  source?: string;
  /** With `bytes`: the peer's file they were read from and checked (linked without reading it again). */
  from?: Pick<ReadFile, 'path' | 'identity'>;
}

/**
 * Count a row's images as the trainer will see them (nothing written yet). An image the trainer would see at another
 * grid than the GAD stage (the build's recorded processor size) is given at that size instead (gad-size.ts): the
 * checked file of an earlier export of the build when one recorded it (gad-size-record.ts), else computed.
 */
export async function countRowImages(s: RecipeSession, row: BuildRow, folder: ExportFolder): Promise<CountedImage[]> {
  const out: CountedImage[] = [];
  for (const [k, image] of row.images.entries()) {
    try {
      const c = await s.counter.image(image.bytes);
      const gad = row.gadSizes?.[k];
      if (gad && (c.processed[0] !== gad[0] || c.processed[1] !== gad[1])) {
        const source = sha256(image.bytes);
        const peer = folder.gadSized.find(source, gad);
        const bytes = peer
          ? new Uint8Array(peer.bytes.buffer, peer.bytes.byteOffset, peer.bytes.byteLength)
          : await (await import('./gad-size-pool.js')).gadSizeImage(image.bytes, gad);
        const at = await s.counter.image(bytes);
        if (at.processed[0] !== gad[0] || at.processed[1] !== gad[1] || at.resizedByTrainer)
          throw new Error(
            `written at ${gad[0]}x${gad[1]}, ${s.counter.trainer} would still see it at ${at.processed[0]}x${at.processed[1]}`,
          );
        out.push({
          format: 'png',
          tokens: at.tokens,
          resized: false,
          processed: at.processed,
          bytes,
          otherGrid: c.processed,
          source,
          ...(peer ? { from: { path: peer.path, identity: peer.identity } } : {}),
        });
        continue;
      }
      out.push({ format: c.format, tokens: c.tokens, resized: c.resizedByTrainer, processed: c.processed });
    } catch (e) {
      throw new GadError(
        `row ${row.id} (${row.split}): image ${k} stored in the build cannot be read: ${describeError(e)}`,
        { hint: 'rebuild the data' },
      );
    }
  }
  return out;
}

/** Write a row's images into the export, bytes unchanged; returns their relative paths. */
export async function writeRowImages(folder: ExportFolder, row: BuildRow, counted: CountedImage[]): Promise<string[]> {
  const paths: string[] = [];
  for (const [k, image] of row.images.entries()) {
    const c = must(counted[k], `row ${row.id}: image ${k} written before it was counted`);
    const name = await folder.image(row.split, row.id, k, c.format, c.bytes ?? image.bytes, c.from);
    if (c.bytes && c.source) folder.gadSized.add(name, c.source, c.processed, c.bytes);
    paths.push(name);
  }
  return paths;
}
