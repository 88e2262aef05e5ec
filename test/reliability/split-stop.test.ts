/**
 * A build whose split the trainer cannot use stops with exit 1 and says why, instead of exiting 0 and proposing a
 * launch: a split that ends up empty (every image path absolute and outside the data folder), or that loses more
 * than `max_split_drop_ratio` of its rows to one reason (a wrong column name). The reason, the first dropped row's
 * detail and the fix are on stderr, and no "Next: ... train" line is printed. The config file a build read (one
 * found in the current folder is read without being asked for) is named in the first line of output.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { runCli } from '../helpers/gad-cli.js';

const tmp = mkdtempSync(join(tmpdir(), 'gad-split-stop-'));
process.on('exit', () => rmSync(tmp, { recursive: true, force: true }));
const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: '1' };
delete env.GAD_DATA_DEBUG;
const T = 600_000; // a loaded 2-core machine: generous, the test asserts outcomes only

const data = join(tmp, 'data');
const images = join(tmp, 'images-elsewhere');
mkdirSync(data);
mkdirSync(images);
for (let i = 0; i < 6; i++) {
  const png = await sharp({
    create: { width: 48 + 4 * i, height: 40, channels: 3, background: { r: 30 * i, g: 120, b: 60 } },
  })
    .png()
    .toBuffer();
  writeFileSync(join(images, `f${i}.png`), png);
  writeFileSync(join(data, `f${i}.png`), png);
}
const jsonl = (name: string, rows: Array<Record<string, unknown>>) => {
  const p = join(data, name);
  writeFileSync(p, rows.map((r) => JSON.stringify(r)).join('\n') + '\n');
  return p;
};
// Every image path absolute, to a folder beside the data (as a script that wrote full paths makes them).
const absolute = jsonl(
  'absolute.jsonl',
  Array.from({ length: 6 }, (_, i) => ({
    id: `a${i}`,
    problem: `<image>Which figure is number ${i}?`,
    answer: String(i),
    images: [join(images, `f${i}.png`)],
  })),
);
// Mixed rows: 2 text-only, 6 with an image in the column `images`.
const mixed = jsonl('mixed.jsonl', [
  { id: 't0', problem: 'What is 2 + 2?', answer: '4' },
  { id: 't1', problem: 'What is 3 + 3?', answer: '6' },
  ...Array.from({ length: 6 }, (_, i) => ({
    id: `m${i}`,
    problem: `<image>What is drawn in figure ${i}?`,
    answer: String(i),
    images: [`f${i}.png`],
  })),
]);

const build = (args: string[], cwd = tmp) =>
  runCli(['build', '--format-prompt', 'none', '--target', 'easyr1', ...args], { cwd, env, timeoutMs: T });

test(
  'every image path absolute: the split is empty, exit 1, the first row and --allow-outside-paths on stderr, no launch proposed',
  { timeout: T },
  async () => {
    const r = await build(['--train', absolute, '--out', join(tmp, 'out-abs')]);
    assert.equal(r.status, 1, r.stdout + r.stderr);
    assert.match(r.stderr, /error: split 'train' is empty: all 6 rows were dropped \(image_outside_root 6\)/);
    assert.match(
      r.stderr,
      /first dropped row: train row 0 \(id .*absolute\.jsonl#0\): image path '.*f0\.png' is absolute/,
    );
    assert.match(r.stderr, /fix: .*--image-dir.*--allow-outside-paths/);
    assert.doesNotMatch(r.stdout, /Next:|gad-data train/);
    assert.match(r.stdout, /exit 1: split 'train' is empty/);
  },
);

test(
  'a wrong image column: most rows lost to image_count_mismatch stops the build (exit 1) naming image_key; --max-split-drop-ratio raises the bar',
  { timeout: T },
  async () => {
    const wrong = ['--train', mixed, '--image-key', 'image_paths', '--max-drop-ratio', '1'];
    const r = await build([...wrong, '--out', join(tmp, 'out-key')]);
    assert.equal(r.status, 1, r.stdout + r.stderr);
    assert.match(
      r.stderr,
      /error: split 'train' lost 6 of 8 rows \(75\.0%\) to image_count_mismatch, more than max_split_drop_ratio 0\.5 allows/,
    );
    assert.match(
      r.stderr,
      /first dropped row: train row 2 \(id .*mixed\.jsonl#2\): 1 <image> placeholder\(s\) in the prompt but 0 image\(s\)/,
    );
    assert.match(r.stderr, /fix: .*image_key \(--image-key\)/);
    assert.doesNotMatch(r.stdout, /Next:/);

    const ok = await build([...wrong, '--max-split-drop-ratio', '0.8', '--out', join(tmp, 'out-key-ok')]);
    assert.equal(ok.status, 0, ok.stdout + ok.stderr);
    assert.doesNotMatch(ok.stderr, /error:/);
    assert.match(ok.stdout, /Next:/);
    // the right column builds every row
    const right = await build(['--train', mixed, '--out', join(tmp, 'out-right')]);
    assert.equal(right.status, 0, right.stdout + right.stderr);
    assert.match(right.stdout, /train: 8 rows in → 8 out \(0 dropped\)/);
  },
);

test(
  'the config file read is named in the first line: one found in the current folder, and one given with -c',
  {
    timeout: T,
  },
  async () => {
    const cwd = join(tmp, 'another-dataset');
    mkdirSync(cwd);
    writeFileSync(join(cwd, 'gad-data.yaml'), `data:\n  train_files: ${mixed}\n  format_prompt: none\nout: out-auto\n`);
    const r = await runCli(['build'], { cwd, env, timeoutMs: T });
    assert.equal(r.status, 0, r.stdout + r.stderr);
    assert.match(
      r.stderr.split('\n')[0]!,
      /^config: \.\/gad-data\.yaml \(found in the current folder and read; flags override it; -c FILE reads another\)$/,
    );

    writeFileSync(join(cwd, 'other.yaml'), `data:\n  train_files: ${mixed}\n  format_prompt: none\nout: out-c\n`);
    const c = await runCli(['build', '-c', 'other.yaml'], { cwd, env, timeoutMs: T });
    assert.equal(c.status, 0, c.stdout + c.stderr);
    assert.equal(c.stderr.split('\n')[0], 'config: ./other.yaml');
  },
);
