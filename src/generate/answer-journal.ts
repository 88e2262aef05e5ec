/**
 * The append-only journal of a run (`<out>.journal.jsonl`): a header line with the settings, then one line
 * per answered request, each written with a single write() as the answer arrives. A run killed at any point
 * leaves whole lines and at most one torn last line, which the next run cuts off before appending; every
 * journaled request is final, so a resumed run never sends it again.
 */
import { closeSync, existsSync, ftruncateSync, openSync, readFileSync, writeSync } from 'node:fs';
import { GadError } from '../core/errors.js';
import { sha256, stableStringify } from '../core/hash.js';
import type { GenerateSettings, JournalEntry, JournalHeader } from './generate-types.js';

export function journalHeader(settings: GenerateSettings): JournalHeader {
  return {
    format: 'gad-data-generate-journal',
    version: 1,
    settings,
    settingsHash: sha256(stableStringify(settings)),
  };
}

export class Journal {
  readonly entries = new Map<string, JournalEntry>();
  private fd: number;

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
    let first: JournalHeader | null = null;
    try {
      first = lines.length ? (JSON.parse(lines[0]!) as JournalHeader) : null;
    } catch {
      first = null;
    }
    if (!first || first.format !== 'gad-data-generate-journal') {
      throw new GadError(`${file} is not a generate journal`, {
        hint: 'move it away, or write the output elsewhere with --out',
        exitCode: 2,
      });
    }
    if (first.settingsHash !== header.settingsHash) {
      const diff = Object.keys(settings)
        .filter(
          (k) =>
            stableStringify(settings[k as keyof GenerateSettings]) !==
            stableStringify(first.settings[k as keyof GenerateSettings]),
        )
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
    lines.slice(1).forEach((l, k) => {
      let e: JournalEntry;
      try {
        e = JSON.parse(l) as JournalEntry;
      } catch {
        j.close();
        throw new GadError(`${file} line ${k + 2} is not valid JSON (the file was edited or damaged)`, {
          hint: 'remove that line (its request is then asked again), or delete the journal to start over',
          exitCode: 2,
        });
      }
      j.entries.set(e.key, e);
    });
    return j;
  }

  private write(o: unknown): void {
    writeSync(this.fd, `${JSON.stringify(o)}\n`);
  }

  append(e: JournalEntry): void {
    this.write(e);
    this.entries.set(e.key, e);
  }

  close(): void {
    closeSync(this.fd);
  }
}
