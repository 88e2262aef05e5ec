/**
 * A build on one file system with its exports on another (a build on the home disk, the exports on a scratch or
 * tmpfs disk): hard links cannot cross devices, so the first export there copies the images; the next export there
 * links to the files of the first instead of copying them again, the GAD-size images too (their checked file is on
 * the build's disk, the same bytes are beside the export). Every image holds the build's bytes (or the GAD-size bytes
 * recorded). Skipped where no second file system is writable (/dev/shm, then the folder GAD_DATA_TEST_OTHER_DEVICE).
 * And a peer whose files cannot be linked although it is on the same device (another mount of the same disk gives
 * EXDEV; a file system without links, EPERM) is dropped alone: the next peer is still linked to.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs, { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve, sep } from 'node:path';
import { exportPrompts, exportRm, exportSft } from '../../src/index.js';
import { openBuild, readBuildRows } from '../../src/recipes/build-rows.js';
import { sha256 } from '../../src/core/hash.js';
import { filesBelow, readJsonl } from '../helpers/files.js';
import { withFs } from '../helpers/fs-wrap.js';
import { SMALL_DIAGRAM_SIZES, buildDiagramSet } from '../helpers/line-diagram.js';

const tmp = mkdtempSync(join(tmpdir(), 'cross-device-'));

/** A new folder on another file system than `tmp`, or null. */
function otherDevice(): string | null {
  const here = statSync(tmp).dev;
  for (const base of [process.env.GAD_DATA_TEST_OTHER_DEVICE, '/dev/shm']) {
    if (!base) continue;
    try {
      if (statSync(base).dev === here) continue;
      return mkdtempSync(join(base, 'gad-cross-device-'));
    } catch {
      /* missing or not writable: try the next */
    }
  }
  return null;
}

const other = otherDevice();
process.on('exit', () => {
  rmSync(tmp, { recursive: true, force: true });
  if (other) rmSync(other, { recursive: true, force: true });
});

const exportJson = (dir: string) => JSON.parse(readFileSync(join(dir, 'export.json'), 'utf8'));
const gadSizeFiles = (dir: string) =>
  (JSON.parse(readFileSync(join(dir, 'images', '.gad-size.json'), 'utf8')) as { files: Record<string, object> }).files;

const SIZES: Array<[number, number]> = [...SMALL_DIAGRAM_SIZES, [640, 480], [512, 420]];

/** A diagram build with a student file for `export rm`; its folder and the student file. */
async function diagramBuild(name: string): Promise<{ out: string; student: string }> {
  const dir = join(tmp, name);
  const out = await buildDiagramSet(dir, SIZES);
  const student = SIZES.map((_, i) => JSON.stringify({ id: `g-${i}`, response: `It is ${i + 1}.` }));
  writeFileSync(join(dir, 'student.jsonl'), `${student.join('\n')}\n`);
  return { out, student: join(dir, 'student.jsonl') };
}

test(
  'exports on another file system than the build: the first copies the images, the next links to it',
  { timeout: 900_000, skip: other ? false : 'no second writable file system here (/dev/shm)' },
  async () => {
    // Small diagrams (written at the GAD size in the exports) and large ones (the build's bytes as they are).
    const { out, student } = await diagramBuild('set');

    // An export beside the build: on the build's disk.
    const prompts = await exportPrompts({ from: out });
    const gadNames = Object.keys(gadSizeFiles(prompts.out));
    assert.ok(gadNames.length >= 3, `GAD-size images: ${gadNames.length}`);

    const sftOut = join(other!, 'sft');
    const sft = await exportSft({ from: out, format: 'ms-swift', out: sftOut });
    assert.equal(exportJson(sftOut).images.linked, 0, 'another device: nothing to link to');
    for (const f of filesBelow(join(sftOut, 'images'))) if (!f.endsWith('.json')) assert.equal(statSync(f).nlink, 1, f);
    assert.equal(sft.gadSizeReused, gadNames.length, "the build disk's GAD-size files are read, not computed again");

    const rmOut = join(other!, 'rm');
    await exportRm({ from: out, format: 'ms-swift', out: rmOut, student });
    const m = exportJson(rmOut);
    assert.ok(m.images.count > 0);
    assert.equal(m.images.linked, m.images.count, 'every image linked to the export beside it');

    // The bytes: the build's stored image, or the GAD-size bytes the first export wrote.
    const stored = new Map<string, Uint8Array[]>();
    for await (const row of readBuildRows(await openBuild(out)))
      stored.set(
        row.id,
        row.images.map((i) => i.bytes),
      );
    for (const line of readJsonl(join(rmOut, 'train.jsonl'))) {
      for (const [k, p] of (line.images as string[]).entries()) {
        const got = readFileSync(join(rmOut, p));
        assert.equal(
          statSync(join(rmOut, p)).ino,
          statSync(join(sftOut, p)).ino,
          `${p}: one file with the sft export's`,
        );
        // (an rm line has no id: the file is named after the row, images/<split>/<id>-<k>.<ext>)
        const id = p
          .split('/')
          .pop()!
          .replace(/-\d+\.\w+$/, '');
        const want = gadNames.includes(p) ? readFileSync(join(prompts.out, p)) : stored.get(id)?.[k];
        assert.ok(want, `${p}: a row of the build`);
        assert.equal(sha256(got), sha256(want), `${p}: the bytes`);
      }
    }
  },
);

test(
  'a peer whose files cannot be linked here (EXDEV from another mount) is dropped alone: the next peer is linked',
  { timeout: 900_000 },
  async () => {
    const { out, student } = await diagramBuild('mount');
    const prompts = await exportPrompts({ from: out });
    const sft = await exportSft({ from: out, format: 'ms-swift' });
    const refusedIn = resolve(prompts.out) + sep;
    const refused: string[] = [];
    let rmOut = '';
    await withFs(
      'linkSync',
      (original) =>
        ((src: fs.PathLike, dest: fs.PathLike) => {
          if (resolve(String(src)).startsWith(refusedIn)) {
            refused.push(String(src));
            throw Object.assign(new Error(`EXDEV: cross-device link not permitted, link '${src}' -> '${dest}'`), {
              code: 'EXDEV',
            });
          }
          return original(src, dest);
        }) as typeof fs.linkSync,
      async () => {
        rmOut = (await exportRm({ from: out, format: 'ms-swift', student })).out;
      },
    );
    assert.equal(refused.length, 1, `the refusing peer is not offered again: ${refused.join(', ')}`);
    const m = exportJson(rmOut);
    assert.ok(m.images.count > 0);
    assert.equal(m.images.linked, m.images.count, 'every image linked to the other peer');
    for (const f of filesBelow(join(rmOut, 'images'))) {
      if (f.endsWith('.json')) continue;
      const name = f.slice(rmOut.length + 1);
      assert.equal(statSync(f).ino, statSync(join(sft.out, name)).ino, `${name}: one file with the sft export's`);
    }
  },
);
