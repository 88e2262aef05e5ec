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
import { GadError } from '../core/errors.js';
import { type BuildRow, readBuildRows } from './build-rows.js';
import { type ExportResult, type RecipeOptions, openRecipe } from './common.js';
import { RowsAhead } from './rows-ahead.js';
import { countRowImages } from './row-images.js';
import { type RecipeTrainer, RECIPE_TRAINERS, stripImEnd } from './lengths.js';
import { RecipeRows, inExportFolder, recipeMaxLength } from './recipe-rows.js';
import { sftPrompt } from './sft-prompt.js';

export { type ExportResult, datasetInfo } from './common.js';

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

/** The user turn and the answer turn in the trainer's format (ms-swift messages, LLaMA-Factory sharegpt). */
export function chatTurns(
  format: RecipeTrainer,
  prompt: string,
  answer: string,
  system: string | null = null,
): Array<Record<string, string>> {
  // a system turn first, as each reads it (ms-swift's system message; sharegpt's first turn with the system tag)
  if (system !== null)
    return [
      format === 'ms-swift' ? { role: 'system', content: system } : { from: 'system', value: system },
      ...chatTurns(format, prompt, answer),
    ];
  return format === 'ms-swift'
    ? [
        { role: 'user', content: prompt },
        { role: 'assistant', content: answer },
      ]
    : [
        { from: 'human', value: prompt },
        { from: 'gpt', value: answer },
      ];
}

/** One SFT line in the trainer's format. */
export function sftLine(
  format: RecipeTrainer,
  prompt: string,
  answer: string,
  images: string[],
  system: string | null = null,
): Record<string, unknown> {
  const turns = chatTurns(format, prompt, answer, system);
  return format === 'ms-swift' ? { messages: turns, images } : { conversations: turns, images };
}

export async function exportSft(o: SftOptions): Promise<ExportResult> {
  checkFormat(o.format);
  const s = await openRecipe(o, o.format, `sft-${o.format}`);
  const maxLength = recipeMaxLength(s, o.maxLength);
  return inExportFolder(s, async (folder) => {
    const rows = new RecipeRows(s, folder, ['total', 'prompt', 'response'], 'total');
    let stripped = 0;
    let multiTurn = 0;
    const ahead = new RowsAhead((row: BuildRow) => countRowImages(s, row, folder));
    // (the images of a row dropped before they are counted are not counted ahead either)
    const wanted = (row: BuildRow) =>
      !('refused' in sftPrompt(row.messages)) && stripImEnd(row.teacher).text.trim() !== '';
    for await (const row of ahead.rows(readBuildRows(s.build, { allTurns: true }), wanted)) {
      const shape = sftPrompt(row.messages);
      if ('refused' in shape) {
        rows.drop(row, { reason: 'multi_turn_prompt', detail: shape.refused, value: row.messages.length });
        multiTurn++;
        continue;
      }
      const t = stripImEnd(row.teacher);
      if (!t.text.trim()) {
        rows.drop(row, {
          reason: 'empty_response',
          detail: 'the teacher response is empty (after removing a trailing <|im_end|>)',
        });
        continue;
      }
      const counted = await ahead.counted(row);
      const len = s.counter.conversation(
        shape.user,
        counted.map((c) => c.tokens),
        t.text,
        undefined,
        shape.system,
        { counts: row.built, teacher: row.teacher },
      );
      if (len.total > maxLength) {
        rows.drop(row, {
          reason: 'too_long',
          detail: `prompt + response + closing tokens = ${len.total} tokens > --max-length ${maxLength}`,
          value: len.total,
          limit: maxLength,
          basis: len.total,
        });
        continue;
      }
      if (t.stripped) stripped++;
      await rows.write(row, counted, {
        line: (paths) => sftLine(o.format, shape.user, t.text, paths, shape.system),
        lengthFields: {
          total_tokens: len.total,
          prompt_tokens: len.prompt,
          response_tokens: len.response,
          image_tokens: counted.reduce((a, c) => a + c.tokens, 0),
        },
        lengths: { total: len.total, prompt: len.prompt, response: len.response },
      });
    }
    const notes: string[] = [];
    if (multiTurn)
      notes.push(
        `${multiTurn} row(s) NOT WRITTEN: their prompt has earlier assistant turns, which ms-swift / LLaMA-Factory would train on as answers (dropped.jsonl: multi_turn_prompt)`,
      );
    if (stripped)
      notes.push(
        `${stripped} teacher response(s) ended with <|im_end|>: removed, since the chat template closes the answer with its own (the model would otherwise learn to emit it twice)`,
      );
    return await rows.finish({
      kind: 'sft',
      trainer: o.format,
      maxLength,
      ending: { policy: 'strip-im-end', teacherStripped: stripped },
      notes,
    });
  });
}
