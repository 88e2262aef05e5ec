/**
 * The jsonl index of the viewer reads lengths.jsonl only as far as a page needs: the first page of a big build
 * does not wait for (nor pay for) the whole file; a sorted page (`finished`) reads on to the end.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { JsonlIndex } from '../../src/view/jsonl-index.js';

test('reach(n) reads the first lines only; finished reads the rest; the arrays hold every line', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'gad-jsonl-index-'));
  try {
    const n = 200_000;
    const lines: string[] = [];
    for (let i = 0; i < n; i++)
      lines.push(JSON.stringify({ split: i < n / 2 ? 'train' : 'test', index: i, prompt_tokens: i % 977 }));
    const path = join(dir, 'lengths.jsonl');
    writeFileSync(path, lines.join('\n') + '\n');
    const idx = new JsonlIndex(path, { numbers: ['prompt_tokens'], categories: ['split'] });
    await idx.reach(50);
    assert.ok(idx.count >= 50 && idx.count < n / 10, `indexed ${idx.count} lines for the first 50`);
    await new Promise((r) => setTimeout(r, 200));
    assert.ok(idx.count < n / 10 && !idx.done, `the scan pauses (${idx.count} lines)`);
    assert.deepEqual(await idx.read(49), JSON.parse(lines[49]!));
    await idx.finished;
    assert.equal(idx.count, n);
    assert.equal(idx.num('prompt_tokens', n - 1), (n - 1) % 977);
    assert.equal(idx.category('split', n - 1), 'test');
    assert.deepEqual(await idx.read(n - 1), JSON.parse(lines[n - 1]!));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
