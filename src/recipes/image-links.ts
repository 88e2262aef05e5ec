/**
 * Image files shared between the recipe exports of one build. The build stores its images inside its parquet
 * shards, which a jsonl trainer cannot point at, so the first export writes them out as files; every later
 * export of the same build (sft, prompts, rm, a re-export) hard-links the identical file of an earlier one
 * instead of writing the bytes again (same device; else, or with `--copy-images`, a copy). A peer's file is
 * used only when its bytes equal the build's, read back and compared. A file whose bytes were just read and
 * checked (a GAD-size image, gad-size-record.ts) is linked without reading it again, only while it is still the very
 * file read, untouched since (same device, inode, size, modification and change time: linkRead).
 *
 * Linking is safe because no gad-data writer ever opens an existing file for writing: an export writes every
 * file new (`wx`) in its own work folder and renames the folder into place, so a file shared by two exports is
 * never changed in place, only unlinked from the one export that is replaced.
 */
import {
  closeSync,
  existsSync,
  fstatSync,
  linkSync,
  lstatSync,
  openSync,
  readdirSync,
  readFileSync,
  readSync,
  unlinkSync,
} from 'node:fs';
import { dirname, join } from 'node:path';
import { errnoCode } from '../core/guards.js';

/** Export folders of the build whose manifest has `manifestSha256`: the build's subfolders and those beside `out`. */
export function peerExports(p: { buildDir: string; out: string; manifestSha256: string }): string[] {
  const seen = new Set<string>();
  const found: string[] = [];
  for (const parent of [p.buildDir, dirname(p.out)]) {
    let names: string[];
    try {
      names = readdirSync(parent);
    } catch {
      continue;
    }
    for (const n of names.sort()) {
      const dir = join(parent, n);
      if (seen.has(dir) || n.startsWith('.')) continue;
      seen.add(dir);
      const ej = join(dir, 'export.json');
      if (!existsSync(ej) || !existsSync(join(dir, 'images'))) continue;
      try {
        const m = JSON.parse(readFileSync(ej, 'utf8')) as { build?: { manifestSha256?: unknown } };
        if (m.build?.manifestSha256 === p.manifestSha256) found.push(dir);
      } catch {
        /* not an export we can read: not a peer */
      }
    }
  }
  // The export being replaced first: its files are the likeliest match.
  return [...found.filter((d) => d === p.out), ...found.filter((d) => d !== p.out)];
}

/** A buffer reused for the reads (one image at a time), grown as needed. */
let scratch = Buffer.alloc(1 << 20);

/** The file at `path` holds exactly `bytes` (read up to one byte more than `bytes` to see a longer file). */
function sameBytes(path: string, bytes: Uint8Array): boolean {
  if (scratch.length < bytes.length + 1) scratch = Buffer.alloc(bytes.length + 1);
  const fd = openSync(path, 'r');
  let got = 0;
  try {
    for (let n = 1; n > 0 && got <= bytes.length; got += n)
      n = readSync(fd, scratch, got, bytes.length + 1 - got, null);
  } finally {
    closeSync(fd);
  }
  return got === bytes.length && scratch.compare(bytes, 0, got, 0, got) === 0;
}

/** Link errors after which a peer's files are not offered again (another device or mount, no link support here). */
const NO_LINK = new Set(['EXDEV', 'EPERM', 'EMLINK', 'ENOTSUP', 'EOPNOTSUPP', 'EACCES', 'ENOSYS']);

/**
 * Make `dest` (a new name) a hard link to the file `name` of a peer export holding exactly `bytes`: `linked`, else
 * `none` (the caller writes the bytes). A peer whose file cannot be linked here (another device or mount point, a
 * file system without links, a file at its link limit) is passed to `unlinkable` and the next one is tried: a build
 * on one disk with its exports on another still links the exports there to each other.
 */
export function linkFromPeer(
  peers: readonly string[],
  name: string,
  bytes: Uint8Array,
  dest: string,
  unlinkable: (peer: string) => void,
): 'linked' | 'none' {
  // Synchronous calls: a few thousand small files, where the promise round trips cost more than the reads.
  for (const peer of peers) {
    const src = join(peer, name);
    try {
      if (!sameBytes(src, bytes)) continue;
      linkSync(src, dest);
      return 'linked';
    } catch (e) {
      if (NO_LINK.has(errnoCode(e) ?? '')) unlinkable(peer);
      // else (ENOENT: the peer is being replaced meanwhile) just try the next one
    }
  }
  return 'none';
}

/**
 * What identifies the file read: a file replaced since has another inode; one written since, another size or
 * modification time, and another change time even when its modification time is put back (as `cp -p` does).
 */
interface FileIdentity {
  dev: bigint;
  ino: bigint;
  size: bigint;
  mtimeNs: bigint;
  ctimeNs: bigint;
}

/** A peer's file as read: its path, bytes and identity at the time (to link that very file later, see linkRead). */
export interface ReadFile {
  path: string;
  bytes: Buffer;
  identity: FileIdentity;
}

/** Read the file at `path` with its identity (taken before the bytes: a write meanwhile changes it). */
export function readWithIdentity(path: string): ReadFile {
  const fd = openSync(path, 'r');
  try {
    const st = fstatSync(fd, { bigint: true });
    // (the size just taken: a file grown since has another size when it is linked, and is not)
    const bytes = Buffer.allocUnsafe(Number(st.size));
    let got = 0;
    for (let n = 1; n > 0 && got < bytes.length; got += n) n = readSync(fd, bytes, got, bytes.length - got, got);
    const identity = { dev: st.dev, ino: st.ino, size: st.size, mtimeNs: st.mtimeNs, ctimeNs: st.ctimeNs };
    return { path, bytes: got === bytes.length ? bytes : bytes.subarray(0, got), identity };
  } finally {
    closeSync(fd);
  }
}

/**
 * Make `dest` (a new name) a hard link to the file `read` came from, without reading it again: `linked` when the
 * file is still the one read, untouched since (its identity, change time included, right before the link; the
 * inode, size and modification time of the link made: the window left is the link call itself, as between a
 * compare and the link), else `changed` (any link made removed; as when the file is gone); `impossible` when links
 * cannot be made here (to that file: another device or mount point, no link support). The caller checks `read.bytes`
 * before.
 */
export function linkRead(read: Pick<ReadFile, 'path' | 'identity'>, dest: string): 'linked' | 'changed' | 'impossible' {
  const was = read.identity;
  // (lstat: a path replaced by a symbolic link is the link itself, another inode)
  const same = (st: FileIdentity) =>
    st.dev === was.dev && st.ino === was.ino && st.size === was.size && st.mtimeNs === was.mtimeNs;
  try {
    const now = lstatSync(read.path, { bigint: true });
    if (!same(now) || now.ctimeNs !== was.ctimeNs) return 'changed';
    linkSync(read.path, dest);
  } catch (e) {
    return NO_LINK.has(errnoCode(e) ?? '') ? 'impossible' : 'changed';
  }
  // (the link changes the file's change time: the rest of its identity is checked again)
  if (same(lstatSync(dest, { bigint: true }))) return 'linked';
  unlinkSync(dest);
  return 'changed';
}
