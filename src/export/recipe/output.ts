/**
 * The folder a recipe export writes: jsonl per split, images beside them (exactly the bytes stored in the
 * build), lengths.jsonl, dropped.jsonl, report.json and export.json. Everything is written into
 * `.NAME.partial` beside the folder and renamed into place at the end, so a failed export leaves the
 * previous one untouched.
 */
import { closeSync, existsSync, openSync, writeSync } from 'node:fs';
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';

const EXT: Record<string, string> = { jpeg: 'jpg', png: 'png', webp: 'webp', gif: 'gif', tiff: 'tif', bmp: 'bmp' };

/** A file name piece safe on every filesystem (ids may hold `/`, `#`, spaces). */
function safe(s: string): string {
  const t = s
    .replace(/[^A-Za-z0-9._-]+/g, '_')
    .replace(/^\.+/, '_')
    .slice(0, 100);
  return t || '_';
}

export class ExportFolder {
  readonly dir: string;
  readonly work: string;
  private readonly files = new Map<string, number>();
  private readonly names = new Set<string>();

  private constructor(dir: string) {
    this.dir = resolve(dir);
    this.work = join(dirname(this.dir), `.${basename(this.dir)}.partial`);
  }

  static async open(dir: string): Promise<ExportFolder> {
    const f = new ExportFolder(dir);
    await rm(f.work, { recursive: true, force: true });
    await mkdir(join(f.work, 'images'), { recursive: true });
    return f;
  }

  /** Append one JSON line to `name` (relative to the folder). */
  line(name: string, value: unknown): void {
    let fd = this.files.get(name);
    if (fd === undefined) {
      fd = openSync(join(this.work, name), 'w');
      this.files.set(name, fd);
    }
    writeSync(fd, `${JSON.stringify(value)}\n`);
  }

  /** Make sure `name` exists even when no line was written (an empty split). */
  touch(name: string): void {
    if (!this.files.has(name)) this.files.set(name, openSync(join(this.work, name), 'w'));
  }

  /**
   * Write one image's bytes unchanged as `images/<split>/<id>-<k>.<ext>` and return that relative path.
   * Each row gets its own file (the same picture in two rows is written twice, as the build stores it).
   */
  async image(split: string, id: string, k: number, format: string, bytes: Uint8Array): Promise<string> {
    const ext = EXT[format] ?? safe(format);
    let name = `images/${safe(split)}/${safe(id)}-${k}.${ext}`;
    for (let n = 2; this.names.has(name); n++) name = `images/${safe(split)}/${safe(id)}_${n}-${k}.${ext}`;
    this.names.add(name);
    await mkdir(dirname(join(this.work, name)), { recursive: true });
    await writeFile(join(this.work, name), bytes);
    return name;
  }

  async json(name: string, value: unknown): Promise<void> {
    await writeFile(join(this.work, name), `${JSON.stringify(value, null, 2)}\n`);
  }

  /** Close the files and move the work folder into place (replacing an earlier export). */
  async commit(): Promise<void> {
    for (const fd of this.files.values()) closeSync(fd);
    this.files.clear();
    const old = join(dirname(this.dir), `.${basename(this.dir)}.old`);
    await rm(old, { recursive: true, force: true });
    if (existsSync(this.dir)) await rename(this.dir, old);
    await rename(this.work, this.dir);
    await rm(old, { recursive: true, force: true });
  }

  async abort(): Promise<void> {
    for (const fd of this.files.values()) closeSync(fd);
    this.files.clear();
    await rm(this.work, { recursive: true, force: true });
  }
}
