/**
 * `npm run bench -- --only view`: `gad-data view` over a generated build of 1,000,000 rows (VIEW_ROWS to change):
 * one train shard in the build's shape (image row groups of 128 rows, one small PNG shared by all rows, verl
 * message-list prompts, teacher responses; written by pyarrow), lengths.jsonl, dropped.jsonl and manifest.json.
 * A child process starts the viewer and measures the first table page (HTML, then with its 50 thumbnails), a
 * row page (the prompt rendered by the chat template), the background index of lengths.jsonl, a page sorted by
 * prompt tokens, and its peak RSS.
 */
import { execFileSync } from 'node:child_process';
import { createWriteStream, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { packagePath } from '../src/core/paths.js';

const PY = `
import sys, pyarrow as pa, pyarrow.parquet as pq
out, n, png = sys.argv[1], int(sys.argv[2]), open(sys.argv[3], 'rb').read()
schema = pa.schema([
  ('data_source', pa.string()),
  ('prompt', pa.list_(pa.struct([('role', pa.string()), ('content', pa.string())]))),
  ('images', pa.list_(pa.struct([('bytes', pa.binary()), ('path', pa.string())]))),
  ('id', pa.string()), ('teacher_response', pa.string())])
w = pq.ParquetWriter(out, schema, compression={'data_source': 'zstd', 'prompt': 'zstd', 'images': 'none', 'id': 'zstd', 'teacher_response': 'zstd'})
step = 16384
for s in range(0, n, step):
  ids = [f'row-{i:07d}' for i in range(s, min(n, s + step))]
  t = pa.table({'data_source': ['bench'] * len(ids),
    'prompt': [[{'role': 'user', 'content': f'<image>Problem {i}: find the length of side x of triangle ABC. Round to the nearest tenth.'}] for i in ids],
    'images': [[{'bytes': png, 'path': f'{i}.png'}] for i in ids],
    'id': ids, 'teacher_response': [f'<think>\\nrow {i}\\n</think>\\nThe answer is \\\\boxed{{1}}.' for i in ids]}, schema=schema)
  w.write_table(t, row_group_size=128)
w.close()
`;

function python(): string {
  const venv = packagePath('.venv', 'bin', 'python3');
  return existsSync(venv) ? venv : 'python3';
}

export async function makeBuild(dir: string, rows: number): Promise<void> {
  mkdirSync(join(dir, 'data'), { recursive: true });
  const png = packagePath('fixtures', 'sample', 'images', 'geo-0000.png');
  writeFileSync(join(dir, 'gen.py'), PY);
  const shard = join(dir, 'data', 'train-00000-of-00001.parquet');
  execFileSync(python(), [join(dir, 'gen.py'), shard, String(rows), png], { stdio: 'inherit' });
  const lw = createWriteStream(join(dir, 'lengths.jsonl'));
  for (let i = 0; i < rows; i++) {
    const text = 60 + (i % 37);
    const image = 108;
    const line = `${JSON.stringify({ split: 'train', index: i, id: `row-${String(i).padStart(7, '0')}`, text_tokens: text, image_tokens: image, prompt_tokens: text + image, response_tokens: 20 + (i % 11), resized: [[384, 288]], written: [[400, 300]] })}\n`;
    if (!lw.write(line)) await new Promise<void>((r) => lw.once('drain', () => r()));
  }
  await new Promise((r) => lw.end(r));
  writeFileSync(
    join(dir, 'dropped.jsonl'),
    `${JSON.stringify({ split: 'train', source: 'x.jsonl', index: rows, id: 'bad', reason: 'empty_prompt', detail: 'the prompt has no text besides <image> placeholders', value: 3, limit: 1 })}\n`,
  );
  const { size } = await import('node:fs').then((fs) => fs.statSync(shard));
  writeFileSync(
    join(dir, 'manifest.json'),
    JSON.stringify({
      tool: { name: 'gad-data', version: 'bench' },
      target: 'verl',
      kind: 'gad',
      config: { model: 'qwen3-vl' },
      model: { name: 'qwen3-vl', patchSize: 16, mergeSize: 2 },
      resize: { pipeline: 'qwen-vl-utils' },
      columns: {
        prompt: 'prompt',
        answer: 'answer',
        images: 'images',
        teacher: 'teacher_response',
        passthrough: [{ name: 'id' }],
      },
      formatPrompt: { name: 'none', sha256: '', file: null },
      limits: { maxPromptLength: 2048, maxResponseLength: 1024 },
      splits: { train: { rowsIn: rows + 1, rowsOut: rows, dropped: { empty_prompt: 1 } } },
      shards: [{ file: 'data/train-00000-of-00001.parquet', split: 'train', rows, bytes: size, sha256: '' }],
    }),
  );
}

function get(port: number, path: string): Promise<{ status: number; body: string }> {
  return new Promise((ok, bad) => {
    const req = request({ host: '127.0.0.1', port, path }, (res) => {
      let body = '';
      res.setEncoding('latin1');
      res.on('data', (c) => (body += c));
      res.on('end', () => ok({ status: res.statusCode!, body }));
    });
    req.on('error', bad);
    req.end();
  });
}

async function child(dir: string): Promise<void> {
  const { view } = await import('../src/view/view.js');
  const t0 = performance.now();
  const s = await view({ paths: [dir] });
  const page = await get(s.port, `/rows?split=train&token=${s.token}`);
  const first = performance.now() - t0;
  const firstRssMB = process.resourceUsage().maxRSS / 1024;
  if (page.status !== 200 || (page.body.match(/<tr data-n=/g) ?? []).length !== 50) throw new Error('first page wrong');
  const thumbs = [...page.body.matchAll(/src="(\/image\?[^"]+)"/g)].map((m) => m[1]!.replace(/&amp;/g, '&'));
  await Promise.all(thumbs.map((u) => get(s.port, u)));
  const withThumbs = performance.now() - t0;
  const last = await get(s.port, `/rows?split=train&page=${Math.ceil(s.rows / 50)}&token=${s.token}`);
  if (last.status !== 200) throw new Error('last page');
  const i0 = performance.now();
  const sorted = await get(s.port, `/rows?split=train&sort=prompt_tokens&desc=1&token=${s.token}`);
  if (sorted.status !== 200) throw new Error('sorted page');
  const sortedMs = performance.now() - i0;
  const tableRssMB = process.resourceUsage().maxRSS / 1024;
  const r0 = performance.now();
  const row = await get(s.port, `/row?split=train&n=${Math.floor(s.rows / 2)}&token=${s.token}`);
  if (row.status !== 200 || !row.body.includes('id="prompt"')) throw new Error(`row page: ${row.status}`);
  const rowMs = performance.now() - r0;
  await s.close();
  const maxRssMB = process.resourceUsage().maxRSS / 1024;
  process.stdout.write(`${JSON.stringify({ first, firstRssMB, withThumbs, rowMs, sortedMs, tableRssMB, maxRssMB })}\n`);
}

/** This process's flags that load TypeScript (tsx), not an `-e` script: the child runs this file. */
function loaderFlags(): string[] {
  const out: string[] = [];
  const a = process.execArgv;
  for (let i = 0; i < a.length; i++) {
    if (['-e', '--eval', '-p', '--print'].includes(a[i]!)) i++;
    else out.push(a[i]!);
  }
  return out;
}

export async function benchView(): Promise<Array<Record<string, string | number>>> {
  const rows = Number(process.env.VIEW_ROWS ?? 1_000_000);
  const dir = mkdtempSync(join(tmpdir(), 'gad-bench-view-'));
  try {
    try {
      execFileSync(python(), ['-c', 'import pyarrow'], { stdio: 'ignore' });
    } catch {
      return [{ measure: 'skipped', value: 'needs python3 with pyarrow (the .venv the interop tests create)' }];
    }
    const t = Date.now();
    await makeBuild(dir, rows);
    const genSecs = (Date.now() - t) / 1000;
    const out = execFileSync(process.execPath, [...loaderFlags(), fileURLToPath(import.meta.url), '--child', dir], {
      encoding: 'utf8',
      env: { ...process.env, MALLOC_ARENA_MAX: '2' },
    });
    const r = JSON.parse(out.trim().split('\n').pop()!) as Record<string, number>;
    const mb = (readFileSync(join(dir, 'data', 'train-00000-of-00001.parquet')).byteLength / 2 ** 20).toFixed(0);
    return [
      {
        measure: `build generated (${rows.toLocaleString('en-US')} rows, shard ${mb} MB)`,
        value: `${genSecs.toFixed(1)} s`,
      },
      { measure: 'first table page (start → HTML of 50 rows)', value: `${r.first!.toFixed(0)} ms` },
      { measure: 'peak RSS: start → first table page', value: `${r.firstRssMB!.toFixed(0)} MB` },
      { measure: 'first table page with its 50 thumbnails', value: `${r.withThumbs!.toFixed(0)} ms` },
      {
        measure: 'row page (the middle row, prompt rendered by the chat template)',
        value: `${r.rowMs!.toFixed(0)} ms`,
      },
      {
        measure: 'page sorted by prompt tokens (waits for the lengths.jsonl index)',
        value: `${r.sortedMs!.toFixed(0)} ms`,
      },
      { measure: 'peak RSS: table pages, all indexed and sorted', value: `${r.tableRssMB!.toFixed(0)} MB` },
      { measure: 'peak RSS: then a row page (the tokenizer loaded)', value: `${r.maxRssMB!.toFixed(0)} MB` },
    ];
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href && process.argv[2] === '--child')
  await child(process.argv[3]!);
