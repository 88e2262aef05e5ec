import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileBlocks } from '../../src/core/file-blocks.js';
import { sha256File, sha256FileAndLines } from '../../src/core/hash.js';

test('fileBlocks: the whole file in order, in views of one reused buffer; sha256File agrees', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'gad-file-blocks-'));
  try {
    for (const size of [0, 1, 1000, 1024, 1025, 5000]) {
      const bytes = randomBytes(size);
      const file = join(dir, `f${size}`);
      await writeFile(file, bytes);
      const parts: Buffer[] = [];
      const buffers = new Set<ArrayBufferLike>();
      for await (const b of fileBlocks(file, 1024)) {
        assert.ok(b.byteLength > 0 && b.byteLength <= 1024);
        parts.push(Buffer.from(b)); // a copy: the block is reused
        buffers.add(b.buffer);
      }
      assert.deepEqual(Buffer.concat(parts), bytes, `${size} bytes`);
      assert.ok(buffers.size <= 1, 'one buffer for the whole file');
      const want = createHash('sha256').update(bytes).digest('hex');
      assert.equal(await sha256File(file), want);
      assert.equal((await sha256FileAndLines(file)).sha256, want);
    }
    await writeFile(join(dir, 'lines'), 'a\nb\n\nlast');
    assert.equal((await sha256FileAndLines(join(dir, 'lines'))).lines, 4);
    await assert.rejects(sha256File(join(dir, 'missing')), { code: 'ENOENT' });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('sha256File allocates one read buffer for a whole file, not one per chunk', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'gad-file-blocks-'));
  const orig = Buffer.allocUnsafeSlow;
  let calls = 0;
  try {
    const file = join(dir, 'big');
    await writeFile(file, Buffer.alloc(16 << 20, 7));
    Buffer.allocUnsafeSlow = (size: number) => {
      calls++;
      return orig(size);
    };
    await sha256File(file);
    await sha256FileAndLines(file);
    // a read stream takes a fresh buffer for each 64 KiB chunk (256 a call here), each left to the garbage collector
    assert.ok(calls <= 2, `${calls} buffers allocated to hash 16 MB twice`);
  } finally {
    Buffer.allocUnsafeSlow = orig;
    await rm(dir, { recursive: true, force: true });
  }
});
