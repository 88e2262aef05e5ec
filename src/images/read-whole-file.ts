/**
 * One image file read with the fewest system calls: open, fstat (is it a file, its size and mtime), read into one
 * buffer of that size, close. `stat` + `fs.promises.readFile` made a path lookup more and went through a
 * `FileHandle` (a promise and a finaliser per step); this is the callback API under one promise. The bytes are
 * those `readFile` gives: up to the size fstat reported, fewer if the file ends earlier.
 */
import { close, constants, fstat, open, read, type Stats } from 'node:fs';

/** O_NONBLOCK: opening a FIFO (or a device) does not wait for a writer; it is then refused as not a file. */
const FLAGS = constants.O_RDONLY | constants.O_NONBLOCK;

/** The largest file `fs.readFile` reads (2 GiB − 1). */
const MAX_FILE_BYTES = 2 ** 31 - 1;

export type WholeFile =
  | { kind: 'bytes'; bytes: Uint8Array; stat: Stats }
  /** Not a regular file, or larger than `maxBytes`: nothing read. */
  | { kind: 'not-file'; stat: Stats }
  | { kind: 'too-large'; stat: Stats };

/** Read a whole regular file; rejects with the system error (ENOENT, EACCES, EISDIR ...) as `readFile` does. */
export function readWholeFile(path: string, maxBytes?: number): Promise<WholeFile> {
  return new Promise((resolve, reject) => {
    open(path, FLAGS, (err, fd) => {
      if (err) return reject(err);
      const done = (e: unknown, r?: WholeFile) => close(fd, (ce) => (e || ce ? reject(e ?? ce) : resolve(r!)));
      fstat(fd, (se, st) => {
        if (se) return done(se);
        if (!st.isFile()) return done(null, { kind: 'not-file', stat: st });
        if (maxBytes !== undefined && st.size > maxBytes) return done(null, { kind: 'too-large', stat: st });
        // readFile's own limit (it rejects a file over 2 GiB with ERR_FS_FILE_TOO_LARGE), kept: one read call and one
        // buffer could not hold more either, and an exception thrown in this callback would end the process.
        if (st.size > MAX_FILE_BYTES) {
          const e = new RangeError(`File size (${st.size}) is greater than 2 GiB`) as NodeJS.ErrnoException;
          e.code = 'ERR_FS_FILE_TOO_LARGE';
          return done(e);
        }
        // Its own ArrayBuffer (not the shared pool small Buffers use), as readFile's.
        let buf: Buffer;
        try {
          buf = Buffer.allocUnsafeSlow(st.size);
        } catch (ae) {
          return done(ae);
        }
        const more = (got: number): void => {
          if (got >= st.size)
            return done(null, { kind: 'bytes', bytes: new Uint8Array(buf.buffer, buf.byteOffset, got), stat: st });
          read(fd, buf, got, st.size - got, got, (re, n) => {
            if (re) return done(re);
            if (n === 0)
              return done(null, { kind: 'bytes', bytes: new Uint8Array(buf.buffer, buf.byteOffset, got), stat: st });
            more(got + n);
          });
        };
        more(0);
      });
    });
  });
}
