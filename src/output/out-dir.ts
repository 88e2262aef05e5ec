/**
 * The output session: everything a build writes goes into a work folder beside the output
 * (`.<name>.partial`), which is renamed into place by `commit()`. A lock file beside the output
 * (`.<name>.lock`) keeps a second build out.
 *
 * Layout beside `OUT` (all siblings, same filesystem so renames are atomic; an OUT that is a symlink is
 * followed, and these live beside its target):
 *   .OUT.lock          { pid, host, started }: held from openOutput to commit/abort
 *   .OUT.partial/      the work dir; becomes OUT on commit
 *     data/            final shard names only, filled by ShardWriter.close()
 *     .shards/         shards being written (*.partial) and finished shards awaiting their final name
 *     .journal.jsonl   line 1 {settingsHash}, then the rows' notes and one line per finished shard (removed on
 *                      commit; src/output/shard-journal.ts)
 *   .OUT.old/          the previous output, only for the instant between the two renames of commit
 *   .OUT.carry         during a commit: the names of the user's own entries being carried from OUT into the
 *                      work dir (written before the first is moved, removed once the work dir is OUT)
 *
 * Ownership: OUT is replaced only when it is absent, empty, or a gad-data output (a manifest.json whose
 * `tool.name` is gad-data). Only what a build writes (OWNED_NAMES and the files the old manifest lists) is
 * replaced; every other entry of OUT (`.git/`, `.gitattributes`, `train.log`, `train/`, notes ...) is
 * carried into the new output. Anything else is refused before the build starts (GadError, exit 2, naming
 * the files): a non-empty folder without a gad-data manifest, a manifest.json of another tool, files in
 * `data/` the manifest does not list (the trainer would read them as data).
 *
 * Commit, with carried entries: write `.OUT.carry`, rename each carried entry OUT/x → work/x, rename
 * OUT → .OUT.old, rename work → OUT, remove `.OUT.carry` and `.OUT.old`. A crash at any point leaves either
 * the old or the new output whole, and `recover()` (run by the next build before anything else, and by
 * abort) rolls an unfinished commit back: the old output is put back and the carried entries return to it.
 * Nothing carried is ever deleted: the work dir is removed only after they were moved back.
 *
 * Resume: with `resume: true` and a journal whose settings hash equals the new one, finished shards
 * are kept (each checked against its journaled size and sha256) and `resumed` says, per split, how
 * many input rows they cover and gives back the notes (typed by the caller, `N`) attached to its rows; shards being
 * written when the build died are deleted. A different hash, a missing or unreadable journal starts
 * fresh, and `notice` says why.
 */
import { existsSync } from 'node:fs';
import { mkdir, readdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { GadError, environmentError, environmentErrorCode } from '../core/errors.js';
import { recover, siblings, swapIntoPlace } from './commit.js';
import { assertLockHeld, releaseLock, takeLock } from './lock.js';
import { checkReplaceable, inspectOut, nameList } from './ownership.js';
import {
  JOURNAL,
  JournalNotes,
  SHARDS_TMP,
  appendJournal,
  readJournal,
  resumeWork,
  type JournalShard,
  type ResumeState,
} from './shard-journal.js';

export { resolveOutDir, restoreInterruptedCommit, siblings } from './commit.js';
export { OWNED_NAMES } from './ownership.js';
export { SHARDS_TMP, type JournalShard, type ResumeState } from './shard-journal.js';

export interface OutputSession {
  outDir: string;
  /** Temp folder beside outDir; everything is written here. */
  workDir: string;
  /**
   * Atomic swap into place: the previous output stays intact until the final rename; the user's own
   * entries of OUT are carried into the new output. Resolves to a warning to show (e.g. the previous
   * output could not be deleted and was moved aside), or null.
   */
  commit(): Promise<string | null>;
  /**
   * Release the lock and remove the work dir (the previous output is untouched). With `keepWork` the work
   * dir stays, so `--resume` can reuse its finished shards (after an environment error such as a full disk).
   */
  abort(how?: { keepWork?: boolean }): Promise<void>;
}

export interface OpenedOutput<N = unknown> extends OutputSession {
  resumed: ResumeState<N> | null;
  /** Why a resume was not possible, or what was recovered; null when nothing to say. */
  notice: string | null;
  settingsHash: string;
  /** Append a finished shard to the journal (fsynced, after the notes of its rows). Used by ShardWriter. */
  recordShard(entry: JournalShard<N>): void;
  /** Journal the note of a row of `split` (buffered; on disk before the line of the shard that covers the row). */
  recordNote(split: string, note: N): void;
}

/**
 * Open an output folder for a build: take the lock, roll back an interrupted commit, check that OUT may be
 * replaced (see Ownership above), prepare the work dir (fresh, or resumed), and return the session.
 * `settingsHash` must hash the inputs and every setting that changes the bytes.
 */
export async function openOutput<N = unknown>(
  outDir: string,
  opts: { resume?: boolean; settingsHash: string },
): Promise<OpenedOutput<N>> {
  const p = siblings(outDir);
  try {
    await mkdir(p.parent, { recursive: true });
  } catch (e) {
    if (environmentErrorCode(e))
      throw environmentError(e, { doing: `cannot create the folder of the output ${p.abs}`, where: p.parent });
    throw e;
  }
  const taken = takeLock(p.lock, p.abs, 'build');
  const notices: string[] = taken ? [taken] : [];
  try {
    notices.push(...(await recover(p)));
    const found = await inspectOut(p.abs);
    if (found.exists) await checkReplaceable(p.abs, found.foreign);
    let resumed: ResumeState<N> | null = null;
    const journalPath = join(p.work, JOURNAL);
    if (opts.resume) {
      const j = existsSync(p.work) ? await readJournal<N>(journalPath) : null;
      if (!j) notices.push('resume: no unfinished build to resume; starting fresh');
      else if (j.settingsHash !== opts.settingsHash) {
        notices.push(
          'resume: the inputs or settings changed since the interrupted build (settings hash differs); starting fresh',
        );
      } else {
        resumed = await resumeWork<N>(p.work, j);
        notices.push(
          `resume: reusing ${Object.values(resumed.splits).reduce((a, e) => a + e.shards.length, 0)} finished shard(s) of the interrupted build`,
        );
      }
    }
    if (!resumed) {
      await rm(p.work, { recursive: true, force: true });
      await mkdir(join(p.work, SHARDS_TMP), { recursive: true });
      await writeFile(journalPath, JSON.stringify({ settingsHash: opts.settingsHash }) + '\n');
    }
    await mkdir(join(p.work, 'data'), { recursive: true });
    await mkdir(join(p.work, SHARDS_TMP), { recursive: true });

    let done = false;
    const start = Object.fromEntries(Object.entries(resumed?.splits ?? {}).map(([k, v]) => [k, v.records.length]));
    const notes = new JournalNotes(journalPath, start);
    const session: OpenedOutput<N> = {
      outDir: p.abs,
      workDir: p.work,
      resumed,
      notice: notices.length ? notices.join('; ') : null,
      settingsHash: opts.settingsHash,
      recordShard(entry) {
        notes.write();
        appendJournal(journalPath, { ...entry, records: [], notesEnd: notes.count(entry.split) });
      },
      recordNote: (split, note) => notes.add(split, note),
      async commit() {
        if (done) throw new Error('output session already finished');
        const leftovers = existsSync(join(p.work, SHARDS_TMP)) ? await readdir(join(p.work, SHARDS_TMP)) : [];
        if (leftovers.length) {
          throw new GadError(
            `export: ${leftovers.length} shard(s) were never given their final name (${leftovers[0]}); was a ShardWriter not closed?`,
            { exitCode: 1 },
          );
        }
        const extra = (await readdir(join(p.work, 'data'))).filter((f) => !f.endsWith('.parquet'));
        if (extra.length) {
          throw new GadError(`export: data/ must hold only .parquet shards, found ${extra.join(', ')}`, {
            exitCode: 1,
            hint: 'EasyR1 picks its loader from the first file it lists in data/',
          });
        }
        // Checked again: the user may have put something into OUT while the build ran.
        const now = await inspectOut(p.abs);
        if (now.exists) await checkReplaceable(p.abs, now.foreign);
        const ours = new Set(await readdir(p.work));
        const clash = now.foreign.filter((f) => ours.has(f));
        if (clash.length)
          throw new GadError(
            `export: the work folder ${p.work} holds ${nameList(clash)}, which are the user's in ${p.abs}`,
            { exitCode: 1 },
          );
        assertLockHeld(p.lock, p.abs);
        await rm(join(p.work, SHARDS_TMP), { recursive: true, force: true });
        await rm(journalPath, { force: true });
        const notice = await swapIntoPlace(p, now);
        done = true;
        releaseLock(p.lock);
        return notice;
      },
      async abort(how?: { keepWork?: boolean }) {
        if (done) return;
        done = true;
        try {
          // Never delete the work dir while it may hold the user's entries of an unfinished commit.
          let recovered = true;
          await recover(p).catch(() => (recovered = false));
          if (recovered && !how?.keepWork) await rm(p.work, { recursive: true, force: true });
        } finally {
          releaseLock(p.lock);
        }
      },
    };
    return session;
  } catch (e) {
    releaseLock(p.lock);
    if (environmentErrorCode(e) && !(e instanceof GadError))
      throw environmentError(e, { doing: `cannot prepare the output ${p.abs}`, where: p.parent });
    throw e;
  }
}
