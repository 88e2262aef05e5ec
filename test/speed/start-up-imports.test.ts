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
import { importedPackages } from '../helpers/imported-packages.js';
import { writeSolidImage } from '../helpers/solid-image.js';

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
