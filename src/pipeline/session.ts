/**
 * The output session of a build: the previous output restored after an interrupted commit, the work folder opened
 * (resumed when --resume finds an interrupted build with the same settings hash and unchanged image files, with a
 * line saying why not otherwise), and a failed build's clean-up.
 */
import { rm, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { GadError, environmentError, environmentErrorCode } from '../core/errors.js';
import { displayPath } from '../core/paths.js';
import type { ProgressSink } from '../core/progress.js';
import { openOutput, type OpenedOutput } from '../output/out-dir.js';
import { restoreInterruptedCommit } from '../output/commit.js';
import {
  INPUTS_FILE,
  changedImage,
  inputsChange,
  readInputsDigest,
  type InputsDigest,
  type RowNote,
} from './build-journal.js';
import { errnoPathOf } from '../core/guards.js';

/** Roll back a commit an earlier build did not finish, before anything else (so a failing build leaves it whole). */
export async function restoreOutput(out: string, progress: ProgressSink): Promise<void> {
  const restored = await restoreInterruptedCommit(out).catch((e: unknown) => {
    throw environmentErrorCode(e) && !(e instanceof GadError)
      ? environmentError(e, { doing: `cannot restore the previous output ${out}`, where: out })
      : e;
  });
  if (restored) progress.log(restored);
}

/** Open the output's work folder, resumed when possible; `.inputs.json` records the parts of the hash. */
export async function openBuildSession(p: {
  out: string;
  settingsHash: string;
  inputs: InputsDigest;
  resume: boolean;
  progress: ProgressSink;
}): Promise<OpenedOutput<RowNote>> {
  const { out, settingsHash, progress } = p;
  const before = p.resume ? await readInputsDigest(out) : null;
  let session = await openOutput<RowNote>(out, { settingsHash, resume: p.resume });
  if (session.resumed) {
    const changed = await changedImage(Object.values(session.resumed.splits).flatMap((s) => s.records));
    if (changed) {
      await session.abort();
      session = await openOutput<RowNote>(out, { settingsHash, resume: false });
      progress.log(
        `resume: image file ${displayPath(changed)} changed since the interrupted build (size or modification time differ); starting fresh`,
      );
    }
  }
  if (session.notice) progress.log(session.notice);
  if (p.resume && !session.resumed && before) {
    const why = inputsChange(before, p.inputs);
    if (why) progress.log(`resume: ${why} since the interrupted build; its shards are not reused`);
  }
  await writeFile(join(session.workDir, INPUTS_FILE), `${JSON.stringify(p.inputs)}\n`);
  return session;
}

/** Commit the work folder into place (the inputs digest removed first); a warning to show, or null. */
export async function commitBuild(session: OpenedOutput<RowNote>): Promise<string | null> {
  await rm(join(session.workDir, INPUTS_FILE), { force: true });
  return session.commit();
}

/**
 * A build failed: release the session. A full disk or a missing permission is not a bug and not the data's fault:
 * the finished shards (the work folder and its journal) are kept so that --resume after fixing it goes on from there.
 * Returns the error to throw.
 */
export async function failBuild(e: unknown, session: OpenedOutput<RowNote>): Promise<unknown> {
  if (environmentErrorCode(e) && !(e instanceof GadError)) {
    await session.abort({ keepWork: true });
    return environmentErrorOfBuild(e, session.outDir, session.workDir);
  }
  await session.abort();
  return e;
}

/** An environment error of a build: writing the output (the usual case), or reading a path elsewhere. */
function environmentErrorOfBuild(e: unknown, outDir: string, workDir: string): GadError {
  const path = errnoPathOf(e);
  const parent = dirname(outDir);
  const ours =
    !path || path === outDir || path.startsWith(`${outDir}/`) || path.startsWith(`${parent}/.${basename(outDir)}.`);
  return environmentError(e, {
    doing: ours ? `cannot write the output ${outDir}` : 'cannot read an input file',
    access: ours ? 'write' : 'read',
    where: workDir,
    resume: `the finished shards are kept in ${workDir} and reused (or delete that folder to free its space)`,
  });
}
