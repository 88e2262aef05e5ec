/**
 * A GAD-size image taken from an earlier export (its file read and checked against the recorded sha256) is
 * hard-linked without reading the file a second time, and the link is kept only when it is still the file that
 * was read: a peer file replaced (renamed over) or written in place between the read and the link is not linked,
 * and the export holds the right bytes.
 *
 * The file system calls are observed by wrapping node:fs's functions (test/helpers/fs-wrap.ts); the exports run in
 * this process.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs, { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { exportPrompts, exportSft } from '../../src/index.js';
import { sha256 } from '../../src/core/hash.js';
import { SMALL_DIAGRAM_SIZES, buildDiagramSet } from '../helpers/line-diagram.js';
import { withFs } from '../helpers/fs-wrap.js';

const tmp = mkdtempSync(join(tmpdir(), 'gad-size-link-once-'));
process.on('exit', () => rmSync(tmp, { recursive: true, force: true }));

type Files = Record<string, { sha256: string }>;
const recordFiles = (dir: string) =>
  (JSON.parse(readFileSync(join(dir, 'images', '.gad-size.json'), 'utf8')) as { files: Files }).files;

function buildSet(name: string): Promise<string> {
  return buildDiagramSet(join(tmp, name), SMALL_DIAGRAM_SIZES);
}

test(
  'a peer GAD-size file is read once: checked, then linked without reading it again',
  { timeout: 900_000 },
  async () => {
    const out = await buildSet('once');
    const prompts = await exportPrompts({ from: out });
    const rec = recordFiles(prompts.out);
    const names = Object.keys(rec);
    assert.ok(names.length >= 3, `GAD-size images: ${names.length}`);
    const peerFiles = new Set(names.map((n) => resolve(prompts.out, n)));
    const opens = new Map<string, number>();
    let sftOut = '';
    await withFs(
      'openSync',
      (original) =>
        ((path: fs.PathLike, ...rest: unknown[]) => {
          const p = resolve(String(path));
          if (peerFiles.has(p)) opens.set(p, (opens.get(p) ?? 0) + 1);
          return (original as (...a: unknown[]) => number)(path, ...rest);
        }) as typeof fs.openSync,
      async () => {
        const sft = await exportSft({ from: out, format: 'ms-swift' });
        assert.equal(sft.gadSizeReused, names.length);
        sftOut = sft.out;
      },
    );
    for (const p of peerFiles) assert.equal(opens.get(p), 1, `${p}: opened once (read and checked), not read again`);
    for (const name of names) {
      assert.equal(statSync(join(sftOut, name)).ino, statSync(join(prompts.out, name)).ino, `${name}: linked`);
      assert.equal(sha256(readFileSync(join(sftOut, name))), rec[name]!.sha256);
    }
  },
);

test('a peer GAD-size file replaced or written after it was read is not linked', { timeout: 900_000 }, async () => {
  const out = await buildSet('changed');
  const prompts = await exportPrompts({ from: out });
  const rec = recordFiles(prompts.out);
  const peerFiles = new Map(Object.keys(rec).map((n) => [resolve(prompts.out, n), n]));
  assert.ok(peerFiles.size >= 4, `GAD-size images: ${peerFiles.size}`);
  // Whole-second times on the peer files, so that a change can put them back exactly (as `cp -p` or `touch -r` do).
  const T = Math.floor(Date.now() / 1000) - 3600;
  for (const p of peerFiles.keys()) fs.utimesSync(p, T, T);
  /** The peer files changed after they were read, by how. */
  const changed = new Map<string, string>();
  /** The same size, other bytes. */
  const otherBytes = (p: string) => {
    const b = readFileSync(p);
    b[b.length - 20] = (b[b.length - 20]! + 1) % 256;
    return b;
  };
  const change = (p: string, how: string) => {
    if (how === 'renamed over') {
      writeFileSync(`${p}.new`, otherBytes(p));
      fs.renameSync(`${p}.new`, p);
    } else {
      writeFileSync(p, otherBytes(p));
      if (how === 'written in place, times put back') fs.utimesSync(p, T, T);
    }
    changed.set(p, how);
  };
  const run = async () => {
    const sft = await exportSft({ from: out, format: 'ms-swift' });
    assert.equal(
      changed.size,
      3,
      `three peer files changed between their read and their link: ${[...changed.values()]}`,
    );
    for (const [p, how] of changed) {
      const name = peerFiles.get(p)!;
      const got = join(sft.out, name);
      assert.equal(sha256(readFileSync(got)), rec[name]!.sha256, `${name} (${how}): the bytes checked, not the peer's`);
      assert.notEqual(statSync(got).ino, statSync(p).ino, `${name} (${how}): not a link to the changed file`);
    }
    for (const [p, name] of peerFiles)
      if (!changed.has(p)) assert.equal(statSync(join(sft.out, name)).ino, statSync(p).ino, `${name}: linked`);
  };
  // Just before the link (after any look at the file): renamed over, then written in place. Before the export looks
  // at the file again: written in place with its times put back (the same inode, size and modification time).
  await withFs(
    'linkSync',
    (original) =>
      ((src: fs.PathLike, dest: fs.PathLike) => {
        const p = resolve(String(src));
        if (peerFiles.has(p) && !changed.has(p)) {
          const done = [...changed.values()];
          if (!done.includes('renamed over')) change(p, 'renamed over');
          else if (!done.includes('written in place')) change(p, 'written in place');
        }
        original(src, dest);
      }) as typeof fs.linkSync,
    () =>
      withFs(
        'lstatSync',
        (original) =>
          ((path: fs.PathLike, ...rest: unknown[]) => {
            const p = resolve(String(path));
            if (peerFiles.has(p) && !changed.has(p) && changed.size === 2)
              change(p, 'written in place, times put back');
            return (original as (...a: unknown[]) => unknown)(path, ...rest);
          }) as typeof fs.lstatSync,
        run,
      ),
  );
});
