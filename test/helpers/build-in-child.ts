/** Run the library build in a child process (tsx or compiled) and read its peak RSS (test/helpers/build-rss-child). */
import { spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export interface ChildBuild {
  peakRssMB: number;
  ms: number;
  exitCode: number;
  splits: Record<string, { rowsIn: number; rowsOut: number }>;
}

export function buildInChild(cfg: unknown): Promise<ChildBuild> {
  const here = fileURLToPath(import.meta.url);
  const ts = here.endsWith('.ts');
  const helper = join(dirname(here), `build-rss-child.${ts ? 'ts' : 'js'}`);
  return new Promise((ok, fail) => {
    const child = spawn(
      process.execPath,
      [...(ts ? ['--import', import.meta.resolve('tsx')] : []), helper, JSON.stringify(cfg)],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    child.on('close', (code) =>
      code === 0
        ? ok(JSON.parse(out.trim().split('\n').pop()!) as ChildBuild)
        : fail(new Error(`build child exited ${code}: ${err}`)),
    );
  });
}
