/**
 * `npm run bench [-- --rows 1k|10k|100k] [-- --only pipeline,tokens,images,ingest,export,validate,train,geometry,fidelity,partition,view,recipe,big-images,generate,distinct,shard-writer]`
 *
 * Prints tables:
 * - pipeline: a synthetic dataset of N rows (geometry-style prompts, diagram PNGs ~400×300 and photo-like
 *   JPEGs, a jsonl + image folder, teacher responses) built end to end through the library API. Each stage is
 *   run in its own child process (ingest only; ingest + format; the full build) so that rows/s and peak RSS
 *   (the child's maxRSS) are measured for each.
 * - tokens: counting throughput given image sizes (both models), one core.
 * - images: images/s for a realistic mix at 1 and 2 workers, and the share copied without re-encoding.
 * - ingest: rows/s reading a generated parquet.
 * - export: rows/s and MB/s writing verl GAD shards, peak RSS and wasm memory.
 * - validate: filter chain and report throughput.
 * - train: planning and pre-flight (sha256 of the shards) time.
 * - geometry: a Geometry3K-like build (2,848 real image sizes) against the transformers processor path that a
 *   trainer's overlong filter runs over the same rows, as a ratio in one run; `validate` likewise (bench/geometry.ts);
 *   the default build against the pyarrow floor in 3 pairs (wall, CPU, peak RSS, rows/s, CPU ratio), with the PNG
 *   check alone beside them (bench/check-alone.ts), and against the processor path; a `--teacher` build's `export prompts|sft|rm`, two rounds, with the image bytes each adds on
 *   disk. An explicit `--rows N` builds the first N rows only.
 * - fidelity: our resize against Pillow's resize(BICUBIC) of the original, up and down.
 * - startup: `gad-data --help` and friends as whole commands (median of 7).
 * - partition: 4 partitioned builds at once + merge against one build (overhead ratio), the merge's rows/s,
 *   and a byte-identity check of the two outputs (bench/partition.ts).
 * - view: `gad-data view` over a generated 1M-row build: first page, row page, sorted page, peak RSS (bench/view.ts).
 * - big-images: peak RSS of 8 rows of 169-megapixel PNGs at --concurrency 8 whose headers decide the drop
 *   (bench/big-images.ts; target ≤ 1.4 GB).
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import sharp from 'sharp';

type Row = Record<string, string | number>;

function printTable(title: string, rows: Row[]) {
  if (!rows.length) return;
  const cols = [...new Set(rows.flatMap((r) => Object.keys(r)))];
  const width = cols.map((c) => Math.max(c.length, ...rows.map((r) => String(r[c] ?? '').length)));
  const line = (vals: string[]) => `| ${vals.map((v, i) => v.padEnd(width[i]!)).join(' | ')} |`;
  console.log(`\n${title}`);
  console.log(line(cols));
  console.log(`|${width.map((w) => '-'.repeat(w + 2)).join('|')}|`);
  for (const r of rows) console.log(line(cols.map((c) => String(r[c] ?? ''))));
}

function parseRows(s: string | undefined): number {
  if (!s) return 1000;
  const m = /^(\d+(?:\.\d+)?)([km]?)$/i.exec(s.trim());
  if (!m) throw new Error(`--rows: expected e.g. 1k, 10k, 100k; got ${s}`);
  return Math.round(Number(m[1]) * ({ '': 1, k: 1e3, m: 1e6 }[m[2]!.toLowerCase()] ?? 1));
}

/** A synthetic jsonl + image folder: a pool of distinct images shared by many rows (prompts all differ). */
export async function makeDataset(dir: string, rows: number) {
  mkdirSync(join(dir, 'images'), { recursive: true });
  const pool: string[] = [];
  for (let i = 0; i < 40; i++) {
    const diagram = i % 4 !== 3;
    const [w, h] = diagram ? [360 + (i % 7) * 20, 270 + (i % 5) * 15] : [1200 + i * 40, 900 + i * 30];
    const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${w}" height="${h}"><rect width="100%" height="100%" fill="white"/><polygon points="20,${h - 20} ${w - 20},${h - 20} ${w / 3},20" fill="none" stroke="black" stroke-width="3"/><text x="10" y="30" font-size="24">${i}</text></svg>`;
    let img = sharp(Buffer.from(svg));
    if (!diagram) {
      // photo-like: noise makes JPEG work like on a photo
      const noise = await sharp({
        create: {
          width: w,
          height: h,
          channels: 3,
          background: '#808080',
          noise: { type: 'gaussian', mean: 128, sigma: 40 },
        },
      })
        .png()
        .toBuffer();
      img = sharp(Buffer.from(svg)).composite([{ input: noise, blend: 'overlay' }]);
    }
    const file = `images/p${i}.${diagram ? 'png' : 'jpg'}`;
    writeFileSync(join(dir, file), diagram ? await img.png().toBuffer() : await img.jpeg({ quality: 90 }).toBuffer());
    pool.push(file);
  }
  const lines: string[] = [];
  const teacher: string[] = [];
  for (let i = 0; i < rows; i++) {
    const a = 3 + (i % 97),
      b = 4 + (i % 89);
    lines.push(
      JSON.stringify({
        id: `r${i}`,
        problem: `<image>In right triangle ABC, AB = ${a} and BC = ${b}, the right angle is at B. Find AC (row ${i}).`,
        answer: Math.sqrt(a * a + b * b).toFixed(1),
        images: [pool[i % pool.length]],
      }),
    );
    teacher.push(
      JSON.stringify({
        id: `r${i}`,
        response: `<think>\nAC^2 = ${a}^2 + ${b}^2 = ${a * a + b * b}.\n</think>\n\\boxed{${Math.sqrt(a * a + b * b).toFixed(1)}}`,
      }),
    );
  }
  writeFileSync(join(dir, 'train.jsonl'), `${lines.join('\n')}\n`);
  writeFileSync(join(dir, 'teacher.jsonl'), `${teacher.join('\n')}\n`);
}

/** Child mode: run one stage and print a JSON line with rows, seconds and maxRSS. */
async function child(stage: string, dir: string) {
  const { openIngest } = await import('../src/ingest/ingest.js');
  const { build } = await import('../src/pipeline/build.js');
  const t0 = process.hrtime.bigint();
  let rows = 0;
  const config = {
    data: {
      train_files: join(dir, 'train.jsonl'),
      max_prompt_length: 4096,
      max_response_length: 4096,
      format_prompt: 'math',
    },
    id_key: 'id',
    model: 'qwen3-vl',
    teacher: { file: join(dir, 'teacher.jsonl'), id_key: 'id', response_key: 'response' },
    out: join(dir, 'out'),
    dedupe: true,
  };
  if (stage === 'ingest') {
    const ing = await openIngest({
      splits: [{ split: 'train', specs: [join(dir, 'train.jsonl')] }],
      columns: { prompt: 'problem', answer: 'answer', images: 'images', id: 'id' },
      teacher: { file: join(dir, 'teacher.jsonl'), idKey: 'id', responseKey: 'response' },
      cwd: dir,
    });
    for await (const _ of ing.rows('train')) rows++;
  } else {
    const r = await build(config);
    rows = Object.values(r.splits).reduce((a, s) => a + s.rowsIn, 0);
  }
  const secs = Number(process.hrtime.bigint() - t0) / 1e9;
  process.stdout.write(`${JSON.stringify({ rows, secs, maxRssMB: process.resourceUsage().maxRSS / 1024 })}\n`);
}

async function main() {
  const args = process.argv.slice(2);
  const get = (k: string) => {
    const i = args.indexOf(k);
    return i >= 0 ? args[i + 1] : undefined;
  };
  if (get('--child')) return child(get('--child')!, get('--dir')!);
  const rowsArg = get('--rows') ?? process.env.BENCH_ROWS;
  const rows = parseRows(rowsArg);
  const only = new Set(
    (
      get('--only') ??
      'pipeline,tokens,images,ingest,export,validate,train,geometry,fidelity,startup,partition,view,recipe,big-images,generate,shard-writer'
    ).split(','),
  );
  console.log(
    `gad-data benchmark — ${rows} rows; node ${process.version}; ${(await import('node:os')).cpus().length} cores`,
  );

  if (only.has('pipeline')) {
    const dir = mkdtempSync(join(tmpdir(), 'gad-bench-'));
    try {
      const t = Date.now();
      await makeDataset(dir, rows);
      console.log(`generated ${rows} rows in ${((Date.now() - t) / 1000).toFixed(1)}s`);
      const self = fileURLToPath(import.meta.url);
      const table: Row[] = [];
      for (const stage of ['ingest', 'build']) {
        // MALLOC_ARENA_MAX=2: the environment the gad-data command runs in (its shebang sets it).
        const out = execFileSync(process.execPath, [self, '--child', stage, '--dir', dir], {
          encoding: 'utf8',
          maxBuffer: 1 << 26,
          env: { ...process.env, MALLOC_ARENA_MAX: process.env.MALLOC_ARENA_MAX ?? '2' },
        });
        const r = JSON.parse(out.trim().split('\n').pop()!) as { rows: number; secs: number; maxRssMB: number };
        table.push({
          stage:
            stage === 'build' ? 'full build (ingest+images+tokens+validate+write)' : 'ingest (jsonl + teacher join)',
          rows: r.rows,
          seconds: r.secs.toFixed(2),
          'rows/s': Math.round(r.rows / r.secs),
          'peak RSS MB': r.maxRssMB.toFixed(0),
        });
      }
      printTable(`pipeline (${rows} rows, qwen3-vl, processor pipeline, math prompt)`, table);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
  for (const [name, file, fn] of [
    ['tokens', './tokens.js', 'benchTokens'],
    ['images', './images.js', 'benchImages'],
    ['ingest', './ingest.js', 'benchIngest'],
    ['export', './export.js', 'benchExport'],
    ['validate', './validate.js', 'benchValidate'],
    ['train', './train.js', 'benchTrain'],
    ['geometry', './geometry.js', 'benchGeometry'],
    ['fidelity', './geometry.js', 'benchFidelity'],
    ['startup', './startup.js', 'benchStartup'],
    ['partition', './partition.js', 'benchPartition'],
    ['view', './view.js', 'benchView'],
    ['recipe', './recipe.js', 'benchRecipe'],
    ['big-images', './big-images.js', 'benchBigImages'],
    ['generate', './generate.js', 'benchGenerate'],
    ['distinct', './distinct.js', 'benchDistinct'],
    ['shard-writer', './shard-writer.js', 'benchShardWriter'],
  ] as const) {
    if (!only.has(name)) continue;
    // (the .ts file when this runs from the sources, under tsx)
    const path = new URL(import.meta.url.endsWith('.ts') ? file.replace(/\.js$/, '.ts') : file, import.meta.url);
    if (!existsSync(fileURLToPath(path))) continue;
    type Bench = (o: { rows?: number; rowsGiven?: boolean }) => Promise<Row[] | Record<string, Row[]>>;
    const mod = (await import(path.href)) as Record<string, Bench>;
    if (typeof mod[fn] !== 'function') continue;
    // one table, or several by title
    const got = await mod[fn]!({ rows, rowsGiven: rowsArg !== undefined });
    if (Array.isArray(got)) printTable(name, got);
    else for (const [title, table] of Object.entries(got)) printTable(`${name}: ${title}`, table);
  }
}

// Run only as a script (tests and experiments may import makeDataset).
if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) await main();
