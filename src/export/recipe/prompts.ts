/**
 * `gad-data export prompts`: the build's prompts with their images and row ids, to sample student answers
 * from the warmed generator. One line per row, in ms-swift's inference shape (what `swift infer
 * --val_dataset` reads; the same messages + images a vLLM chat request takes):
 * `{"id": ..., "messages": [{"role": "user", "content": "<image>..."}], "images": [path]}`.
 * `swift infer` keeps the `id` column in its result file only with `--remove_unused_columns false`.
 */
import { readBuildRows } from './build-rows.js';
import {
  type ExportResult,
  type RecipeOptions,
  countRowImages,
  finishExport,
  openRecipe,
  splitFiles,
  writeRowImages,
} from './common.js';
import { ExportFolder } from './output.js';
import { LengthCollector } from './report.js';

export async function exportPrompts(o: RecipeOptions): Promise<ExportResult> {
  const s = await openRecipe(o, 'ms-swift', 'prompts');
  const folder = await ExportFolder.open(s.out);
  try {
    const lengths = new LengthCollector(['prompt'], 'prompt');
    const files = splitFiles(s, folder);
    let images = 0;
    let resized = 0;
    for await (const row of readBuildRows(s.build)) {
      const counted = await countRowImages(s, row);
      const prompt = s.counter.prompt(
        row.prompt,
        counted.map((c) => c.tokens),
      );
      const paths = await writeRowImages(folder, row, counted);
      images += paths.length;
      resized += counted.filter((c) => c.resized).length;
      const f = files[row.split]!;
      folder.line(f.file, { id: row.id, messages: [{ role: 'user', content: row.prompt }], images: paths });
      folder.line('lengths.jsonl', { split: row.split, line: f.rows, id: row.id, prompt_tokens: prompt });
      f.rows++;
      lengths.keep(row.split, { prompt });
    }
    const m = s.build.manifest;
    const notes = [
      `sample at most ${m.limits.maxResponseLength} new tokens (the build's max_response_length), as the GAD run does`,
      'swift infer: pass --remove_unused_columns false so its result file keeps the id column, and ROOT_IMAGE_DIR=<this folder>',
    ];
    return await finishExport(s, folder, lengths, {
      kind: 'prompts',
      trainer: 'ms-swift',
      files,
      maxLength: m.limits.maxPromptLength + m.limits.maxResponseLength,
      images: { count: images, resized },
      ending: { policy: 'strip-im-end', teacherStripped: 0 },
      notes,
    });
  } catch (e) {
    await folder.abort();
    throw e;
  }
}
