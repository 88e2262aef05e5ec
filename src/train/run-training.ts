import { spawn } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { chmod, mkdir, writeFile } from 'node:fs/promises';
import { constants as osConstants } from 'node:os';
import { dirname } from 'node:path';
import { GadError } from '../core/errors.js';
import { formatLaunchScript } from './export-script.js';
import { shellQuote } from './hydra.js';
import type { LaunchPlan, PreflightCheck, TrainOptions } from './launch-plan.js';
import { formatDryRun, planTraining } from './plan.js';
import { preflight, trainerEnv } from './preflight.js';
import { must } from '../core/guards.js';

/** Write the config file (and the format prompt copy) the plan refers to. */
export async function writePlanFiles(plan: LaunchPlan): Promise<string[]> {
  const written: string[] = [];
  for (const f of [...(plan.files ?? []), ...(plan.configFile ? [plan.configFile] : [])]) {
    await mkdir(dirname(f.path), { recursive: true });
    await writeFile(f.path, f.text);
    written.push(f.path);
  }
  return written;
}

/** Pre-flight results as text, one check a line. */
export function formatPreflight(checks: PreflightCheck[]): string {
  return checks.map((c) => `${!c.ok ? 'FAIL' : c.warn ? 'WARN' : 'ok  '} ${c.check}: ${c.message}`).join('\n');
}

/** Throw the GadError (exit 2) that lists every failed check and what to do. */
export function assertPreflight(checks: PreflightCheck[]): void {
  const failed = checks.filter((c) => !c.ok);
  if (!failed.length) return;
  throw new GadError(
    `pre-flight failed (${failed.length} of ${checks.length} checks):\n${failed.map((c) => `  - ${c.check}: ${c.message}`).join('\n')}`,
    {
      exitCode: 2,
      hint: 'fix the items above (or see the plan with --dry-run); nothing was launched',
    },
  );
}

/**
 * Plan, check and launch the trainer. `dryRun`: write the config, print the command, the config and the
 * pre-flight report (as comments), and return without launching: 0, or 2 when a check failed (as a launch would). Otherwise a failed pre-flight throws
 * a GadError (exit 2); the trainer's output goes to `stdout`/`stderr` and to OUT_DIR/train.log; SIGINT
 * and SIGTERM are forwarded to the trainer's process group; the result is the trainer's exit code
 * (128 + signal number when it died of a signal).
 */
export async function runTraining(opts: TrainOptions): Promise<number> {
  const stdout = opts.stdout ?? process.stdout;
  const stderr = opts.stderr ?? process.stderr;
  const plan = await planTraining(opts);
  if (opts.exportScript) {
    await writePlanFiles(plan);
    await mkdir(dirname(opts.exportScript), { recursive: true });
    await writeFile(opts.exportScript, formatLaunchScript(plan));
    await chmod(opts.exportScript, 0o755);
    if (!opts.dryRun) {
      stdout.write(
        `wrote ${opts.exportScript}: run it with \`bash ${shellQuote(opts.exportScript)}\` (nothing was launched)\n`,
      );
      for (const n of plan.notes) stdout.write(`note: ${n}\n`);
      return 0;
    }
  }
  if (opts.dryRun) {
    await writePlanFiles(plan);
    stdout.write(formatDryRun(plan));
    const checks = await preflight(plan, opts);
    stdout.write('\n# pre-flight:\n' + formatPreflight(checks).replace(/^/gm, '#   ') + '\n');
    const failed = checks.filter((c) => !c.ok).length;
    if (!failed) return 0;
    stderr.write(
      `gad-data: pre-flight failed (${failed} of ${checks.length} checks, the FAIL lines above): a launch would stop here\n`,
    );
    return 2;
  }
  const checks = await preflight(plan, opts);
  assertPreflight(checks);
  for (const c of checks.filter((x) => x.warn)) stderr.write(`gad-data: warning: ${c.check}: ${c.message}\n`);
  await writePlanFiles(plan);
  return launch(plan, opts, stdout, stderr);
}

/** Start the planned command, tee its output, forward signals, resolve with its exit code. */
export async function launch(
  plan: LaunchPlan,
  opts: Pick<TrainOptions, 'env'>,
  stdout: NodeJS.WritableStream = process.stdout,
  stderr: NodeJS.WritableStream = process.stderr,
): Promise<number> {
  const logPath = plan.logFile;
  let log: NodeJS.WritableStream | null = null;
  if (logPath) {
    await mkdir(dirname(logPath), { recursive: true });
    log = createWriteStream(logPath, { flags: 'w' });
    log.write(`# gad-data train ${new Date().toISOString()}\n# ${plan.command.map(shellQuote).join(' ')}\n`);
  }
  const [first, ...args] = plan.command;
  const cmd = must(first, 'a launch plan has a command');
  return new Promise<number>((resolvePromise, reject) => {
    // Own process group: a terminal's Ctrl-C reaches us only, and we pass exactly one signal on to the
    // whole trainer tree (Ray/torch workers included).
    const child = spawn(cmd, args, {
      cwd: plan.cwd,
      env: trainerEnv(plan, opts),
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    const forward = (sig: NodeJS.Signals) => {
      if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
      try {
        process.kill(-child.pid, sig);
      } catch {
        try {
          child.kill(sig);
        } catch {
          /* already gone */
        }
      }
    };
    const onInt = () => forward('SIGINT');
    const onTerm = () => forward('SIGTERM');
    process.on('SIGINT', onInt);
    process.on('SIGTERM', onTerm);
    const cleanup = () => {
      process.off('SIGINT', onInt);
      process.off('SIGTERM', onTerm);
    };
    child.stdout.on('data', (d: Buffer) => {
      stdout.write(d);
      log?.write(d);
    });
    child.stderr.on('data', (d: Buffer) => {
      stderr.write(d);
      log?.write(d);
    });
    child.on('error', (e: NodeJS.ErrnoException) => {
      cleanup();
      log?.end();
      reject(new GadError(`cannot start ${cmd}: ${e.message}`, { hint: 'pass --python PATH or set $PYTHON' }));
    });
    child.on('close', (code, signal) => {
      cleanup();
      const rc = code ?? (signal ? 128 + (osConstants.signals[signal] ?? 0) : 1);
      const finish = () => resolvePromise(rc);
      if (log) {
        log.write(`# exit ${rc}${signal ? ` (${signal})` : ''}\n`);
        log.end(finish);
      } else finish();
    });
  });
}
