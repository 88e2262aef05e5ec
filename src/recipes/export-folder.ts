/**
 * The folder a recipe export writes: jsonl per split, images beside them (exactly the bytes stored in the
 * build; hard links to an earlier export's identical files where possible, see image-links.ts),
 * lengths.jsonl, dropped.jsonl, report.json and export.json. Everything is written into `.NAME.partial` beside
 * the folder and renamed into place at the end (the build's commit: commit.ts), so a failed export leaves the
 * previous one untouched. The export holds `.NAME.lock` from open to commit/abort, and replaces only what the
 * previous export wrote: the user's entries of the folder (train.log, checkpoints, .git/) are carried over
 * (export-ownership.ts). Every file is created new (`wx`): no file, linked or not, is ever written in place.
 */
import { closeSync, mkdirSync, openSync, writeFileSync, writeSync } from 'node:fs';
import { mkdir, readdir, rm, writeFile } from 'node:fs/promises';
import { dirname, join, sep } from 'node:path';
import { GadError, environmentError, environmentErrorCode } from '../core/errors.js';
import { testDelay, testHold } from '../core/test-hold.js';
import { recover, siblings, swapIntoPlace, type Siblings } from '../output/commit.js';
import { EXPORT_NAMES, inspectExportFolder } from './export-ownership.js';
import { type ReadFile, linkFromPeer, linkRead, peerExports } from './image-links.js';
import { GAD_SIZE_RECORD, GadSizeImages } from './gad-size-record.js';
import { assertLockHeld, releaseLock, takeLock } from '../output/lock.js';

const EXT: Record<string, string> = { jpeg: 'jpg', png: 'png', webp: 'webp', gif: 'gif', tiff: 'tif', bmp: 'bmp' };

/** A file name piece safe on every filesystem (ids may hold `/`, `#`, spaces). */
function safe(s: string): string {
  const t = s
    .replace(/[^A-Za-z0-9._-]+/g, '_')
    .replace(/^\.+/, '_')
    .slice(0, 100);
  return t || '_';
}

export interface ExportFolderOptions {
  /** The top-level names this export writes besides EXPORT_NAMES (its split files). */
  writes: string[];
  /** Write every image's bytes (no hard links to another export's files). */
  copyImages?: boolean;
  /** The build (to find its other exports, whose identical image files are linked). */
  build: { dir: string; manifestSha256: string };
}

export class ExportFolder {
  readonly dir: string;
  readonly work: string;
  private readonly p: Siblings;
  private readonly files = new Map<string, number>();
  /** Lines not yet written, per open file (written in blocks: one write per line cost more than the rest of a row). */
  private readonly pending = new Map<number, string[]>();
  private pendingChars = 0;
  private readonly names = new Set<string>();
  private readonly writes: string[];
  private peers: string[] = [];
  /** The images at the GAD stage's size: the peers' records (reused) and this export's (images/.gad-size.json). */
  gadSized = new GadSizeImages([]);
  /** Image folders made so far (one mkdir per split, not per image). */
  private readonly folders = new Set<string>();
  private ended = false;
  /** Images written as hard links to an earlier export's file, and as new files. */
  readonly imageFiles = { linked: 0, written: 0, linkedBytes: 0 };
  /** Notices for the summary (a stale lock taken over). */
  readonly notices: string[] = [];
  /** A test asks for slow images (GAD_DATA_TEST_DELAY; read once, not per image). */
  private readonly slowImages = Boolean(process.env.GAD_DATA_TEST_DELAY);

  private constructor(dir: string, o: ExportFolderOptions) {
    this.p = siblings(dir);
    this.dir = this.p.abs;
    this.work = this.p.work;
    this.writes = [...new Set([...EXPORT_NAMES, ...o.writes])];
  }

  static async open(dir: string, o: ExportFolderOptions): Promise<ExportFolder> {
    const f = new ExportFolder(dir, o);
    const p = f.p;
    try {
      await mkdir(p.parent, { recursive: true });
    } catch (e) {
      if (environmentErrorCode(e))
        throw environmentError(e, { doing: `cannot create the folder of the export ${p.abs}`, where: p.parent });
      throw e;
    }
    const taken = takeLock(p.lock, p.abs, 'export');
    if (taken) f.notices.push(taken);
    try {
      f.notices.push(...(await recover(p, f.writes)));
      await inspectExportFolder(p.abs, f.writes);
      const peers = peerExports({ buildDir: o.build.dir, out: p.abs, manifestSha256: o.build.manifestSha256 });
      // (--copy-images: no links, but a peer's checked GAD-size file is still read instead of computed again; a
      // peer that cannot be linked to from here, as on another device, is dropped at its first refused link)
      if (!o.copyImages) f.peers = peers;
      f.gadSized = new GadSizeImages(peers);
      await rm(p.work, { recursive: true, force: true });
      await mkdir(join(p.work, 'images'), { recursive: true });
    } catch (e) {
      releaseLock(p.lock);
      if (environmentErrorCode(e) && !(e instanceof GadError))
        throw environmentError(e, { doing: `cannot prepare the export ${p.abs}`, where: p.parent });
      throw e;
    }
    return f;
  }

  /** Append one JSON line to `name` (relative to the folder). */
  line(name: string, value: unknown): void {
    let fd = this.files.get(name);
    if (fd === undefined) {
      fd = openSync(join(this.work, name), 'wx');
      this.files.set(name, fd);
    }
    const text = `${JSON.stringify(value)}\n`;
    const lines = this.pending.get(fd);
    if (lines) lines.push(text);
    else this.pending.set(fd, [text]);
    this.pendingChars += text.length;
    if (this.pendingChars >= 1 << 20) this.flush();
  }

  /** Write the pending lines of every file (before a file is read back: its sha256 in export.json). */
  flush(): void {
    for (const [fd, lines] of this.pending) writeSync(fd, lines.join(''));
    this.pending.clear();
    this.pendingChars = 0;
  }

  /** Make sure `name` exists even when no line was written (an empty split). */
  touch(name: string): void {
    if (!this.files.has(name)) this.files.set(name, openSync(join(this.work, name), 'wx'));
  }

  /**
   * One image's bytes, unchanged, as `images/<split>/<id>-<k>.<ext>`; returns that relative path. Each row gets
   * its own file (the same picture in two rows is two files, as the build stores it). The file is a hard link
   * to an earlier export's file with the same name and bytes when there is one, else written new. `from`: a peer's
   * file known to hold `bytes` (read and checked), linked without reading it again while it is still that file.
   */
  async image(
    split: string,
    id: string,
    k: number,
    format: string,
    bytes: Uint8Array,
    from?: Pick<ReadFile, 'path' | 'identity'>,
  ): Promise<string> {
    const ext = EXT[format] ?? safe(format);
    let name = `images/${safe(split)}/${safe(id)}-${k}.${ext}`;
    for (let n = 2; this.names.has(name); n++) name = `images/${safe(split)}/${safe(id)}_${n}-${k}.${ext}`;
    this.names.add(name);
    const dest = join(this.work, name);
    const folder = dirname(dest);
    if (!this.folders.has(folder)) {
      // (synchronous, as the link and write below: awaiting a file system call here, with the rows read ahead and
      // nothing else queued, left the main thread waiting for V8's background work, ~80 ms, before the first image)
      mkdirSync(folder, { recursive: true });
      this.folders.add(folder);
    }
    if (this.slowImages) await testDelay('export-image'); // (tests: a slow image, linked or written)
    const fromPeer = from && this.peers.find((peer) => from.path.startsWith(peer + sep));
    let how = from && fromPeer ? linkRead(from, dest) : 'none';
    if (how === 'impossible' && fromPeer) this.unlinkable(fromPeer);
    if (how !== 'linked' && this.peers.length)
      how = linkFromPeer(this.peers, name, bytes, dest, (peer) => this.unlinkable(peer));
    if (how === 'linked') {
      this.imageFiles.linked++;
      this.imageFiles.linkedBytes += bytes.length;
    } else {
      writeFileSync(dest, bytes, { flag: 'wx' });
      this.imageFiles.written++;
    }
    return name;
  }

  /** A peer whose files cannot be linked here: not offered again (its files are still read for GAD-size images). */
  private unlinkable(peer: string): void {
    this.peers = this.peers.filter((p) => p !== peer);
  }

  async json(name: string, value: unknown): Promise<void> {
    await writeFile(join(this.work, name), `${JSON.stringify(value, null, 2)}\n`, { flag: 'wx' });
  }

  /** The top-level entries written so far (export.json records them as its own). */
  async written(): Promise<string[]> {
    return (await readdir(this.work)).sort();
  }

  /**
   * Close the files and move the work folder into place: the previous export's entries are replaced, the
   * user's carried over. Refused (nothing replaced) when the lock is no longer this export's, or a user's entry
   * appeared meanwhile under a name this export wrote.
   */
  async commit(): Promise<void> {
    try {
      this.closeFiles();
      const record = this.gadSized.recordText();
      if (record !== null) writeFileSync(join(this.work, 'images', GAD_SIZE_RECORD), record, { flag: 'wx' });
      await testHold('export-commit');
      assertLockHeld(this.p.lock, this.dir);
      const ours = await this.written();
      const now = await inspectExportFolder(this.dir, ours);
      const notice = await swapIntoPlace(this.p, now, ours);
      if (notice) this.notices.push(notice);
    } catch (e) {
      await this.abort();
      throw e;
    }
    this.ended = true;
    releaseLock(this.p.lock);
  }

  async abort(): Promise<void> {
    this.pending.clear(); // (the work folder is abandoned: its pending lines are not written)
    this.closeFiles();
    if (this.ended) return; // (after the lock is released, another export may be using the siblings)
    this.ended = true;
    try {
      let recovered = true;
      await recover(this.p, this.writes).catch(() => (recovered = false));
      if (recovered) await rm(this.work, { recursive: true, force: true });
    } finally {
      releaseLock(this.p.lock);
    }
  }

  private closeFiles(): void {
    try {
      this.flush();
    } finally {
      for (const fd of this.files.values()) closeSync(fd);
      this.files.clear();
    }
  }
}
