/**
 * `gad-data export sft`: the generator-warmup set (SFT of the student on the teacher's answers) from a
 * GAD build, in ms-swift's standard format or LLaMA-Factory's sharegpt format.
 *
 * - ms-swift (docs/source_en/Customization/Custom-dataset.md, "Supervised Fine-tuning" and "Multimodal"):
 *   `{"messages": [{"role": "user", "content": "<image>..."}, {"role": "assistant", "content": ...}], "images": [path]}`;
 *   relative image paths resolve against ROOT_IMAGE_DIR (else the working directory).
 * - LLaMA-Factory (data/README.md, "Multimodal Image Dataset"): `{"conversations": [{"from": "human", "value":
 *   "<image>..."}, {"from": "gpt", "value": ...}], "images": [path]}` plus a `dataset_info.json` entry
 *   (`formatting: sharegpt`, `columns: {messages: conversations, images: images}`); relative image paths
 *   resolve against `media_dir`, which defaults to `dataset_dir` (this folder).
 */
import { GadError } from '../../core/errors.js';
import { readBuildRows } from './build-rows.js';
import { type ExportManifest, type RecipeOptions, countRowImages, defaultMaxLength, exportManifest, openRecipe, writeRowImages } from './common.js';
import { type RecipeTrainer, RECIPE_TRAINERS, stripImEnd } from './lengths.js';
import { ExportFolder } from './output.js';
import { LengthCollector, type RecipeReport } from './report.js';

export interface SftOptions extends RecipeOptions {
  format: RecipeTrainer;
  /** Rows whose whole conversation is longer are dropped (`too_long`); default the build's max prompt + max response length. */
  maxLength?: number;
}

export interface ExportResult {
  out: string;
  manifest: ExportManifest;
  report: RecipeReport;
}

export function checkFormat(format: string): asserts format is RecipeTrainer {
  if (!(RECIPE_TRAINERS as readonly string[]).includes(format)) {
    throw new GadError(`unknown export format "${format}"`, { hint: `use --format ${RECIPE_TRAINERS.join(' | ')}` });
  }
}

/** One SFT line in the trainer's format. */
export function sftLine(format: RecipeTrainer, prompt: string, answer: string, images: string[]): Record<string, unknown> {
  if (format === 'ms-swift') {
    return { messages: [{ role: 'user', content: prompt }, { role: 'assistant', content: answer }], images };
  }
  return { conversations: [{ from: 'human', value: prompt }, { from: 'gpt', value: answer }], images };
}

/** LLaMA-Factory's dataset_info.json entries, one dataset per split file. */
export function datasetInfo(kind: 'sft' | 'rm', files: Record<string, string>): { info: Record<string, unknown>; names: Record<string, string> } {
  const info: Record<string, unknown> = {};
  const names: Record<string, string> = {};
  for (const [split, file] of Object.entries(files)) {
    const name = `gad_${kind}_${split}`;
    names[split] = name;
    info[name] =
      kind === 'sft'
        ? { file_name: file, formatting: 'sharegpt', columns: { messages: 'conversations', images: 'images' } }
        : { file_name: file, formatting: 'sharegpt', ranking: true, columns: { messages: 'conversations', chosen: 'chosen', rejected: 'rejected', images: 'images' } };
  }
  return { info, names };
}

export async function exportSft(o: SftOptions): Promise<ExportResult> {
  checkFormat(o.format);
  const s = await openRecipe(o, o.format, `sft-${o.format}`);
  const maxLength = o.maxLength ?? defaultMaxLength(s);
  if (!(Number.isInteger(maxLength) && maxLength > 0)) throw new GadError(`--max-length must be a positive whole number, got ${maxLength}`);
  const folder = await ExportFolder.open(s.out);
  try {
    const lengths = new LengthCollector(['total', 'prompt', 'response'], 'total');
    const files: Record<string, { file: string; rows: number }> = {};
    let images = 0;
    let resized = 0;
    let stripped = 0;
    for (const split of s.build.splits) {
      files[split] = { file: `${split}.jsonl`, rows: 0 };
      folder.touch(files[split].file);
    }
    for await (const row of readBuildRows(s.build)) {
      const t = stripImEnd(row.teacher);
      const drop = (reason: string, detail: string, value: number | null, limit: number | null, basis?: number) => {
        folder.line('dropped.jsonl', { split: row.split, id: row.id, reason, detail, value, limit });
        lengths.drop(row.split, reason, basis);
      };
      if (!t.text.trim()) {
        drop('empty_response', 'the teacher response is empty (after removing a trailing <|im_end|>)', null, null);
        continue;
      }
      const counted = await countRowImages(s, row);
      const len = s.counter.conversation(row.prompt, counted.map((c) => c.tokens), t.text);
      if (len.total > maxLength) {
        drop('too_long', `prompt + response + closing tokens = ${len.total} tokens > --max-length ${maxLength}`, len.total, maxLength, len.total);
        continue;
      }
      if (t.stripped) stripped++;
      const paths = await writeRowImages(folder, row, counted);
      images += paths.length;
      resized += counted.filter((c) => c.resized).length;
      const f = files[row.split]!;
      folder.line(f.file, sftLine(o.format, row.prompt, t.text, paths));
      folder.line('lengths.jsonl', {
        split: row.split,
        line: f.rows,
        id: row.id,
        total_tokens: len.total,
        prompt_tokens: len.prompt,
        response_tokens: len.response,
        image_tokens: counted.reduce((a, c) => a + c.tokens, 0),
      });
      f.rows++;
      lengths.keep(row.split, { total: len.total, prompt: len.prompt, response: len.response });
    }
    folder.touch('dropped.jsonl');
    const notes: string[] = [];
    if (stripped) notes.push(`${stripped} teacher response(s) ended with <|im_end|>: removed, since the chat template closes the answer with its own (the model would otherwise learn to emit it twice)`);
    if (resized) notes.push(`${resized} image(s) would be resized by ${o.format} with the recorded image settings: their counts are the trainer's`);
    let names: Record<string, string> | undefined;
    if (o.format === 'llamafactory') {
      const d = datasetInfo('sft', Object.fromEntries(Object.entries(files).map(([k, v]) => [k, v.file])));
      await folder.json('dataset_info.json', d.info);
      names = d.names;
    }
    const report = lengths.report({ kind: 'sft', trainer: o.format, maxLength, splits: s.build.splits, notes });
    const manifest = await exportManifest(s, folder, {
      kind: 'sft',
      trainer: o.format,
      files,
      maxLength,
      report,
      images: { count: images, resized },
      ending: { policy: 'strip-im-end', teacherStripped: stripped },
      datasetInfo: names,
      notes,
    });
    await folder.commit();
    return { out: s.out, manifest, report };
  } catch (e) {
    await folder.abort();
    throw e;
  }
}
