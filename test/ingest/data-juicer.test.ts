/**
 * data-juicer's multimodal format read as input (issue: `<|__dj__eoc|>` stayed in the prompt text and its absolute
 * image paths dropped every row as `image_outside_root`). Files are written as data-juicer writes them: jsonl rows
 * of `id`, `text`, `images` (absolute paths: its formatter's rel2abs makes the input's paths absolute, and its
 * mappers write new images as `…/__dj__produced_data__/OP/NAME__dj_hash_#HASH#.EXT`, file_utils.transfer_filename);
 * the dialog text as tools/fmt_conversion/multimodal/source_format_to_data_juicer_format/llava_to_dj.py writes it
 * (`[[human]]: …\n[[gpt]]: …`, ` <|__dj__eoc|>` after the last turn, or after each round with split_chunk).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from '../../src/index.js';
import { writeSolidImage } from '../helpers/solid-image.js';
import { duckRows, readJsonl } from '../helpers/files.js';
import { runCli } from '../helpers/gad-cli.js';

const tmp = mkdtempSync(join(tmpdir(), 'gad-data-juicer-'));
process.on('exit', () => rmSync(tmp, { recursive: true, force: true }));

async function png(path: string, r: number, b: number) {
  await writeSolidImage({ file: path, width: 96, height: 64, background: { r, g: 30, b } });
}

// the input dataset's folder (its images, made absolute by data-juicer), what a mapper wrote, and another folder
const coco = join(tmp, 'coco');
const produced = join(coco, '__dj__produced_data__', 'image_blur_mapper');
const elsewhere = join(tmp, 'elsewhere');
for (const d of [produced, elsewhere, join(tmp, 'dj')]) mkdirSync(d, { recursive: true });
const RED = join(produced, 'red__dj_hash_#8b1f2c6d0e#.png');
const BLUE = join(produced, 'blue__dj_hash_#0a9d3e71c4#.png');
const ORIGINAL = join(coco, 'green.png');
const FAKE = join(produced, 'fake__dj_hash_#1#.png');
await png(RED, 220, 10);
await png(BLUE, 10, 220);
await png(ORIGINAL, 10, 10);
await png(join(elsewhere, 'private.png'), 100, 100);
symlinkSync(join(elsewhere, 'private.png'), FAKE);

const EOC = '<|__dj__eoc|>';
const ROWS = [
  // llava_to_dj, one round
  {
    id: '000000033471',
    text: `[[human]]: <image>\nWhat colour is the square?\n[[gpt]]: The square is red. ${EOC}`,
    images: [RED],
  },
  // llava_to_dj with split_chunk (eoc after each round), data-juicer's own image token
  {
    id: '000000052846',
    text: `[[human]]: <__dj__image>\nName the colour.\n[[gpt]]: Blue. ${EOC}\n[[human]]: And in French?\n[[gpt]]: Bleu. ${EOC}`,
    images: [BLUE],
  },
  // the input's own image, made absolute by data-juicer: outside the data folder, not a file data-juicer wrote
  {
    id: '000000011111',
    text: `[[human]]: <image>\nWhat colour is this?\n[[gpt]]: Green. ${EOC}`,
    images: [ORIGINAL],
  },
  // a name with data-juicer's mark that is a symlink to another file
  { id: '000000022222', text: `[[human]]: <image>\nAnd this?\n[[gpt]]: Grey. ${EOC}`, images: [FAKE] },
];
const lines = (rows: object[]) => rows.map((r) => JSON.stringify(r)).join('\n') + '\n';
writeFileSync(join(tmp, 'dj', 'processed.jsonl'), lines(ROWS));

const shard = (out: string) => join(out, 'data', 'train-00000-of-00001.parquet');
const bytesOf = (img: { bytes: unknown }) => Buffer.from(img.bytes as Uint8Array).toString('base64');
const fileBytes = (p: string) => readFileSync(p).toString('base64');

test(
  'data-juicer dialog text, GAD build (--teacher-column text): turns, teacher response, chunk ends, the image rule',
  { timeout: 600_000 },
  async () => {
    const out = join(tmp, 'out-gad');
    const r = await build({
      data: { train_files: join(tmp, 'dj', 'processed.jsonl') },
      teacher: { column: 'text' },
      id_key: 'id',
      target: 'verl',
      max_drop_ratio: 1,
      max_split_drop_ratio: 1,
      out,
    });
    const [first, rule] = r.input.format.split('\n');
    assert.match(first!, /^input format: data-juicer \(detected from the columns of .*: id, text, images;/);
    assert.match(
      rule!,
      /^ {2}data-juicer image paths: an absolute path outside .* only when data-juicer wrote the file/,
    );
    assert.deepEqual(r.input.counts, {
      dj_chunk_ends_removed: 4,
      dj_dialog_read_as_turns: 4,
      teacher_from_assistant_turn: 4,
      earlier_assistant_turns_kept: 1,
      images_written_by_tool: 2,
    });
    const rows = await duckRows(shard(out));
    assert.equal(rows.length, 2);
    assert.deepEqual(rows[0]!.prompt, [{ role: 'user', content: '<image>\nWhat colour is the square?' }]);
    assert.equal(rows[0]!.teacher_response, 'The square is red.');
    assert.equal(rows[0]!.images.length, 1);
    assert.equal(bytesOf(rows[0]!.images[0]), fileBytes(RED));
    assert.deepEqual(rows[1]!.prompt, [
      { role: 'user', content: '<image>\nName the colour.' },
      { role: 'assistant', content: 'Blue.' },
      { role: 'user', content: 'And in French?' },
    ]);
    assert.equal(rows[1]!.teacher_response, 'Bleu.');
    assert.equal(bytesOf(rows[1]!.images[0]), fileBytes(BLUE));
    for (const row of rows) assert.doesNotMatch(JSON.stringify(row.prompt) + row.teacher_response, /__dj__/);

    const dropped = readJsonl(join(out, 'dropped.jsonl'));
    assert.deepEqual(
      dropped.map((d) => [d.id, d.reason]),
      [
        ['000000011111', 'image_outside_root'],
        ['000000022222', 'image_outside_root'],
      ],
    );
    assert.match(String(dropped[1]!.detail), /is a symlink leading outside/);
  },
);

test(
  "data-juicer: the input's own images, made absolute by data-juicer, are read with image_dir set to their folder",
  { timeout: 600_000 },
  async () => {
    const out = join(tmp, 'out-image-dir');
    const r = await build({
      teacher: { column: 'text' },
      data: { train_files: join(tmp, 'dj', 'processed.jsonl'), image_dir: coco },
      target: 'verl',
      max_drop_ratio: 1,
      max_split_drop_ratio: 1,
      out,
    });
    // inside image_dir: read by the containment rules, not by data-juicer's (the symlink still leads outside)
    assert.equal(r.input.counts.images_written_by_tool, undefined);
    const rows = await duckRows(shard(out));
    assert.deepEqual(
      rows.map((x) => x.teacher_response),
      ['The square is red.', 'Bleu.', 'Green.'],
    );
    assert.equal(bytesOf(rows[2]!.images[0]), fileBytes(ORIGINAL));
    assert.deepEqual(
      readJsonl(join(out, 'dropped.jsonl')).map((d) => d.reason),
      ['image_outside_root'],
    );
  },
);

test(
  'data-juicer plain text (chunks a mapper wrote), GRPO build: <__dj__image> is <image>, chunk ends removed',
  { timeout: 600_000 },
  async () => {
    const dir = join(tmp, 'caption');
    mkdirSync(dir);
    // image_captioning_mapper writes `{caption}{eoc}` per chunk, the image token of the chunk first
    const text = `<__dj__image>A red square on a dark ground.${EOC} Which colour is it? ${EOC}`;
    writeFileSync(join(dir, 'captions.jsonl'), lines([{ text, images: [RED] }]));
    const out = join(tmp, 'out-caption');
    const r = await build({
      data: { train_files: join(dir, 'captions.jsonl'), format_prompt: 'none' },
      target: 'verl',
      out,
    });
    assert.match(r.input.format, /^input format: data-juicer \(detected/);
    assert.deepEqual(r.input.counts, { dj_chunk_ends_removed: 1, images_written_by_tool: 1 });
    const [row] = await duckRows(shard(out));
    assert.ok(row, JSON.stringify(readJsonl(join(out, 'dropped.jsonl'))));
    assert.deepEqual(row!.prompt, [
      { role: 'user', content: '<image>A red square on a dark ground.\nWhich colour is it?' },
    ]);
    assert.deepEqual(
      row!.images.map((i: { bytes: unknown }) => bytesOf(i)),
      [fileBytes(RED)],
    );
  },
);

test(
  'docs/sources.md command: data-juicer from the CLI, the format and the image rule said first, the rows it read by it counted',
  { timeout: 600_000 },
  async () => {
    const cwd = join(tmp, 'cli');
    mkdirSync(join(cwd, 'dj'), { recursive: true });
    writeFileSync(join(cwd, 'dj', 'processed.jsonl'), lines(ROWS.slice(0, 2)));
    const r = await runCli(['build', '--train', 'dj/processed.jsonl', '--teacher-column', 'text', '--out', 'out-dj'], {
      cwd,
      timeoutMs: 600_000,
    });
    assert.equal(r.status, 0, r.stderr);
    const err = r.stderr.split('\n');
    assert.match(err[0]!, /^input format: data-juicer \(detected/);
    assert.match(err[1]!, /data-juicer image paths: an absolute path outside/);
    const out = r.stdout.trim().split('\n');
    assert.match(out[0]!, /^input format: data-juicer/);
    assert.match(out[1]!, /^ {2}data-juicer image paths:/);
    assert.ok(
      out.some((l) =>
        /^2 row\(s\) read absolute image paths outside image_dir \/ the data folder: files data-juicer wrote/.test(l),
      ),
      r.stdout,
    );
  },
);
