/**
 * Recipe exports of a Geometry3K-size GAD build (the 2,848 real image sizes, bench/geometry.ts): `export
 * prompts`, `export sft` and `export rm`, each a whole command (start-up included), one after another as the GAD
 * recipe runs them. For each: wall and CPU time, the image files it holds, how many are hard links to an earlier
 * export's, and the image bytes it added on disk (bytes of inodes not already counted: the first export writes
 * the build's images out once, the later ones nothing). The later exports also take the images the first one
 * wrote at the GAD stage's size (images/.gad-size.json) instead of computing them again.
 */
import { lstatSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { packagePath } from '../src/core/paths.js';
import { writeGeometryAnswers } from './geometry-exports.js';
import { makeGeometryDataset, timedCmd } from './geometry.js';

type Row = Record<string, string | number>;

function imageFiles(dir: string, out: Array<{ ino: number; size: number }> = []) {
  for (const f of readdirSync(dir)) {
    if (f.startsWith('.')) continue; // (images/.gad-size.json: the record of the GAD-size files, not an image)
    const st = lstatSync(join(dir, f));
    if (st.isDirectory()) imageFiles(join(dir, f), out);
    else out.push({ ino: st.ino, size: st.size });
  }
  return out;
}

export async function benchRecipe(): Promise<Row[]> {
  const dir = mkdtempSync(join(tmpdir(), 'gad-bench-recipe-'));
  const bin = packagePath('bin', 'gad-data.js');
  const env = { ...process.env, MALLOC_ARENA_MAX: '2' };
  try {
    const n = await makeGeometryDataset(dir);
    writeGeometryAnswers(dir, n);
    const out = join(dir, 'out');
    const b = await timedCmd(
      process.execPath,
      [
        bin,
        'build',
        '--train',
        join(dir, 'train.jsonl'),
        '--image-dir',
        join(dir, 'images'),
        '--id-key',
        'id',
        '--teacher',
        join(dir, 'teacher.jsonl'),
        '--model',
        'qwen3-vl',
        '--out',
        out,
        '-q',
      ],
      env,
    );
    if (b.code !== 0) throw new Error(`build failed (${b.code})`);
    const shardBytes = readdirSync(join(out, 'data')).reduce((a, f) => a + lstatSync(join(out, 'data', f)).size, 0);
    const rows: Row[] = [];
    const seen = new Set<number>();
    for (const [kind, extra, folder] of [
      ['prompts', [], 'prompts'],
      ['sft', [], 'sft-ms-swift'],
      ['rm', ['--student', join(dir, 'student.jsonl')], 'rm-ms-swift'],
    ] as const) {
      const r = await timedCmd(process.execPath, [bin, 'export', kind, '--from', out, '-q', ...extra], env);
      if (r.code !== 0) throw new Error(`export ${kind} failed (${r.code})`);
      const files = imageFiles(join(out, folder, 'images'));
      let added = 0;
      for (const f of files) {
        if (seen.has(f.ino)) continue;
        seen.add(f.ino);
        added += f.size;
      }
      rows.push({
        job: `gad-data export ${kind}`,
        rows: n,
        'wall s': r.secs.toFixed(2),
        'CPU s': r.cpu.toFixed(2),
        'image files': files.length,
        'image MB (apparent)': (files.reduce((a, f) => a + f.size, 0) / 1e6).toFixed(1),
        'image MB added on disk': (added / 1e6).toFixed(1),
      });
    }
    rows.push({ job: `(the build's shards: ${(shardBytes / 1e6).toFixed(1)} MB)`, rows: n });
    return rows;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
