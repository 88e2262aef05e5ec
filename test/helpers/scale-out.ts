/**
 * Test helper for partitioned builds: a small GAD dataset whose duplicates and train/test leaks cross the
 * partitions, and a byte-for-byte comparison of two output folders.
 */
import { cpSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import assert from 'node:assert/strict';
import { packagePath } from '../../src/core/paths.js';
import { partOfRow } from '../../src/partition/part-spec.js';

/**
 * `dir/data/{train.jsonl,teacher.jsonl,images/}`: the first `base` rows of the bundled sample, then for each of
 * them a copy under another id (same prompt and image: a duplicate, or a leak when the two land in different
 * splits of --test-ratio), chosen so that copies and originals fall into different parts of `parts`.
 * Returns the pairs [original id, copy id].
 */
export function makeCrossPartDataset(
  dir: string,
  opts: { base?: number; parts?: number } = {},
): Array<[string, string]> {
  const base = opts.base ?? 48;
  const parts = opts.parts ?? 4;
  const src = packagePath('fixtures', 'sample');
  const data = join(dir, 'data');
  mkdirSync(data, { recursive: true });
  cpSync(join(src, 'images'), join(data, 'images'), { recursive: true });
  const rows = readFileSync(join(src, 'train.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as Record<string, unknown>)
    .filter((r) => String(r.id).startsWith('geo-'))
    .slice(0, base);
  // extra columns, passed through to the verl rows as they are (numbers as written: 1.0 stays a float)
  const lines = (rs: Array<Record<string, unknown>>) =>
    rs.map((r, i) =>
      JSON.stringify(r).replace(
        /}$/,
        `,"difficulty":${i % 5},"weight":${i % 3}.0,"meta":{"big":1234567890123456789${i % 10},"tags":["t${i % 4}"]}}`,
      ),
    );
  const teacher = new Map(
    readFileSync(join(src, 'teacher.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { id: string; response: string })
      .map((t) => [t.id, t.response]),
  );
  const pairs: Array<[string, string]> = [];
  const out: Array<Record<string, unknown>> = [...rows];
  for (const r of rows) {
    const id = String(r.id);
    // the first copy id that hashes to another part than the original
    let k = 0;
    while (partOfRow(`${id}-copy${k}`, parts) === partOfRow(id, parts)) k++;
    const copy = `${id}-copy${k}`;
    pairs.push([id, copy]);
    out.push({ ...r, id: copy });
  }
  writeFileSync(join(data, 'train.jsonl'), lines(out).join('\n') + '\n');
  const tlines = out
    .filter((r) => teacher.has(String(r.id).replace(/-copy\d+$/, '')))
    .map((r) => JSON.stringify({ id: r.id, response: teacher.get(String(r.id).replace(/-copy\d+$/, '')) }));
  writeFileSync(join(data, 'teacher.jsonl'), tlines.join('\n') + '\n');
  return pairs;
}

function listFiles(root: string, rel = ''): string[] {
  const out: string[] = [];
  for (const name of readdirSync(join(root, rel)).sort()) {
    const p = rel ? `${rel}/${name}` : name;
    if (statSync(join(root, p)).isDirectory()) out.push(...listFiles(root, p));
    else out.push(p);
  }
  return out;
}

/** The two folders hold the same files with the same bytes. */
export function assertSameFolder(a: string, b: string): void {
  const fa = listFiles(a);
  assert.deepEqual(listFiles(b), fa, 'the two outputs hold different files');
  for (const f of fa) {
    const x = readFileSync(join(a, f));
    const y = readFileSync(join(b, f));
    assert.ok(x.equals(y), `${f} differs between ${a} and ${b}`);
  }
}
