/**
 * Partition benchmark: the synthetic pipeline dataset (jsonl + images + teacher file) built once whole and once
 * as 4 parts (4 `gad-data build --partition I/4` processes at the same time on this machine's cores) + `gad-data
 * merge`, each through the real command. Reports wall times, the overhead of partitioning + merge over the
 * single build as a ratio, the merge rate in rows/s, and checks that the two outputs are byte-identical.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { packagePath } from '../src/core/paths.js';
import { execFileSync } from 'node:child_process';

function gad(args: string[], cwd: string): Promise<number> {
  const t0 = process.hrtime.bigint();
  return new Promise((ok, fail) => {
    const c = spawn(process.execPath, [packagePath('bin', 'gad-data.js'), ...args], {
      cwd,
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let err = '';
    c.stderr.on('data', (d) => (err += d));
    c.on('close', (code) =>
      code === 0
        ? ok(Number(process.hrtime.bigint() - t0) / 1e9)
        : fail(new Error(`gad-data ${args.join(' ')}: exit ${code}\n${err}`)),
    );
  });
}

function files(root: string, rel = ''): string[] {
  return readdirSync(join(root, rel))
    .sort()
    .flatMap((n) => {
      const p = rel ? `${rel}/${n}` : n;
      return statSync(join(root, p)).isDirectory() ? files(root, p) : [p];
    });
}

export async function benchPartition(opts: { rows?: number }): Promise<Array<Record<string, string | number>>> {
  const rows = opts.rows ?? 1000;
  const parts = 4;
  const dir = mkdtempSync(join(tmpdir(), 'gad-bench-partition-'));
  try {
    // bench.ts's dataset, made in a child process (importing bench.ts from the running bench would wait on itself)
    const self = new URL(import.meta.url.endsWith('.ts') ? './bench.ts' : './bench.js', import.meta.url).href;
    execFileSync(
      process.execPath,
      [
        ...(import.meta.url.endsWith('.ts') ? ['--import', 'tsx'] : []),
        '--input-type=module',
        '-e',
        `const m = await import(${JSON.stringify(self)}); await m.makeDataset(${JSON.stringify(dir)}, ${rows});`,
      ],
      { stdio: 'inherit' },
    );
    writeFileSync(
      join(dir, 'gad-data.yaml'),
      [
        'data:',
        '  train_files: train.jsonl',
        '  max_prompt_length: 4096',
        '  max_response_length: 4096',
        'teacher:',
        '  file: teacher.jsonl',
        '  id_key: id',
        '  response_key: response',
        'id_key: id',
        'test_ratio: 0.05',
        'shard_size: 64MB',
        'out: out',
        '',
      ].join('\n'),
    );
    const whole = await gad(['build', '-q'], dir);
    renameSync(join(dir, 'out'), join(dir, 'whole'));
    const t0 = process.hrtime.bigint();
    const each = await Promise.all(
      Array.from({ length: parts }, (_, i) => gad(['build', '-q', '--partition', `${i}/${parts}`], dir)),
    );
    const partsWall = Number(process.hrtime.bigint() - t0) / 1e9;
    const merge = await gad(['merge', '-q', '--out', 'out'], dir);
    const a = files(join(dir, 'whole'));
    const same =
      JSON.stringify(a) === JSON.stringify(files(join(dir, 'out'))) &&
      a.every((f) => readFileSync(join(dir, 'whole', f)).equals(readFileSync(join(dir, 'out', f))));
    return [
      {
        rows,
        'whole build s': whole.toFixed(2),
        [`${parts} parts at once s`]: partsWall.toFixed(2),
        'slowest part s': Math.max(...each).toFixed(2),
        'merge s': merge.toFixed(2),
        'merge rows/s': Math.round(rows / merge),
        'parts+merge / whole': ((partsWall + merge) / whole).toFixed(2),
        'byte-identical': same ? 'yes' : 'NO',
      },
    ];
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
