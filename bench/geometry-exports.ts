/**
 * The recipe exports of the Geometry3K-size set, in rounds: a GAD build (`--teacher teacher.jsonl`, an answer per
 * row), then `gad-data export prompts`, `export sft` and `export rm --student student.jsonl`, each `--from OUT -q`
 * and a whole child process, the three again in a second round. Per export: wall and CPU seconds, peak RSS, its
 * image files, how many are hard links (st_nlink > 1), and the image bytes it added on disk: the bytes of its
 * image files whose inode no file held before the export ran (under OUT or the input images), each inode once.
 * The first export writes the build's images out once; a later one that links them adds 0.
 */
import { lstatSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { packagePath } from '../src/core/paths.js';
import { defaultBuildArgs } from './geometry-floor.js';
import { timedChild, timesCells, type ChildTimes } from './timed-child.js';

type Row = Record<string, string | number>;

/** teacher.jsonl and student.jsonl beside train.jsonl: a short reasoned answer per row id `g<i>`. */
export function writeGeometryAnswers(dir: string, n: number): void {
  const answer = (i: number, who: string) =>
    `<think>\nThe angles of a triangle add up to 180 degrees (${who}, problem ${i}).\n</think>\nThe answer is \\boxed{${i % 97}}.`;
  for (const [file, who] of [
    ['teacher.jsonl', 't'],
    ['student.jsonl', 's'],
  ] as const) {
    const lines = Array.from({ length: n }, (_, i) => JSON.stringify({ id: `g${i}`, response: answer(i, who) }));
    writeFileSync(join(dir, file), `${lines.join('\n')}\n`);
  }
}

interface FileStat {
  key: string;
  size: number;
  nlink: number;
}

/** Every regular file under `dir` (hidden ones too when `all`), by device:inode. */
export function filesUnder(dir: string, all: boolean, out: FileStat[] = []): FileStat[] {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return out;
  }
  for (const f of names) {
    // (images/.gad-size.json: the record of the GAD-size files, not an image)
    if (!all && f.startsWith('.')) continue;
    const st = lstatSync(join(dir, f));
    if (st.isDirectory()) filesUnder(join(dir, f), all, out);
    else if (st.isFile()) out.push({ key: `${st.dev}:${st.ino}`, size: st.size, nlink: st.nlink });
  }
  return out;
}

/** The image bytes `images` holds in inodes that are not in `before` (each inode counted once). */
export function addedBytes(images: FileStat[], before: Set<string>): number {
  const counted = new Set<string>();
  let added = 0;
  for (const f of images) {
    if (before.has(f.key) || counted.has(f.key)) continue;
    counted.add(f.key);
    added += f.size;
  }
  return added;
}

const EXPORTS = [
  ['prompts', [] as string[], 'prompts'],
  ['sft', [] as string[], 'sft-ms-swift'],
  ['rm', ['--student', 'student.jsonl'], 'rm-ms-swift'],
] as const;

function timesRow(round: string, job: string, n: number, t: ChildTimes): Row {
  return {
    round,
    job,
    rows: n,
    ...timesCells(t),
  };
}

export async function exportRounds(p: {
  dir: string;
  n: number;
  env: NodeJS.ProcessEnv;
  rounds?: number;
}): Promise<Row[]> {
  writeGeometryAnswers(p.dir, p.n);
  const out = join(p.dir, 'out-gad');
  const bin = packagePath('bin', 'gad-data.js');
  const b = await timedChild(
    process.execPath,
    defaultBuildArgs(p.dir, out, ['--teacher', join(p.dir, 'teacher.jsonl')]),
    p.env,
  );
  if (b.code !== 0) throw new Error(`gad-data build --teacher failed (exit ${b.code})`);
  const rows: Row[] = [timesRow('', 'gad-data build --teacher teacher.jsonl', p.n, b)];
  for (let round = 1; round <= (p.rounds ?? 2); round++) {
    for (const [kind, extra, folder] of EXPORTS) {
      const before = new Set([...filesUnder(out, true), ...filesUnder(join(p.dir, 'images'), true)].map((f) => f.key));
      const args = [
        bin,
        'export',
        kind,
        '--from',
        out,
        '-q',
        ...extra.map((a) => (a.endsWith('.jsonl') ? join(p.dir, a) : a)),
      ];
      const r = await timedChild(process.execPath, args, p.env);
      if (r.code !== 0) throw new Error(`gad-data export ${kind} (round ${round}) failed (exit ${r.code})`);
      const images = filesUnder(join(out, folder, 'images'), false);
      rows.push({
        ...timesRow(String(round), `gad-data export ${kind}`, p.n, r),
        'image files': images.length,
        'linked (nlink > 1)': images.filter((f) => f.nlink > 1).length,
        'image MB (apparent)': (images.reduce((a, f) => a + f.size, 0) / 1e6).toFixed(1),
        'image bytes added on disk': addedBytes(images, before),
      });
    }
  }
  return rows;
}
