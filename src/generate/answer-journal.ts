/**
 * The append-only journal of a run (`<out>.journal.jsonl`): a header line with the settings, then one line
 * per answered request, each written with a single write() as the answer arrives. A run killed at any point
 * leaves whole lines and at most one torn last line, which the next run cuts off before appending; every
 * journaled request is final, so a resumed run never sends it again.
 */
import { closeSync, existsSync, ftruncateSync, openSync, readFileSync, readSync, writeSync } from 'node:fs';
import { GadError } from '../core/errors.js';
import { sha256, stableStringify } from '../core/hash.js';
import { parseJsonDoc } from '../core/json-doc.js';
import type { GenerateSettings, JournalEntry, JournalHeader } from './generate-types.js';
import { journalEntrySchema, journalHeaderSchema } from './generate-schemas.js';

const ENTRY_HINT = 'remove that line (its request is then asked again), or delete the journal to start over';

export function journalHeader(settings: GenerateSettings): JournalHeader {
  return {
    format: 'gad-data-generate-journal',
    version: 1,
    settings,
    settingsHash: sha256(stableStringify(settings)),
  };
}

/**
 * What a run holds in memory per journaled request: enough to skip it and check it, and where its line is.
 * The entry itself (the answer texts) stays in the file and is read back by `get` when the files are written,
 * so a run's memory does not grow with the answers of 100k rows.
 */
export interface JournalIndexEntry {
  request_hash: string;
  total_tokens: number;
  offset: number;
  length: number;
}

function parseOrNull(line: string): unknown {
  try {
    return JSON.parse(line);
  } catch {
    return null;
  }
}

export class Journal {
  readonly entries = new Map<string, JournalIndexEntry>();
  private fd: number;
  private readFd = -1;
  /** Bytes in the file: the offset of the next line. */
  private size = 0;

  private constructor(
    readonly file: string,
    fd: number,
  ) {
    this.fd = fd;
  }

  /** Open (resume) or create the journal for these settings; a journal of other settings is refused. */
  static open(file: string, settings: GenerateSettings): Journal {
    const header = journalHeader(settings);
    if (!existsSync(file)) {
      const j = new Journal(file, openSync(file, 'a'));
      j.write(header);
      return j;
    }
    const text = readFileSync(file, 'utf8');
    const lastNl = text.lastIndexOf('\n');
    const whole = text.slice(0, lastNl + 1);
    const lines = whole.split('\n').filter((l) => l !== '');
    const [firstLine] = lines;
    const first = firstLine === undefined ? undefined : journalHeaderSchema.safeParse(parseOrNull(firstLine)).data;
    if (!first) {
      throw new GadError(`${file} is not a generate journal`, {
        hint: 'move it away, or write the output elsewhere with --out',
        exitCode: 2,
      });
    }
    if (first.settingsHash !== header.settingsHash) {
      const diff = Object.entries(settings)
        .filter(([k, v]) => stableStringify(v) !== stableStringify(first.settings[k]))
        .map(([k]) => k)
        .join(', ');
      throw new GadError(
        `${file} holds answers of a run with other settings (${diff || 'version'} differ${diff.includes(',') ? '' : 's'}): resuming would mix them`,
        {
          hint: 'rerun with the settings of that run, or use another --out (or delete the journal to start over)',
          exitCode: 2,
        },
      );
    }
    const fd = openSync(file, 'r+');
    // a torn last line (the run was killed while writing it) is cut off; its request is sent again
    if (lastNl + 1 !== Buffer.byteLength(text)) ftruncateSync(fd, Buffer.byteLength(whole));
    closeSync(fd);
    const j = new Journal(file, openSync(file, 'a'));
    let offset = 0;
    let k = -1;
    for (const l of whole.split('\n').slice(0, -1)) {
      const length = Buffer.byteLength(l);
      const at = offset;
      offset += length + 1;
      if (l === '' || ++k === 0) continue;
      let e: JournalEntry;
      try {
        e = parseJsonDoc(l, journalEntrySchema, { file, line: k + 1, what: 'a journal entry', hint: ENTRY_HINT });
      } catch (err) {
        j.close();
        throw err;
      }
      j.index(e, at, length);
    }
    j.size = offset;
    return j;
  }

  private index(e: JournalEntry, offset: number, length: number): void {
    this.entries.set(e.key, {
      request_hash: e.request_hash,
      total_tokens: e.usage?.total_tokens ?? 0,
      offset,
      length,
    });
  }

  /** The whole entry of a journaled request, read back from the file. */
  get(key: string): JournalEntry | undefined {
    const at = this.entries.get(key);
    if (!at) return undefined;
    if (this.readFd < 0) this.readFd = openSync(this.file, 'r');
    const b = Buffer.alloc(at.length);
    readSync(this.readFd, b, 0, at.length, at.offset);
    const what = `a journal entry (the line of ${key})`;
    return parseJsonDoc(b.toString('utf8'), journalEntrySchema, { file: this.file, what, hint: ENTRY_HINT });
  }

  /** Write one whole line; returns its offset and byte length (without the newline). */
  private write(o: unknown): { offset: number; length: number } {
    const line = `${JSON.stringify(o)}\n`;
    const length = Buffer.byteLength(line);
    writeSync(this.fd, line);
    const offset = this.size;
    this.size += length;
    return { offset, length: length - 1 };
  }

  append(e: JournalEntry): void {
    const { offset, length } = this.write(e);
    this.index(e, offset, length);
  }

  close(): void {
    if (this.fd >= 0) closeSync(this.fd);
    this.fd = -1;
    if (this.readFd >= 0) closeSync(this.readFd);
    this.readFd = -1;
  }
}
