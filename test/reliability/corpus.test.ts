/**
 * The bad-input corpus (generated here, nothing large committed: test/helpers/bad-corpus.ts), built for real:
 * - row-level cases mixed with good rows in one jsonl (+ image folder) and in one parquet: every bad row ends in
 *   dropped.jsonl with its exact reason, every good row is kept, and images that are odd but valid (1×1, 16-bit
 *   PNG, CMYK JPEG, animated GIF, EXIF-rotated JPEG) are kept and written as 8-bit, 3-channel RGB at the size
 *   the pipeline gives their (oriented) input size;
 * - file-level problems (a parquet file cut in half, duplicate teacher ids, a whole column of the wrong type, a
 *   missing column, a .json array that is not UTF-8) through the CLI: exit 2, a message naming the file or
 *   column and the fix, no stack trace, and the previous output untouched.
 * Every case is bounded in time (test timeouts): a hang fails.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { DuckDBInstance } from '@duckdb/node-api';
import { build } from '../../src/index.js';
import { loadModelProfile } from '../../src/model/model-profile.js';
import { resizeFor } from '../../src/images/resize.js';
import type { Manifest } from '../../src/core/types.js';
import { writeJsonlCorpus, writeParquetCorpus, type JsonlCorpus, type ParquetCorpus } from '../helpers/bad-corpus.js';
import { runCli } from '../helpers/gad-cli.js';
import { readJsonl, duckRows, tree } from '../helpers/files.js';

let tmp: string;
let jc: JsonlCorpus;
let pc: ParquetCorpus;

before(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'gad-rel-corpus-'));
  jc = await writeJsonlCorpus(join(tmp, 'jsonl'));
  pc = await writeParquetCorpus(join(tmp, 'pq'));
});
after(async () => {
  await rm(tmp, { recursive: true, force: true });
});

/** Oriented input size of the odd-but-valid images (what the pipeline resizes). */
const ODD_SIZES: Record<string, [number, number]> = {
  'one-by-one': [1, 1],
  'sixteen-bit-png': [80, 60],
  'cmyk-jpeg': [80, 60],
  'animated-gif': [70, 50],
  'exif-rotated-jpeg': [60, 120], // stored 120×60 with EXIF orientation 6
};

/**
 * Checks one corpus build: exact drop reasons by id, all good rows kept, odd images kept as 8-bit RGB at their
 * own size (read back from the shards with DuckDB and decoded with sharp).
 */
async function checkCorpusBuild(
  out: string,
  cases: Array<{ id: string; reason: string | null }>,
  goodIds: string[],
  prefix: string,
  extraDrops: Record<string, string> = {},
) {
  const dropped = readJsonl(join(out, 'dropped.jsonl'));
  const byId = Object.fromEntries(dropped.map((d) => [d.id, d.reason]));
  const expected = { ...Object.fromEntries(cases.filter((c) => c.reason).map((c) => [c.id, c.reason])), ...extraDrops };
  assert.deepEqual(byId, expected, 'each bad row is dropped for its exact reason, and only the bad rows');
  for (const d of dropped) assert.ok(d.detail && typeof d.detail === 'string', `drop of ${d.id} explains itself`);

  const lengths = readJsonl(join(out, 'lengths.jsonl'));
  const keptIds = lengths.map((l) => l.id).sort();
  const wantKept = [...goodIds, ...cases.filter((c) => !c.reason).map((c) => c.id)].sort();
  assert.deepEqual(keptIds, wantKept, 'all good rows and the odd-but-valid images are kept');

  const manifest = JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8')) as Manifest;
  const profile = await loadModelProfile('qwen3-vl');
  const rows: Record<string, any>[] = [];
  for (const s of manifest.shards) rows.push(...(await duckRows(join(out, s.file))));
  assert.equal(rows.length, lengths.length);
  const byIndex = new Map(lengths.map((l) => [l.index, l]));
  let odd = 0;
  for (const row of rows) {
    const len = byIndex.get(Number(row.extra_info.index))!;
    const bytes = row.images[0].bytes as Uint8Array;
    const meta = await sharp(bytes).metadata();
    assert.equal(meta.channels, 3, `${len.id}: 3 channels`);
    assert.equal(meta.depth, 'uchar', `${len.id}: 8-bit`);
    assert.equal(meta.hasAlpha, false);
    assert.equal(meta.pages ?? 1, 1, `${len.id}: one frame`);
    assert.ok(!meta.orientation || meta.orientation === 1, `${len.id}: orientation baked in`);
    assert.deepEqual([meta.width, meta.height], len.written[0], `${len.id}: written at the recorded size`);
    const oddSize = ODD_SIZES[String(len.id).slice(prefix.length)];
    if (oddSize) {
      odd++;
      // The build's pipeline (target verl: qwen-vl-utils, verl's own pre-resize, then the processor).
      const want = resizeFor(oddSize[0], oddSize[1], manifest.resize.pipeline, profile.geometry);
      assert.ok(want.ok);
      // converted at its own (upright) size, never upscaled; counted at the processor's size of the original
      assert.deepEqual(
        [meta.width, meta.height],
        oddSize,
        `${len.id}: written at the ${oddSize.join('x')} input's size`,
      );
      assert.deepEqual(
        len.resized[0],
        want.resized,
        `${len.id}: the ${manifest.resize.pipeline} pipeline's size for a ${oddSize.join('x')} input`,
      );
    }
  }
  assert.equal(odd, Object.keys(ODD_SIZES).length, 'every odd-but-valid image was checked');
}

test(
  'jsonl + image folder corpus: each bad row dropped with its reason, good and odd-but-valid rows kept',
  { timeout: 600_000 },
  async () => {
    const out = join(tmp, 'out-jsonl');
    const warnings: string[] = [];
    const r = await build(
      // require_image: this corpus is single-image data, so a row with a null image cell is a bad row (no_image);
      // by default it would be kept as a text-only row (test/interop/verl-inputs.test.ts).
      {
        data: { train_files: jc.jsonl, image_dir: jc.imageDir, max_prompt_length: 4096 },
        id_key: 'id',
        teacher: { file: jc.teacher },
        out,
        max_drop_ratio: 1,
        require_image: true,
      },
      { onWarning: (m) => warnings.push(m) },
    );
    assert.equal(r.exitCode, 0);
    // the broken JSON line and the non-UTF-8 line have no readable id: they are named by source and index
    const dropped = readJsonl(join(out, 'dropped.jsonl'));
    const broken = dropped.filter((d) => /#\d+$/.test(d.id));
    assert.equal(broken.length, 2, 'the broken and the non-UTF-8 line are dropped');
    assert.equal(broken[0]!.reason, 'bad_row');
    assert.match(broken[0]!.detail, /line \d+ is not valid JSON/);
    assert.equal(broken[1]!.reason, 'bad_row');
    assert.match(broken[1]!.detail, /line \d+ is not valid UTF-8/);
    const lineOf = (d: Record<string, any>) => Number(/line (\d+)/.exec(d.detail)![1]);
    const lines = readFileSync(jc.jsonl).toString('latin1').split('\n');
    assert.match(lines[lineOf(broken[0]!) - 1]!, /broken-json/, 'the detail names the line of the broken JSON');
    assert.match(lines[lineOf(broken[1]!) - 1]!, /non-utf8/, 'the detail names the line with invalid UTF-8');
    const extra = Object.fromEntries(broken.map((d) => [d.id, d.reason]));
    await checkCorpusBuild(out, jc.cases, jc.goodIds, '', extra);
    // the `..` path was refused before anything was read
    const dot = dropped.find((d) => d.id === 'dotdot-path')!;
    assert.match(dot.detail, /escapes image_dir/);
    const svg = dropped.find((d) => d.id === 'svg-text')!;
    assert.match(svg.detail, /svg is not a raster image format/);
    const bomb = dropped.find((d) => d.id === 'bomb-30000')!;
    assert.equal(bomb.value, 30000 * 30000);
    assert.equal(bomb.limit, 178956970);
  },
);

test(
  'parquet corpus (embedded bytes, nulls, empty lists): each bad row dropped with its reason, the rest kept',
  { timeout: 600_000 },
  async () => {
    const out = join(tmp, 'out-parquet');
    const r = await build(
      {
        data: { train_files: pc.parquet, image_dir: pc.imageDir, max_prompt_length: 4096 },
        id_key: 'id',
        teacher: { file: pc.teacher },
        out,
        max_drop_ratio: 1,
        require_image: true,
      },
      {},
    );
    assert.equal(r.exitCode, 0);
    assert.equal(r.splits.train!.rowsIn, pc.cases.length + pc.goodIds.length);
    await checkCorpusBuild(out, pc.cases, pc.goodIds, 'pq-');
  },
);

test(
  'file-level problems: exit 2 naming the file or column and the fix, no stack trace, previous output untouched',
  { timeout: 600_000 },
  async () => {
    const dir = join(tmp, 'files');
    const out = join(dir, 'out');
    const base = [
      'build',
      '--out',
      out,
      '-q',
      '--id-key',
      'id',
      '--image-dir',
      pc.imageDir,
      '--max-drop-ratio',
      '1',
      '--max-prompt-length',
      '4096',
    ];
    const ok = await runCli([...base, '--train', pc.parquet, '--teacher', pc.teacher], { cwd: tmp });
    assert.equal(ok.status, 0, ok.stderr);
    const previous = tree(out);

    // a parquet file cut in half (an interrupted copy)
    const whole = readFileSync(pc.parquet);
    const half = join(dir, 'half.parquet');
    await writeFile(half, whole.subarray(0, whole.length >> 1));
    // duplicate ids in the teacher responses
    const dupTeacher = join(dir, 'dup-teacher.jsonl');
    await writeFile(
      dupTeacher,
      ['pq-good-0', 'pq-good-1', 'pq-good-0'].map((id, i) => JSON.stringify({ id, response: `r${i}` })).join('\n') +
        '\n',
    );
    // whole columns of the wrong type, and a missing column (DuckDB writes them)
    const db = await DuckDBInstance.create(':memory:');
    const con = await db.connect();
    const q = (p: string) => p.replace(/'/g, "''");
    const intPrompt = join(dir, 'int-prompt.parquet');
    const numImages = join(dir, 'num-images.parquet');
    const noPrompt = join(dir, 'no-prompt.parquet');
    await con.run(
      `COPY (SELECT 'r' || i AS id, i::BIGINT AS problem, 'a' AS answer, [{'bytes': NULL::BLOB, 'path': 'x.png'}] AS images FROM range(5) t(i)) TO '${q(intPrompt)}' (FORMAT parquet)`,
    );
    await con.run(
      `COPY (SELECT 'r' || i AS id, '<image>q' || i AS problem, 'a' AS answer, i::DOUBLE AS images FROM range(5) t(i)) TO '${q(numImages)}' (FORMAT parquet)`,
    );
    await con.run(
      `COPY (SELECT 'r' || i AS id, 'q' || i AS question, 'a' AS answer FROM range(5) t(i)) TO '${q(noPrompt)}' (FORMAT parquet)`,
    );
    con.closeSync();
    // a .json array with a byte that is not UTF-8 (cannot be read row by row past it)
    const badJson = join(dir, 'latin1.json');
    const jsonHead = '[{"id": "a", "problem": "caf';
    await writeFile(
      badJson,
      Buffer.concat([Buffer.from(jsonHead), Buffer.from([0xe9]), Buffer.from('", "images": []}]')]),
    );

    const cases: Array<{ name: string; args: string[]; message: RegExp; fix: RegExp }> = [
      { name: 'parquet cut in half', args: ['--train', half], message: /half\.parquet as parquet/, fix: /truncated/ },
      {
        name: 'duplicate teacher ids',
        args: ['--train', pc.parquet, '--teacher', dupTeacher],
        message: /dup-teacher\.jsonl has a duplicate id 'pq-good-0' \(row 3\)/,
        fix: /one response per id/,
      },
      {
        name: 'int64 prompt column',
        args: ['--train', intPrompt],
        message: /column 'problem' \(prompt_key\) in .*int-prompt\.parquet has type int64/,
        fix: /set prompt_key/,
      },
      {
        name: 'double image column',
        args: ['--train', numImages],
        message: /column 'images' \(image_key\) in .*num-images\.parquet has type double/,
        fix: /set image_key/,
      },
      {
        name: 'missing prompt column',
        args: ['--train', noPrompt],
        message: /column 'problem' \(prompt_key\) not found in .*no-prompt\.parquet; columns: id, question, answer/,
        fix: /set prompt_key to one of/,
      },
      {
        name: 'non-UTF-8 .json array',
        args: ['--train', badJson],
        message: new RegExp(`latin1\\.json is not valid UTF-8 \\(first invalid byte at offset ${jsonHead.length}\\)`),
        fix: /re-encode/,
      },
    ];
    for (const c of cases) {
      const r = await runCli([...base, ...c.args], { cwd: tmp, timeoutMs: 540_000 });
      assert.equal(r.status, 2, `${c.name}: exit 2 (got ${r.status}, signal ${r.signal}): ${r.stderr}`);
      assert.match(r.stderr, /^gad-data: /, `${c.name}: a gad-data message`);
      assert.match(r.stderr, c.message, `${c.name}: names the file / column`);
      assert.match(r.stderr, new RegExp(`fix: .*${c.fix.source}`), `${c.name}: says how to fix it`);
      assert.doesNotMatch(r.stderr, /\n\s+at /, `${c.name}: no stack trace`);
      assert.doesNotMatch(r.stderr, /unexpected error/, `${c.name}: not an internal error`);
      assert.deepEqual(tree(out), previous, `${c.name}: the previous output is untouched`);
      assert.ok(
        !existsSync(join(dir, '.out.partial')) && !existsSync(join(dir, '.out.lock')),
        `${c.name}: nothing left beside the output`,
      );
    }
  },
);
