/**
 * The steps a build runs on each row, in run order: normalize → partition (a partitioned build only) → precheck →
 * format → filter → write. Each is one `Step` with one `run(row)`; the runner (runner.ts) owns the order, the
 * concurrency window and the replay of a resumed build. The rows come from build-ingest.ts.
 */
import { displayPath } from '../core/paths.js';
import { type ResolvedConfig } from '../config/config.js';
import type { BuildSettings } from './build-settings.js';
import type { FormatPrompt } from '../model/chat-template.js';
import { assignSplit } from '../rules/test-split.js';
import type { Step } from './runner.js';
import type { RowHook } from './row-hook.js';
import { type DropRecord, type FilterChain, dropRecord, lengthRecord } from '../rules/filter-chain.js';
import { type ImageOptions } from '../images/image-options.js';
import { createImageLimiter } from '../images/process-image.js';
import { type FormatContext, formatSample } from '../model/format-sample.js';
import { SharedImageCache } from './image-cache.js';
import { type PromptCounter, type TeacherEnding, applyTeacherEnding, endsWithImEnd } from '../model/token-counts.js';
import type { Sample } from '../core/types.js';
import { type RowNote, imageStamps } from './build-journal.js';
import type { OriginalsRecord } from './originals.js';
import type { ShardWriter } from '../output/shards.js';
import { sharpCacheOff } from '../images/sharp-module.js';

/**
 * The `normalize` step: rewrites each input row as the output records it, before anything else looks at it: the
 * source as displayed (no machine paths in outputs), `data_source`, the --test-ratio split, EasyR1's single text
 * prompt in place of a message list; and counts the message-list and text prompts (with their warnings).
 */
export interface NormalizeStep<N> extends Step<N> {
  /** Prompts seen: message lists and text prompts. */
  readonly prompts: { messages: number; text: number };
}

export function normalizeStep<N>(p: {
  cfg: ResolvedConfig;
  prompt: FormatPrompt;
  warnOnce: (key: string, message: string) => void;
}): NormalizeStep<N> {
  const { cfg, prompt, warnOnce } = p;
  const displayed = new Map<string, string>();
  const prompts = { messages: 0, text: 0 };
  return {
    name: 'normalize',
    shapes: true,
    prompts,
    run(row) {
      const sample = row.sample;
      // Record the source as displayed (no machine paths in outputs); a row without an id column is named
      // after it, so its id (and the --test-ratio split drawn from it) is the same on every machine.
      const raw = sample.source;
      let shown = displayed.get(raw);
      if (shown === undefined) displayed.set(raw, (shown = displayPath(raw)));
      sample.source = shown;
      if (sample.id.startsWith(`${raw}#`)) sample.id = shown + sample.id.slice(raw.length);
      if (cfg.data_source) sample.dataSource = cfg.data_source;
      if (cfg.test_ratio) sample.split = assignSplit(sample.id, cfg.data.seed, cfg.test_ratio);
      if (sample.messages && cfg.target === 'easyr1') {
        // EasyR1 reads one text prompt (prompt_key) and makes one user message of it, with its format prompt.
        if (sample.messages.length > 1) {
          warnOnce(
            'easyr1-turns',
            `${sample.source}: the prompt is a message list with ${sample.messages.length} turns; EasyR1 reads one text prompt, so only the user message is written and counted (the other turns, e.g. a system prompt, are NOT kept for target easyr1)`,
          );
        }
        delete sample.messages;
        delete sample.promptMessage;
      }
      if (sample.messages) prompts.messages++;
      else prompts.text++;
      if (sample.messages && !cfg.formatPromptExplicit && prompt.name !== 'none') {
        warnOnce(
          'messages-no-format',
          `${sample.source}: the prompt is a message list, kept as it is with every turn; no format prompt is applied to it (the default '${prompt.name}' applies to text prompts only; pass --format-prompt to apply one)`,
        );
      }
      return row;
    },
  };
}

/** The `partition` step of a partitioned build (src/partition): a row another part builds leaves the build here. */
export function partitionStep<N>(hook: RowHook): Step<N> {
  return { name: 'partition', shapes: true, run: (row) => (hook.take(row.loop, row.sample) ? row : null) };
}

/**
 * The `precheck` step: the row rules that need no image (rules/row-rules.ts), before format reads the images. A row
 * they drop is marked (`sample.drop`), so format skips it; it is counted once, by the filter step.
 */
export function precheckStep<N>(chain: FilterChain): Step<N> {
  return {
    name: 'precheck',
    run(row) {
      chain.precheck(row.sample);
      return row;
    },
  };
}

/**
 * The `format` step, the one the runner runs concurrently: reads and checks each row's images, writes them at the
 * pipeline's size and counts the prompt and response tokens exactly (src/format). A merge of partitioned builds
 * replaces it with the rows as their parts formatted them.
 */
export function formatStep<N>(p: {
  /** The length limits and the teacher ending (src/pipeline/build-settings.ts). */
  settings: BuildSettings;
  /** The config's concurrency: images decoded at once. */
  concurrency: number | undefined;
  /** A format prompt was asked for explicitly (it then applies to message-list prompts too). */
  formatPromptExplicit: boolean;
  counter: PromptCounter;
  prompt: FormatPrompt;
  imageOpts: ImageOptions;
  warnOnce: (key: string, message: string) => void;
  /** Replaces formatSample (a merge). */
  format?: (sample: Sample) => Promise<Sample>;
}): Step<N> {
  const { settings } = p;
  // libvips' operation cache (sharp's default: up to 50 MB, 100 operations) only pays when the same operation runs
  // again on the same input; a build decodes each distinct image once (rows sharing one take SharedImageCache's
  // result), so it only held memory: measured on 800 resized Geometry3K images, 211–213 MB peak RSS without it
  // against 234–238 MB with it, the same CPU and the same bytes. (Set when sharp loads: a build of plain PNGs
  // passed through never loads it.)
  sharpCacheOff();
  const ctx: FormatContext = {
    counter: p.counter,
    image: p.imageOpts,
    teacherEnding: settings.teacherEnding,
    imageLimit: createImageLimiter(p.concurrency),
    // images shared by rows only (image-cache.ts): a build of distinct images keeps none
    imageCache: new SharedImageCache(),
    // A message-list prompt already holds its instruction: a format prompt only when asked for explicitly.
    messageFormatPrompt: p.formatPromptExplicit ? p.prompt : null,
    warnOnce: p.warnOnce,
    // rows over it are dropped, so a prompt surely over it is not tokenized in full (kept rows are always exact)
    maxPromptLength: settings.maxPromptLength,
    // likewise a teacher response surely over it; and a row over either limit from its headers is never decoded
    ...(settings.maxResponseLength !== undefined ? { maxResponseLength: settings.maxResponseLength } : {}),
  };
  const format = p.format ?? ((s: Sample) => formatSample(s, ctx));
  return {
    name: 'format',
    concurrent: true,
    run: async (row) => ({ ...row, sample: await format(row.sample) }),
  };
}

/**
 * The `filter` step: the filter chain (rules/filter-chain.ts: the measured row rules, then duplicate / leak) decides
 * each formatted row's outcome and counts it, once, in the build's tally; the step turns the outcome into the row's
 * journal note. A replayed row is counted the same way and its dedupe key remembered, without checking it again.
 */
export function filterStep(p: {
  chain: FilterChain;
  dedupe: boolean;
  /** The drop as written to dropped.jsonl (machine paths removed). */
  publicDrop: (d: DropRecord) => DropRecord;
  /** A formatted row, before the filters (a partitioned build records it). */
  onFormatted?: (sample: Sample) => void;
  /** teacher.ending: the teacher-ending counts are of the response as written, after this policy. */
  teacherEnding: TeacherEnding;
  /** Where a kept row's changed images came from (originals.jsonl). */
  original?: (sample: Sample) => OriginalsRecord | undefined;
}): Step<RowNote> {
  const { chain } = p;
  return {
    name: 'filter',
    run(row) {
      const sample = row.sample;
      // Whether the teacher_response column ends with <|im_end|> (what validate counts on the written file), so
      // the count and the launch warning describe the output, whatever the policy; only kept rows are counted
      // (outputs.ts books it).
      const te =
        typeof sample.teacherResponse === 'string'
          ? endsWithImEnd(applyTeacherEnding(sample.teacherResponse, p.teacherEnding))
          : null;
      p.onFormatted?.(sample);
      const drop = chain.apply(sample);
      // format decodes no image of a row already over a length limit from its headers: such a row must be dropped
      if (!drop && sample.formatted?.undecoded)
        throw new Error(`row ${sample.id}: kept, but format left its images undecoded as over a length limit`);
      const img = imageStamps(sample);
      const orig = drop ? undefined : p.original?.(sample);
      const note: RowNote = drop
        ? { drop: p.publicDrop(dropRecord(sample)), te, ...(img ? { img } : {}) }
        : {
            len: lengthRecord(sample),
            key: p.dedupe ? chain.dedupeKeyOf(sample) : undefined,
            te,
            ...(img ? { img } : {}),
            ...(orig ? { orig } : {}),
            ...(sample.studentResponse !== undefined ? { st: sample.studentResponse } : {}),
          };
      return { ...row, note };
    },
    replay({ sample, note }) {
      chain.replay(
        sample.split,
        note.drop ? { reason: note.drop.reason } : { reason: null, key: note.len && note.key },
      );
    },
  };
}

/**
 * The `write` step: a kept row goes into its split's parquet shards, with its note journaled beside it; a dropped
 * row is only noted (ShardWriter.skip), so a resumed build knows which input rows the finished shards cover.
 */
export function writeStep(writers: Map<string, ShardWriter<RowNote>>): Step<RowNote> {
  return {
    name: 'write',
    async run(row) {
      const writer = writers.get(row.sample.split)!;
      if (row.note!.drop) await writer.skip(row.note);
      else await writer.write(row.sample, row.note);
      return row;
    },
  };
}
