/**
 * The `format` step, the one the runner runs concurrently: reads and checks each row's images, writes them at the
 * pipeline's size and counts the prompt and response tokens exactly (src/format). A merge of partitioned builds
 * replaces it with the rows as their parts formatted them.
 */
import type { ResolvedConfig } from '../../config.js';
import { defaultTeacherEnding } from '../../config.js';
import { createImageLimiter, type ImageOptions } from '../../format/image.js';
import { createImageCache, formatSample, type FormatContext } from '../../format/sample.js';
import type { FormatPrompt } from '../../format/template.js';
import type { PromptCounter } from '../../format/tokens.js';
import type { Sample } from '../../core/types.js';
import type { Step } from '../runner.js';

export function formatStep<N>(p: {
  cfg: ResolvedConfig;
  counter: PromptCounter;
  prompt: FormatPrompt;
  imageOpts: ImageOptions;
  warnOnce: (key: string, message: string) => void;
  /** Replaces formatSample (a merge). */
  format?: (sample: Sample) => Promise<Sample>;
  /** The max_response_length teacher responses are dropped over (GAD builds); none when undefined. */
  maxResponseLength?: number;
}): Step<N> {
  const { cfg } = p;
  const ctx: FormatContext = {
    counter: p.counter,
    image: p.imageOpts,
    teacherEnding: cfg.teacher?.ending ?? defaultTeacherEnding(),
    imageLimit: createImageLimiter(cfg.concurrency ?? undefined),
    imageCache: createImageCache(),
    // A message-list prompt already holds its instruction: a format prompt only when asked for explicitly.
    messageFormatPrompt: cfg.formatPromptExplicit ? p.prompt : null,
    warnOnce: p.warnOnce,
    // rows over it are dropped, so a prompt surely over it is not tokenized in full (kept rows are always exact)
    maxPromptLength: cfg.data.filter_overlong_prompts ? cfg.data.max_prompt_length : undefined,
    // likewise a teacher response surely over it; and a row over either limit from its headers is never decoded
    ...(p.maxResponseLength !== undefined ? { maxResponseLength: p.maxResponseLength } : {}),
  };
  const format = p.format ?? ((s: Sample) => formatSample(s, ctx));
  return {
    name: 'format',
    concurrent: true,
    run: async (row) => ({ ...row, sample: await format(row.sample) }),
  };
}
