/**
 * Every count a build prints or writes is a count over the rows it wrote: the summary on stdout and its warning on
 * stderr, manifest.json, the dataset card (README.md) and report.json are compared with counts over the shards made
 * by DuckDB (an independent reader). The bundled sample has dropped rows with teacher responses (a duplicate, a
 * leak, an undecodable image ...), so a count that includes dropped rows differs.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { runCli } from '../helpers/gad-cli.js';

const tmp = mkdtempSync(join(tmpdir(), 'gad-counts-'));
process.on('exit', () => rmSync(tmp, { recursive: true, force: true }));

interface ShardCounts {
  rows: number;
  teacher: number;
  imEnd: number;
}

async function countShards(files: string[]): Promise<ShardCounts> {
  const db = await DuckDBInstance.create(':memory:');
  const con = await db.connect();
  try {
    const list = files.map((f) => `'${f.replace(/'/g, "''")}'`).join(', ');
    const r = await con.runAndReadAll(
      `SELECT count(*) AS rows, count(teacher_response) AS teacher,
              count(*) FILTER (WHERE ends_with(teacher_response, '<|im_end|>')) AS im_end
       FROM read_parquet([${list}])`,
    );
    const [row] = r.getRowObjectsJS() as Array<{ rows: bigint; teacher: bigint; im_end: bigint }>;
    return { rows: Number(row!.rows), teacher: Number(row!.teacher), imEnd: Number(row!.im_end) };
  } finally {
    con.closeSync();
  }
}

test(
  'summary, manifest, dataset card and report count the rows written (DuckDB over the shards)',
  { timeout: 600_000 },
  async () => {
    const out = join(tmp, 'out');
    const r = await runCli(['build', '--out', out], { cwd: tmp, timeoutMs: 600_000 });
    assert.equal(r.status, 0, r.stderr);
    const manifest = JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8')) as {
      splits: Record<string, { rowsIn: number; rowsOut: number; dropped: Record<string, number> }>;
      shards: Array<{ split: string; file: string; rows: number }>;
      teacherEnding: { endingWithImEnd: number; total: number };
      tokens: Record<string, { prompt: { count: number } }>;
    };
    const report = JSON.parse(readFileSync(join(out, 'report.json'), 'utf8')) as {
      splits: Record<string, { rows: number; dropped: number }>;
      total: { rows: number; dropped: number };
    };
    const card = readFileSync(join(out, 'README.md'), 'utf8');
    const splits = Object.keys(manifest.splits);
    assert.ok(splits.length >= 2);
    let all: ShardCounts = { rows: 0, teacher: 0, imEnd: 0 };
    for (const split of splits) {
      const files = manifest.shards.filter((s) => s.split === split).map((s) => join(out, s.file));
      const c = await countShards(files);
      all = { rows: all.rows + c.rows, teacher: all.teacher + c.teacher, imEnd: all.imEnd + c.imEnd };
      const m = manifest.splits[split]!;
      const dropped = Object.values(m.dropped).reduce((a, b) => a + b, 0);
      assert.equal(m.rowsOut, c.rows, `manifest.splits.${split}.rowsOut`);
      assert.equal(m.rowsIn - dropped, c.rows, `manifest.splits.${split}: rowsIn − dropped`);
      assert.equal(
        manifest.shards.filter((s) => s.split === split).reduce((a, s) => a + s.rows, 0),
        c.rows,
        `manifest.shards rows of ${split}`,
      );
      assert.equal(manifest.tokens[split]!.prompt.count, c.rows, `manifest.tokens.${split}.prompt.count`);
      assert.equal(report.splits[split]!.rows, c.rows, `report.json splits.${split}.rows`);
      assert.equal(report.splits[split]!.dropped, dropped, `report.json splits.${split}.dropped`);
      assert.match(r.stdout, new RegExp(`${split}: ${m.rowsIn} rows in → ${c.rows} out \\(${dropped} dropped\\)`));
      assert.match(
        card,
        new RegExp(`\\| ${split} \\| ${m.rowsIn} \\| ${c.rows} \\| ${dropped} \\|`),
        `card row of ${split}`,
      );
      assert.match(card, new RegExp(`name: ${split}\\n\\s+num_bytes: \\d+\\n\\s+num_examples: ${c.rows}\\n`));
    }
    assert.equal(report.total.rows, all.rows, 'report.json total.rows');
    // Every written row of a GAD build has a teacher response; the ending counts are over them.
    assert.equal(all.teacher, all.rows);
    assert.ok(all.imEnd > 0 && all.imEnd < all.rows, 'the sample mixes endings');
    assert.deepEqual(
      { endingWithImEnd: manifest.teacherEnding.endingWithImEnd, total: manifest.teacherEnding.total },
      { endingWithImEnd: all.imEnd, total: all.teacher },
      'manifest.teacherEnding',
    );
    assert.ok(
      r.stdout.includes(`teacher responses ending with <|im_end|>: ${all.imEnd} of ${all.teacher} `),
      `summary line:\n${r.stdout}`,
    );
    assert.ok(
      r.stderr.includes(`warning: ${all.imEnd} of ${all.teacher} teacher responses end with <|im_end|>`),
      `warning:\n${r.stderr}`,
    );
  },
);
