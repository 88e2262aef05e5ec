/**
 * A build loads only the packages its input needs: from JSON lines with plain PNG images (copied as they are), it
 * does not load sharp (libvips), the parquet decompressors, the Hub client, the OpenAI client or DuckDB. Every
 * package import of the child is recorded by a module resolve hook.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawn } from 'node:child_process';
import { cliArgv } from '../helpers/gad-cli.js';
import { writeSolidImage } from '../helpers/solid-image.js';

const HOOKS = `
import { appendFileSync } from 'node:fs';
export async function resolve(specifier, context, next) {
  const r = await next(specifier, context);
  if (r.url.includes('/node_modules/')) appendFileSync(process.env.GAD_TEST_IMPORT_LOG, r.url + '\\n');
  return r;
}`;
const REGISTER = `import { register } from 'node:module';
register(${JSON.stringify(`data:text/javascript,${encodeURIComponent(HOOKS)}`)});`;

/** The packages (`name` or `@scope/name`) a run of `gad-data ...args` imported. */
async function importedPackages(args: string[], cwd: string, env: NodeJS.ProcessEnv): Promise<Set<string>> {
  const log = join(cwd, 'imports.log');
  writeFileSync(log, '');
  const argv = [`--import=data:text/javascript,${encodeURIComponent(REGISTER)}`, ...cliArgv(args)];
  const { status, stderr } = await new Promise<{ status: number | null; stderr: string }>((ok) => {
    const child = spawn(process.execPath, argv, { cwd, env: { ...env, GAD_TEST_IMPORT_LOG: log } });
    let err = '';
    child.stderr.on('data', (d) => (err += d));
    child.stdout.resume();
    child.on('close', (code) => ok({ status: code, stderr: err }));
  });
  assert.equal(status, 0, stderr);
  const names = new Set<string>();
  for (const url of readFileSync(log, 'utf8').split('\n')) {
    const m = /\/node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(url);
    if (m?.[1]) names.add(m[1]);
  }
  return names;
}

test('a build from JSON lines with plain PNG images loads neither sharp, the parquet decompressors nor the Hub client', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'gad-imports-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  mkdirSync(join(dir, 'images'));
  const rows: string[] = [];
  for (let i = 0; i < 3; i++) {
    await writeSolidImage({
      file: join(dir, 'images', `p${i}.png`),
      width: 320,
      height: 256,
      background: { r: 40 * i, g: 90, b: 200 },
    });
    rows.push(
      JSON.stringify({ id: `r${i}`, problem: `<image>What is ${i} + 1?`, answer: `${i + 1}`, images: [`p${i}.png`] }),
    );
  }
  writeFileSync(join(dir, 'train.jsonl'), rows.join('\n') + '\n');
  const env = { ...process.env, GAD_DATA_CACHE_DIR: join(dir, 'cache') };
  const args = ['build', '--train', 'train.jsonl', '--image-dir', 'images', '--id-key', 'id'];
  const loaded = await importedPackages([...args, '--model', 'qwen3-vl', '--out', 'out', '-q'], dir, env);
  // the hook sees the packages the build does use
  for (const used of ['@huggingface/tokenizers', '@huggingface/jinja', 'hyparquet-writer'])
    assert.ok(loaded.has(used), `${used} recorded (${[...loaded].join(', ')})`);
  for (const unused of ['sharp', 'hyparquet-compressors', '@huggingface/hub', 'openai', '@duckdb/node-api'])
    assert.ok(!loaded.has(unused), `${unused} is not loaded by this build (${[...loaded].join(', ')})`);
  // the parquet written is whole: three rows
  const manifest = readFileSync(join(dir, 'out', 'manifest.json'), 'utf8');
  assert.match(manifest, /"train"/);
});
