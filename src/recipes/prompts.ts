/**
 * `gad-data export prompts`: the build's prompts with their images and row ids, to sample student answers
 * from the warmed generator. One line per row, in ms-swift's inference shape (what `swift infer
 * --val_dataset` reads; the same messages + images a vLLM chat request takes):
 * `{"id": ..., "messages": [{"role": "user", "content": "<image>..."}], "images": [path]}`.
 * `swift infer` keeps the `id` column in its result file only with `--remove_unused_columns false`.
 */
import { type BuildRow, readBuildRows } from './build-rows.js';
import { type ExportResult, type RecipeOptions, openRecipe } from './common.js';
import { RowsAhead } from './rows-ahead.js';
import { countRowImages } from './row-images.js';
import { RecipeRows, inExportFolder } from './recipe-rows.js';

export async function exportPrompts(o: RecipeOptions): Promise<ExportResult> {
  const s = await openRecipe(o, 'ms-swift', 'prompts');
  return inExportFolder(s, async (folder) => {
    const rows = new RecipeRows(s, folder, ['prompt'], 'prompt');
    const ahead = new RowsAhead((row: BuildRow) => countRowImages(s, row, folder));
    for await (const row of ahead.rows(readBuildRows(s.build))) {
      const counted = await ahead.counted(row);
      const prompt = s.counter.prompt(
        row.prompt,
        counted.map((c) => c.tokens),
        row.built,
      );
      await rows.write(row, counted, {
        line: (paths) => ({ id: row.id, messages: [{ role: 'user', content: row.prompt }], images: paths }),
        lengthFields: { prompt_tokens: prompt },
        lengths: { prompt },
      });
    }
    const m = s.build.manifest;
    const notes = [
      `sample at most ${m.limits.maxResponseLength} new tokens (the build's max_response_length), as the GAD run does`,
      'swift infer: pass --remove_unused_columns false so its result file keeps the id column, and ROOT_IMAGE_DIR=<this folder>',
    ];
    return await rows.finish({
      kind: 'prompts',
      trainer: 'ms-swift',
      maxLength: m.limits.maxPromptLength + m.limits.maxResponseLength,
      ending: { policy: 'strip-im-end', teacherStripped: 0 },
      notes,
    });
  });
}
