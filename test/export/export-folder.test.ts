/**
 * The folder of a recipe export (issue 23 item 4, issue 27 exports), on the bundled sample build:
 * - a re-export replaces only what the previous export wrote: train.log (which `gad-data train` writes
 *   there), .git/, checkpoints and notes survive; a user's file the export would replace is refused;
 * - exports take the lock: a second export into a folder being written refuses (exit 2) and a killed
 *   export's lock is taken over; two exports raced with a slow write leave one consistent export;
 * - an export that drops every pair exits 1 and leaves the previous export as it was;
 * - image files: the build's bytes, hard-linked (same inode) between the exports of a build instead of
 *   copied; `--copy-images` writes them, and that export reads back with Python json + Pillow after the
 *   build folder is deleted; a shared file is never changed in place (a rebuild + re-export leaves the
 *   other export's images as they were).
 */
import assert from 'node:assert/strict';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { sha256 } from '../../src/core/hash.js';
import { openBuild, readBuildRows } from '../../src/recipes/build-rows.js';
import { startHeldCli } from '../helpers/held-cli.js';
import { filesBelow, readJsonl, tree } from '../helpers/files.js';
import { runCli } from '../helpers/gad-cli.js';
import { ensurePythonVenv, runPython } from '../helpers/python.js';

let root: string;
const cli = async (args: string[], env?: NodeJS.ProcessEnv) => {
  const r = await runCli(args, { cwd: root, timeoutMs: 600_000, ...(env ? { env } : {}) });
  assert.equal(r.status, 0, `gad-data ${args.join(' ')}: ${r.stderr}`);
  return r;
};
const exportJson = (dir: string) => JSON.parse(readFileSync(join(root, dir, 'export.json'), 'utf8'));
/** The export's data files have the sha256 export.json records, and every image they name exists. */
function assertConsistent(dir: string) {
  const m = exportJson(dir);
  for (const f of Object.values(m.files) as Array<{ file: string; rows: number; sha256: string }>) {
    const text = readFileSync(join(root, dir, f.file));
    assert.equal(sha256(text), f.sha256, `${dir}/${f.file} is the file export.json describes`);
    const lines = readJsonl(join(root, dir, f.file));
    assert.equal(lines.length, f.rows);
    for (const l of lines) for (const im of l.images as string[]) assert.ok(existsSync(join(root, dir, im)), im);
  }
}

before(async () => {
  root = mkdtempSync(join(tmpdir(), 'gad-export-folder-'));
  await cli(['build', '-q']);
});
after(() => rmSync(root, { recursive: true, force: true }));

describe('export folders', { timeout: 1_800_000 }, () => {
  it("a re-export keeps train.log, .git/, checkpoints and notes; a user's file it would replace is refused", async () => {
    await cli(['export', 'sft', '--from', 'gad-data-out', '-q']);
    const dir = 'gad-data-out/sft-ms-swift';
    assert.deepEqual(exportJson(dir).written, [
      'dropped.jsonl',
      'export.json',
      'images',
      'lengths.jsonl',
      'report.json',
      'test.jsonl',
      'train.jsonl',
    ]);
    writeFileSync(join(root, dir, 'train.log'), 'step 1200 loss 0.41\n');
    mkdirSync(join(root, dir, '.git'));
    writeFileSync(join(root, dir, '.git', 'HEAD'), 'ref: refs/heads/main\n');
    mkdirSync(join(root, dir, 'output', 'v0-20251228', 'checkpoint-1200'), { recursive: true });
    writeFileSync(join(root, dir, 'output', 'v0-20251228', 'checkpoint-1200', 'model.safetensors'), 'weights');
    writeFileSync(join(root, dir, 'notes.md'), 'warmup run 3');
    const mine = Object.fromEntries(
      Object.entries(tree(join(root, dir))).filter(([k]) => /^(train\.log|\.git|output|notes)/.test(k)),
    );
    assert.equal(Object.keys(mine).length, 4);

    await cli(['export', 'sft', '--from', 'gad-data-out', '--max-length', '700', '-q']);
    const now = tree(join(root, dir));
    for (const [k, v] of Object.entries(mine)) assert.equal(now[k], v, `${k} survives the re-export`);
    assert.equal(exportJson(dir).maxLength, 700, 'the export itself was replaced');
    assertConsistent(dir);
    assert.deepEqual(
      readdirSync(root + '/gad-data-out').filter((f) => f.startsWith('.sft-ms-swift')),
      [],
      'nothing left beside it',
    );

    // LLaMA-Factory's dataset_info.json is the user's here (the ms-swift export did not write it): refused.
    writeFileSync(join(root, dir, 'dataset_info.json'), '{"my_other_set": {"file_name": "mine.json"}}');
    const r = await runCli(['export', 'sft', '--from', 'gad-data-out', '--format', 'llamafactory', '--out', dir], {
      cwd: root,
    });
    assert.equal(r.status, 2, r.stderr);
    assert.match(r.stderr, /holds dataset_info\.json, which the previous export did not write/);
    assert.equal(
      readFileSync(join(root, dir, 'dataset_info.json'), 'utf8'),
      '{"my_other_set": {"file_name": "mine.json"}}',
    );
    assert.equal(exportJson(dir).trainer, 'ms-swift', 'the previous export stays');
  });

  it('an export that drops every pair exits 1 and leaves the previous export as it was', async () => {
    await cli(['export', 'rm', '--from', 'gad-data-out', '-q']);
    const dir = join(root, 'gad-data-out/rm-ms-swift');
    const before_ = tree(dir);
    // Answers sampled without --remove_unused_columns false: the ids are someone else's.
    writeFileSync(
      join(root, 'other-ids.jsonl'),
      '{"id": "row-1", "response": "42"}\n{"id": "row-2", "response": "7"}\n',
    );
    const r = await runCli(['export', 'rm', '--from', 'gad-data-out', '--student', 'other-ids.jsonl'], { cwd: root });
    assert.equal(r.status, 1, r.stderr);
    assert.match(
      r.stderr,
      /export rm: all 200 pair\(s\) were dropped \(no_student_response 200\); nothing was written/,
    );
    assert.match(r.stderr, /the build's row ids/);
    assert.deepEqual(tree(dir), before_, 'the previous export is untouched');
  });

  it('a second export into a folder being written refuses (exit 2); a killed export leaves a lock the next one takes over', async () => {
    const flag = join(root, 'hold-export');
    const held = await startHeldCli({
      args: ['export', 'prompts', '--from', 'gad-data-out', '--out', 'held', '-q'],
      cwd: root,
      point: 'export-commit',
      holdFile: flag,
      what: 'the export to reach its commit',
      timeoutMs: 300_000,
    });
    const second = await runCli(['export', 'prompts', '--from', 'gad-data-out', '--out', 'held'], { cwd: root });
    assert.equal(second.status, 2, second.stderr);
    assert.match(second.stderr, /another export is writing .*held: locked by pid \d+/);
    await held.kill();
    assert.equal(existsSync(join(root, 'held')), false, 'the killed export wrote nothing into place');
    const third = await cli(['export', 'prompts', '--from', 'gad-data-out', '--out', 'held']);
    assert.match(third.stderr, /took over the lock .*\.held\.lock .*is not running/);
    assertConsistent('held');
  });

  it('two exports raced into one folder with a slow write: each exits 0 or refuses, and the export is consistent', async () => {
    const env = { ...process.env, GAD_DATA_TEST_DELAY: 'export-image:10' };
    const args = (max: string) => [
      'export',
      'sft',
      '--from',
      'gad-data-out',
      '--out',
      'raced',
      '--max-length',
      max,
      '-q',
    ];
    const [a, b] = await Promise.all([
      runCli(args('700'), { cwd: root, env, timeoutMs: 600_000 }),
      runCli(args('900'), { cwd: root, env, timeoutMs: 600_000 }),
    ]);
    const codes = [a.status, b.status].sort();
    assert.deepEqual(codes, [0, 2], `a: ${a.status} ${a.stderr}\nb: ${b.status} ${b.stderr}`);
    const won = a.status === 0 ? 700 : 900;
    assert.equal(exportJson('raced').maxLength, won, 'the export is the one that exited 0');
    assertConsistent('raced');
  });
});

describe('export image files', { timeout: 1_800_000 }, () => {
  it("images are the build's bytes, hard-linked between the exports of the build (one inode per image)", async () => {
    await cli(['export', 'prompts', '--from', 'gad-data-out', '-q']);
    await cli(['export', 'rm', '--from', 'gad-data-out', '-q']);
    const build = await openBuild(join(root, 'gad-data-out'));
    const stored = new Map<string, Uint8Array[]>();
    for await (const row of readBuildRows(build))
      stored.set(
        row.id,
        row.images.map((i) => i.bytes),
      );
    for (const dir of ['gad-data-out/prompts', 'gad-data-out/sft-ms-swift', 'gad-data-out/rm-ms-swift']) {
      const m = exportJson(dir);
      for (const split of ['train', 'test']) {
        for (const l of readJsonl(join(root, dir, `${split}.jsonl`))) {
          const id =
            (l.id as string | undefined) ??
            (l.images[0] as string)
              .split('/')
              .pop()!
              .replace(/-\d+\.\w+$/, '');
          const want = stored.get(id)!;
          assert.ok(want, `row ${id} is in the build`);
          (l.images as string[]).forEach((p, k) =>
            assert.ok(
              Buffer.from(want[k]!).equals(readFileSync(join(root, dir, p))),
              `${dir}/${p} is the build's bytes`,
            ),
          );
        }
      }
      if (dir !== 'gad-data-out/prompts') assert.equal(m.images.linked, m.images.count, `${dir}: every image linked`);
    }
    // The same image in the three exports is one file on disk.
    for (const f of readdirSync(join(root, 'gad-data-out/rm-ms-swift/images/train'))) {
      const ino = (d: string) => statSync(join(root, 'gad-data-out', d, 'images/train', f)).ino;
      assert.equal(ino('rm-ms-swift'), ino('prompts'), f);
      // (the sft export above was made with --max-length 700: it holds fewer rows)
      if (existsSync(join(root, 'gad-data-out/sft-ms-swift/images/train', f)))
        assert.equal(ino('sft-ms-swift'), ino('prompts'), f);
    }
  });

  it('a shared image file is never changed in place: a rebuild and re-export leave the other export as it was', async () => {
    const prompts = tree(join(root, 'gad-data-out/prompts'));
    // Smaller max_pixels: the build shrinks the large images, so their bytes change.
    await cli(['build', '-q', '--max-pixels', '65536']);
    await cli(['export', 'sft', '--from', 'gad-data-out', '-q']);
    const sft = exportJson('gad-data-out/sft-ms-swift');
    assert.ok(sft.images.linked < sft.images.count, 'changed images are written new');
    const changed = readdirSync(join(root, 'gad-data-out/sft-ms-swift/images/train')).filter(
      (f) =>
        prompts[`images/train/${f}`] !== sha256(readFileSync(join(root, 'gad-data-out/sft-ms-swift/images/train', f))),
    );
    assert.ok(changed.length > 0, 'some images differ after the rebuild');
    assert.deepEqual(
      tree(join(root, 'gad-data-out/prompts')),
      prompts,
      'the prompts export is byte for byte as it was',
    );
    assertConsistent('gad-data-out/sft-ms-swift');
  });

  it('--copy-images: no links; the export reads back with Python json + Pillow after the build folder is deleted', async () => {
    const python = await ensurePythonVenv(['Pillow']);
    await cli(['export', 'prompts', '--from', 'gad-data-out', '--out', 'portable', '--copy-images', '-q']);
    const m = exportJson('portable');
    assert.equal(m.images.linked, 0);
    for (const f of filesBelow(join(root, 'portable/images'))) assert.equal(statSync(f).nlink, 1, f);
    rmSync(join(root, 'gad-data-out'), { recursive: true, force: true });
    if (!python) return;
    const script = `
import json, os, sys
from PIL import Image
root = sys.argv[1]
n = 0
for split in ("train", "test"):
    with open(os.path.join(root, split + ".jsonl"), encoding="utf-8") as f:
        for line in f:
            row = json.loads(line)
            for p in row["images"]:
                with Image.open(os.path.join(root, p)) as im:
                    im.load()
                    assert im.size[0] > 0
                n += 1
print(n)
`;
    const n = Number((await runPython(python, script, [join(root, 'portable')])).trim());
    assert.equal(n, m.images.count);
  });
});
