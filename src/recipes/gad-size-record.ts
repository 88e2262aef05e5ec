/**
 * The images an export wrote at the GAD stage's size (gad-size.ts), recorded so that a later export of the same
 * build takes the file instead of computing it again (decode, Pillow's bicubic, PNG encode: most of an export's
 * time). `images/.gad-size.json` of each export lists, per file it holds at the GAD size, the sha256 of the build's
 * stored image it came from, the size, and the sha256 of the bytes written, with the encoder that wrote them
 * (gad-data's and sharp's versions and the PNG settings: another encoder may give other PNG bytes for the same
 * pixels).
 *
 * A later export uses a peer's file only when the peer recorded the same source sha256, size and encoder, and the
 * file's bytes, read back, hash to the recorded sha256; anything else (a file changed or replaced since, a record
 * that cannot be read) and the image is computed as before. The bytes used are those read and checked, and they
 * are counted for the trainer again like computed ones (row-images.ts); the export links that file without reading
 * it again when it is still the file read (image-links.ts linkRead).
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { sha256 } from '../core/hash.js';
import { isRecord } from '../core/guards.js';
import { VERSION } from '../core/version.js';
import { type ReadFile, readWithIdentity } from './image-links.js';

/** The record's name inside an export's images/ folder (hidden: it is not an image). */
export const GAD_SIZE_RECORD = '.gad-size.json';

interface RecordFile {
  format: 'gad-data-gad-size';
  version: 1;
  encoder: string;
  /** Relative path in the export (images/...) → what it holds. */
  files: Record<string, { source: string; size: [number, number]; sha256: string }>;
}

/**
 * sharp's PNG settings of the images written at the GAD size (gad-size.ts). Part of the record's encoder: other
 * settings give other bytes for the same pixels, so a record of other settings is not trusted (and not vice versa).
 */
export const GAD_SIZE_PNG = { compressionLevel: 3, adaptiveFiltering: false } as const;

let encoderName: string | undefined;

/**
 * gad-data's version, the installed sharp's (from its package.json: sharp itself is not loaded for this) and the PNG
 * settings.
 */
export function gadSizeEncoder(): string {
  if (encoderName !== undefined) return encoderName;
  let sharpVersion = 'unknown';
  try {
    let dir = dirname(createRequire(import.meta.url).resolve('sharp'));
    for (let up = 0; up < 4; up++, dir = dirname(dir)) {
      let pkg: unknown;
      try {
        pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
      } catch {
        continue;
      }
      if (isRecord(pkg) && pkg.name === 'sharp' && typeof pkg.version === 'string') {
        sharpVersion = pkg.version;
        break;
      }
    }
  } catch {
    /* sharp not resolvable: the name below matches no record written with sharp known */
  }
  encoderName = `gad-data ${VERSION}; sharp ${sharpVersion}; bicubic; png ${JSON.stringify(GAD_SIZE_PNG)}`;
  return encoderName;
}

const key = (source: string, size: readonly [number, number]) => `${source} ${size[0]}x${size[1]}`;

/** The GAD-size images of an export: those its peers recorded (to reuse) and those it holds itself (to record). */
export class GadSizeImages {
  private readonly known = new Map<string, Array<{ file: string; sha256: string }>>();
  private readonly own: RecordFile['files'] = {};
  /** Images taken from a peer's file (tests and the summary). */
  reused = 0;

  /** GAD-size files the peers' records list (0: every GAD-size image of this export is computed). */
  get recorded(): number {
    return this.known.size;
  }

  /** Read the records of `peers` (export folders of the same build); a record that cannot be read is skipped. */
  constructor(peers: string[]) {
    const encoder = gadSizeEncoder();
    for (const peer of peers) {
      let r: unknown;
      try {
        r = JSON.parse(readFileSync(join(peer, 'images', GAD_SIZE_RECORD), 'utf8'));
      } catch {
        continue;
      }
      if (!isRecord(r) || r.format !== 'gad-data-gad-size' || r.version !== 1 || r.encoder !== encoder) continue;
      if (!isRecord(r.files)) continue;
      for (const [name, f] of Object.entries(r.files)) {
        if (!isRecord(f) || typeof f.source !== 'string' || typeof f.sha256 !== 'string') continue;
        const size = f.size;
        if (!Array.isArray(size) || size.length !== 2 || typeof size[0] !== 'number' || typeof size[1] !== 'number')
          continue;
        // (names are export-relative paths under images/: anything else is not ours to read)
        if (!name.startsWith('images/') || name.split('/').includes('..')) continue;
        const k = key(f.source, [size[0], size[1]]);
        const list = this.known.get(k) ?? [];
        list.push({ file: join(peer, name), sha256: f.sha256 });
        this.known.set(k, list);
      }
    }
  }

  /**
   * A peer's file holding `source` at `size`, read and checked against its recorded sha256 (with what identifies
   * the file read, to link it later without reading it again); null when none.
   */
  find(source: string, size: readonly [number, number]): ReadFile | null {
    for (const c of this.known.get(key(source, size)) ?? []) {
      let read: ReadFile;
      try {
        read = readWithIdentity(c.file);
      } catch {
        continue; // gone or replaced meanwhile: try the next
      }
      if (sha256(read.bytes) !== c.sha256) continue;
      this.reused++;
      return read;
    }
    return null;
  }

  /** Record that this export holds `bytes` (from `source` at `size`) as `name`. */
  add(name: string, source: string, size: readonly [number, number], bytes: Uint8Array): void {
    this.own[name] = { source, size: [size[0], size[1]], sha256: sha256(bytes) };
  }

  /** The record file's text, or null when this export holds no GAD-size image. */
  recordText(): string | null {
    if (!Object.keys(this.own).length) return null;
    const r: RecordFile = { format: 'gad-data-gad-size', version: 1, encoder: gadSizeEncoder(), files: this.own };
    return `${JSON.stringify(r, null, 1)}\n`;
  }
}
