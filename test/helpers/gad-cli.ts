/**
 * Test helper: run the `gad-data` command in a child process from the sources under test — the `.ts` files
 * through tsx when the tests run under tsx, the compiled `dist/` files under `npm test` — so a test never runs
 * a stale build of the CLI. `gad-cli-child` is the child entry (what bin/gad-data.js does, minus the dist check).
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';

const here = fileURLToPath(import.meta.url);
const ts = here.endsWith('.ts');

/** argv (after the node executable) that runs `gad-data ...args`. */
export function cliArgv(args: string[]): string[] {
  // tsx resolved from here (the child's cwd may be a temp folder without node_modules)
  return [
    ...(ts ? ['--import', import.meta.resolve('tsx')] : []),
    join(dirname(here), `gad-cli-child.${ts ? 'ts' : 'js'}`),
    ...args,
  ];
}

export interface CliResult {
  status: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  ms: number;
}

/** Run the CLI without blocking this process (a local server may run in it); killed after `timeoutMs`. */
export function runCli(
  args: string[],
  opts: { cwd: string; env?: NodeJS.ProcessEnv; timeoutMs?: number },
): Promise<CliResult> {
  const t0 = Date.now();
  return new Promise((ok) => {
    const child = spawn(process.execPath, cliArgv(args), {
      cwd: opts.cwd,
      env: opts.env ?? process.env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 540_000);
    child.on('close', (status, signal) => {
      clearTimeout(timer);
      ok({ status, signal, stdout, stderr, ms: Date.now() - t0 });
    });
  });
}
