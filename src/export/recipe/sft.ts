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
import {
  type ExportResult,
  type RecipeOptions,
  countRowImages,
  defaultMaxLength,
  finishExport,
  openRecipe,
  splitFiles,
  writeRowImages,
} from './common.js';

export { type ExportResult, datasetInfo } from './common.js';
import { type RecipeTrainer, RECIPE_TRAINERS, stripImEnd } from './lengths.js';
import { ExportFolder } from './output.js';
import { LengthCollector } from './report.js';

export interface SftOptions extends RecipeOptions {
  format: RecipeTrainer;
  /** Rows whose whole conversation is longer are dropped (`too_long`); default the build's max prompt + max response length. */
  maxLength?: number;
}

export function checkFormat(format: string): asserts format is RecipeTrainer {
  if (!(RECIPE_TRAINERS as readonly string[]).includes(format)) {
    throw new GadError(`unknown export format "${format}"`, { hint: `use --format ${RECIPE_TRAINERS.join(' | ')}` });
  }
}

/** One SFT line in the trainer's format. */
export function sftLine(
  format: RecipeTrainer,
  prompt: string,
  answer: string,
  images: string[],
): Record<string, unknown> {
  if (format === 'ms-swift') {
    return {
      messages: [
        { role: 'user', content: prompt },
        { role: 'assistant', content: answer },
      ],
      images,
    };
  }
  return {
    conversations: [
      { from: 'human', value: prompt },
      { from: 'gpt', value: answer },
    ],
    images,
  };
}

export async function exportSft(o: SftOptions): Promise<ExportResult> {
  checkFormat(o.format);
  const s = await openRecipe(o, o.format, `sft-${o.format}`);
  const maxLength = o.maxLength ?? defaultMaxLength(s);
  if (!(Number.isInteger(maxLength) && maxLength > 0))
    throw new GadError(`--max-length must be a positive whole number, got ${maxLength}`);
  const folder = await ExportFolder.open(s.out);
  try {
    const lengths = new LengthCollector(['total', 'prompt', 'response'], 'total');
    const files = splitFiles(s, folder);
    let images = 0;
    let resized = 0;
    let stripped = 0;
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
      const len = s.counter.conversation(
        row.prompt,
        counted.map((c) => c.tokens),
        t.text,
      );
      if (len.total > maxLength) {
        drop(
          'too_long',
          `prompt + response + closing tokens = ${len.total} tokens > --max-length ${maxLength}`,
          len.total,
          maxLength,
          len.total,
        );
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
    const notes: string[] = [];
    if (stripped)
      notes.push(
        `${stripped} teacher response(s) ended with <|im_end|>: removed, since the chat template closes the answer with its own (the model would otherwise learn to emit it twice)`,
      );
    return await finishExport(s, folder, lengths, {
      kind: 'sft',
      trainer: o.format,
      files,
      maxLength,
      images: { count: images, resized },
      ending: { policy: 'strip-im-end', teacherStripped: stripped },
      notes,
    });
  } catch (e) {
    await folder.abort();
    throw e;
  }
}
