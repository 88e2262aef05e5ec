/**
 * `gad-data report FILES... --model M`: a Report of parquet files made elsewhere, their rows measured as
 * `validate` measures them (analyze-row.ts).
 */
import { resolve } from 'node:path';
import { GadError, usageError } from '../core/errors.js';
import { displayPath } from '../core/paths.js';
import type { DropReason, ResizePipeline, Target } from '../core/types.js';
import { readParquetSchema } from '../ingest/parquet.js';
import { analyzeFile } from './analyze-row.js';
import { columnsFor, makeCtx, type Ctx } from './context.js';
import { ReportBuilder } from '../report/report-builder.js';
import type { Report } from '../report/report.js';
import { col } from './file-checks.js';

/**
 * `gad-data report FILES... --model M`: token lengths of parquet files made elsewhere. The target is taken
 * from the prompt column's type when not given (a list of messages: verl; a string: EasyR1). Rows with
 * problems are counted as drops by reason; the others give the length statistics.
 */
export async function reportFromFiles(
  files: string[],
  opts: {
    model: string;
    target?: Target;
    formatPrompt?: string;
    pipeline?: ResizePipeline;
    promptKey?: string;
    imageKey?: string;
    maxPromptLength?: number;
    maxResponseLength?: number;
    minPixels?: number;
    maxPixels?: number;
    keep?: number;
    multiple?: number;
    concurrency?: number;
  },
): Promise<Report> {
  if (!files.length) throw usageError('no files to report on', 'gad-data report OUT_DIR | FILE.parquet... --model M');
  if (!opts.model)
    throw usageError(
      'report on parquet files needs --model to count tokens',
      'add --model qwen2.5-vl, --model qwen3-vl or a model folder',
    );
  const b = new ReportBuilder();
  let target: Target | undefined = opts.target;
  let ctxBase: Omit<Ctx, 'cols' | 'hasTeacher'> | null = null;
  let anyTeacher = false;
  for (const file of files) {
    const schema = await readParquetSchema(file);
    let t = target;
    if (!t) {
      const pc = col(schema, opts.promptKey ?? 'prompt');
      t = pc && pc.kind === 'list' ? 'verl' : 'easyr1';
    }
    target ??= t;
    const cols = columnsFor(t, opts);
    if (!col(schema, cols.prompt) || !col(schema, cols.images))
      throw new GadError(
        `${file}: no \`${cols.prompt}\` or \`${cols.images}\` column (columns: ${schema.columns.map((c) => c.name).join(', ')})`,
        {
          hint: 'pass --prompt-key / --image-key, or run `gad-data validate` on the file',
          exitCode: 2,
        },
      );
    if (!ctxBase || ctxBase.target !== t)
      ctxBase = await makeCtx(t, {
        ...opts,
        maxPromptLength: opts.maxPromptLength ?? null,
        maxResponseLength: opts.maxResponseLength ?? null,
      });
    // The report needs sizes, not pixels: headers only.
    const ctx: Ctx = {
      ...ctxBase,
      cols,
      hasTeacher: col(schema, 'teacher_response')?.type === 'string',
      decode: 'none',
    };
    anyTeacher ||= ctx.hasTeacher;
    const split = files.length > 1 ? (file.split(/[\\/]/).pop() ?? file).replace(/\.parquet$/, '') : 'file';
    const splitName = /(^|[-_.])(test|val|validation)([-_.]|$)/i.test(split)
      ? 'test'
      : /(^|[-_.])train([-_.]|$)/i.test(split)
        ? 'train'
        : split;
    for await (const { a } of analyzeFile(file, ctx, opts.concurrency ?? 4)) {
      const p = a.problems[0];
      if (p) {
        const reason: DropReason = p.code === 'schema' || p.code === 'unreadable' ? 'bad_row' : p.code;
        b.addDrop({
          split: splitName,
          reason,
          value: typeof p.value === 'number' || typeof p.value === 'string' ? p.value : null,
          limit: typeof p.limit === 'number' || typeof p.limit === 'string' ? p.limit : null,
          ...(a.tokens
            ? {
                prompt_tokens: a.tokens.prompt,
                text_tokens: a.tokens.text,
                image_tokens: a.tokens.image,
                response_tokens: a.response ?? null,
              }
            : {}),
        });
      } else if (a.tokens) {
        b.add({
          split: splitName,
          prompt_tokens: a.tokens.prompt,
          text_tokens: a.tokens.text,
          image_tokens: a.tokens.image,
          response_tokens: a.response ?? null,
        });
      } else {
        b.addDrop({ split: splitName, reason: 'bad_row' });
      }
    }
  }
  const prof = ctxBase?.profile;
  return b.build({
    title: `gad-data report: ${files.length === 1 ? (files[0]!.split(/[\\/]/).pop() ?? files[0]) : `${files.length} files`}`,
    input: { kind: 'files', files: files.map((f) => displayPath(resolve(f))) },
    target: target ?? null,
    kind: anyTeacher ? 'gad' : 'grpo',
    model: prof
      ? {
          name: prof.name,
          family: prof.family,
          factor: prof.geometry.factor,
          minPixels: prof.geometry.minPixels,
          maxPixels: prof.geometry.maxPixels,
        }
      : null,
    pipeline: ctxBase ? { name: ctxBase.pipeline } : null,
    maxPromptLength: opts.maxPromptLength ?? null,
    maxResponseLength: opts.maxResponseLength ?? null,
    keep: opts.keep,
    multiple: opts.multiple,
    splitOrder: ['train', 'test'],
  });
}
