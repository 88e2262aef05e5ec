/** Start-up: `gad-data --help` and a usage error, each as a whole command (the library loads only for a command that runs). */
import { execFileSync, spawnSync } from 'node:child_process';
import { packagePath } from '../src/core/paths.js';

export async function benchStartup(): Promise<Array<Record<string, string | number>>> {
  const bin = packagePath('bin', 'gad-data.js');
  const rows: Array<Record<string, string | number>> = [];
  for (const [what, args] of [
    ['gad-data --help', ['--help']],
    ['gad-data build --help', ['build', '--help']],
    ['gad-data --version', ['--version']],
  ] as const) {
    execFileSync(process.execPath, [bin, ...args]); // warm the file cache
    const times: number[] = [];
    for (let i = 0; i < 7; i++) {
      const t = process.hrtime.bigint();
      spawnSync(process.execPath, [bin, ...args]);
      times.push(Number(process.hrtime.bigint() - t) / 1e6);
    }
    times.sort((a, b) => a - b);
    rows.push({ command: what, 'median ms': Math.round(times[3]!), 'min ms': Math.round(times[0]!) });
  }
  return rows;
}
