/**
 * Test helper: start `gad-data ...args` held at one of its test hold points (GAD_DATA_TEST_HOLD), and wait until it
 * stands there (it writes GAD_DATA_TEST_HOLD_FILE). The test then does what it wants against the held process and
 * kills it with `kill()` (SIGKILL, as a crash would), e.g. to check a lock, a rollback or a resume.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { cliArgv } from './gad-cli.js';

export interface HeldCli {
  child: ChildProcess;
  /** SIGKILL the held process and wait until it has exited. */
  kill(): Promise<void>;
}

export async function startHeldCli({
  args,
  cwd,
  point,
  holdFile,
  what,
  env = process.env,
  timeoutMs = 480_000,
}: {
  args: string[];
  cwd: string;
  /** the GAD_DATA_TEST_HOLD point, e.g. 'before-commit', 'export-commit', 'merge-row-70' */
  point: string;
  /** the file the process writes once it holds */
  holdFile: string;
  /** what it holds before, for the failure message: 'the build to reach its commit' */
  what: string;
  env?: NodeJS.ProcessEnv;
  timeoutMs?: number;
}): Promise<HeldCli> {
  const child = spawn(process.execPath, cliArgv(args), {
    cwd,
    env: { ...env, GAD_DATA_TEST_HOLD: point, GAD_DATA_TEST_HOLD_FILE: holdFile },
    stdio: 'ignore',
  });
  const exited = new Promise<void>((ok) => child.once('exit', () => ok()));
  const kill = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await exited;
  };
  const t0 = Date.now();
  while (!existsSync(holdFile)) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`waiting for ${what}: the process ended first (exit ${child.exitCode ?? child.signalCode})`);
    }
    if (Date.now() - t0 > timeoutMs) {
      await kill();
      throw new Error(`waiting for ${what}: not there after ${timeoutMs / 1000} s`);
    }
    await sleep(50);
  }
  return { child, kill };
}
