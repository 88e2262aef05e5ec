/**
 * The build's cache of processed images (format step): an image is kept only once a second row has asked for it.
 *
 * format (src/model/format-sample.ts) looks each image up by the sha256 of its input bytes before processing it and
 * stores the result after. A plain LRU cache stores every image, so a build whose rows all have images of their
 * own (the common case) filled it to its cap with images no row asks for again: measured, a 100k-row build of
 * distinct ~3 KB PNGs held ~3 KB per row there, most of its growth from 305 MB peak RSS at 10k rows to 728 MB at
 * 100k. Here a miss records the key's first 128 bits in a typed table (core/key-table.ts: tens of bytes a
 * distinct image); a second miss of the same key marks it wanted, and only a wanted key is stored. An image shared
 * by several rows is then processed twice (its first and second row) and taken from the cache after; the bytes
 * written are the same either way (the same input bytes and options give the same result).
 *
 * The keys seen once are remembered for the last ONCE_KEYS to 2 × ONCE_KEYS distinct images (two tables, the older
 * dropped when the newer is full), so that table too stays the same size however many rows the build has: at most
 * ~1.7 MB, instead of 30–55 bytes a distinct image for the whole run (~40 MB a million rows). An image whose second
 * row comes further apart than that is processed once more, as a distinct one; what is written does not change.
 */
import { LRUCache } from 'lru-cache';
import type { ImageResult } from '../images/image-options.js';
import { HexKeyTable } from '../core/key-table.js';

/** The cache's cap in bytes of written images (an image shared by two rows is cached until it is evicted). */
export const IMAGE_CACHE_BYTES = 64 * 1024 * 1024;

/** Keys seen once remembered, per table (two tables: the last 32k to 64k distinct images). */
export const ONCE_KEYS = 32 * 1024;

export class SharedImageCache extends LRUCache<string, ImageResult> {
  /** Keys (first 32 hex digits of the sha256) looked up once: the newer table, and the older one. */
  private once = new HexKeyTable();
  private onceBefore = new HexKeyTable(16);
  /** Keys looked up twice and not yet stored. */
  private readonly wanted = new Set<string>();

  constructor(maxBytes = IMAGE_CACHE_BYTES) {
    super({ maxSize: maxBytes, sizeCalculation: (im) => Math.max(1, im.bytes.byteLength) });
  }

  override get(key: string, opts?: LRUCache.GetOptions<string, ImageResult, unknown>): ImageResult | undefined {
    const found = super.get(key, opts);
    if (found === undefined) {
      const k = key.slice(0, 32);
      if (this.once.has(k) || this.onceBefore.has(k)) this.wanted.add(key);
      else {
        if (this.once.size >= ONCE_KEYS) {
          this.onceBefore = this.once;
          this.once = new HexKeyTable();
        }
        this.once.set(k, 1);
      }
    }
    return found;
  }

  override set(
    key: string,
    value: ImageResult | undefined,
    opts?: LRUCache.SetOptions<string, ImageResult, unknown>,
  ): this {
    if (!this.wanted.delete(key)) return this;
    return super.set(key, value, opts);
  }

  /** Distinct images remembered as seen once, and the bytes the tables of their keys take (tests of its memory). */
  seen(): { images: number; bytes: number } {
    return { images: this.once.size + this.onceBefore.size, bytes: this.once.bytes + this.onceBefore.bytes };
  }
}
