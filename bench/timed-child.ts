/**
 * One whole child process, timed: wall seconds, the CPU seconds (user + system) of the child and its children
 * (bash's `times`: timedCmd) and the child's peak RSS (`/usr/bin/time -f %M`, as
 * bench/distinct.ts measures it), with the 1-minute load average when it started.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/**
 * Run a command, measuring wall seconds and the CPU seconds (user + system) of it and its children, through bash's
 * `times` builtin: the CPU time does not grow when other work shares the machine, so ratios of it are stable.
 */
export async function timedCmd(
  cmd: string,
  args: string[],
  env: NodeJS.ProcessEnv,
): Promise<{ secs: number; cpu: number; stdout: string; code: number }> {
  const t = process.hrtime.bigint();
  const marker = '@@gad-times@@';
  const script = `"$@" > "$GAD_OUT"; code=$?; echo ${marker}; times; exit $code`;
  const outFile = join(tmpdir(), `gad-bench-out-${process.pid}-${Math.random().toString(36).slice(2)}`);
  let stdout = '';
  let code = 0;
  try {
    const r = await run('bash', ['-c', script, 'bash', cmd, ...args], {
      env: { ...env, GAD_OUT: outFile },
      maxBuffer: 1 << 26,
    });
    stdout = r.stdout;
  } catch (e) {
    const err = e as { stdout?: string; code?: number };
    stdout = err.stdout ?? '';
    code = err.code ?? 1;
  }
  const secs = Number(process.hrtime.bigint() - t) / 1e9;
  // `times` prints two lines: the shell's user/sys, then its children's ("0m5.088s 0m0.712s").
  const lines = stdout
    .slice(stdout.indexOf(marker) + marker.length)
    .trim()
    .split('\n');
  const toSecs = (x: string) => {
    const m = /(\d+)m([\d.]+)s/.exec(x);
    return m ? Number(m[1]) * 60 + Number(m[2]) : 0;
  };
  const cpu = (lines[1] ?? '')
    .trim()
    .split(/\s+/)
    .reduce((a, x) => a + toSecs(x), 0);
  const out = readFileSync(outFile, 'utf8');
  rmSync(outFile, { force: true });
  return { secs, cpu, stdout: out, code };
}

const TIME = '/usr/bin/time';

export interface ChildTimes {
  secs: number;
  cpu: number;
  /** Peak RSS in MB; null without /usr/bin/time. */
  rssMB: number | null;
  /** The 1-minute load average when the child started. */
  load: number;
  code: number;
  stdout: string;
}

/** A table row's cells for one timed child: the load, wall and CPU seconds, peak RSS. */
export function timesCells(t: ChildTimes): Record<string, string | number> {
  return {
    'load 1m': t.load.toFixed(1),
    'wall s': t.secs.toFixed(2),
    'CPU s': t.cpu.toFixed(2),
    'peak RSS MB': t.rssMB === null ? 'n/a' : Math.round(t.rssMB),
  };
}

export async function timedChild(cmd: string, args: string[], env: NodeJS.ProcessEnv): Promise<ChildTimes> {
  const load = loadavg()[0]!;
  if (!existsSync(TIME)) return { ...(await timedCmd(cmd, args, env)), rssMB: null, load };
  const tmp = mkdtempSync(join(tmpdir(), 'gad-bench-rss-'));
  try {
    const rssFile = join(tmp, 'rss');
    const r = await timedCmd(TIME, ['-f', '%M', '-o', rssFile, cmd, ...args], env);
    // (when the child fails, time writes "Command exited with non-zero status N" above the number)
    const kb = Number(readFileSync(rssFile, 'utf8').trim().split('\n').pop());
    return { ...r, rssMB: Number.isFinite(kb) ? kb / 1024 : null, load };
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

/** The median of a list of numbers (the mean of the middle two for an even count). */
export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}
