/**
 * What `gad-data tokens` counts with (the command itself, its flags and input: src/commands/tokens.ts): exact
 * prompt token counts for JSONL lines `{"problem", "image_sizes": [[w,h],...]}` (optional per-line
 * `format_prompt`, `pipeline`, `id`), one JSON line out per line in; a bad line gets an `error` field and the
 * run goes on. A library API too (`format.runTokensCommand`, `format.countOne`).
 */
import { stringify as losslessStringify } from 'lossless-json';
import { JsonNumber, hasRiskyNumber, parseJsonExact } from '../ingest/json-numbers.js';
import type { ResizePipeline } from '../core/types.js';
import { type ModelSource, PIPELINES, PIPELINE_NAMES, isResizePipeline } from '../core/defaults.js';
import { GadError, describeError } from '../core/errors.js';
import {
  checkPixelBounds,
  loadModelProfile,
  type ImageGeometry,
  type ModelFamily,
  type ModelProfile,
} from '../model/model-profile.js';
import { locateModel } from '../model/model-locate.js';
import { resizeFor, resolveBounds, type PipelineBounds } from '../images/resize.js';
import { loadFormatPrompt, type FormatPrompt } from '../model/chat-template.js';
import { PromptCounter } from '../model/token-counts.js';

export interface TokensOptions {
  /** Bundled model name, model folder, or a Hub id in the Hugging Face / ModelScope cache. */
  model: string;
  /** Where a Hub id is looked up (default auto: the Hugging Face cache, then the ModelScope cache). */
  modelSource?: ModelSource;
  /** Bundled format prompt name (`math`, `r1v`, `none`) or a .jinja path. */
  formatPrompt: string;
  pipeline: ResizePipeline;
  /** Add the text token ids to each output line. */
  ids?: boolean;
  /**
   * The pixel bounds of the trainer's own resize step, as in a build's `data.min_pixels` /
   * `data.max_pixels`: the processor's bounds for `processor`, EasyR1's process_image bounds for
   * `easyr1`, fetch_image's bounds for `qwen-vl-utils` (applied to each line's pipeline).
   */
  minPixels?: number;
  maxPixels?: number;
  /** Override the model family detected from the files. */
  family?: ModelFamily;
  /** Bounds of the pipelines' pre-resize step (EasyR1 process_image, qwen-vl-utils fetch_image). */
  pipelineBounds?: Partial<PipelineBounds>;
}

/**
 * One output line. The counts add up: `prompt_tokens = text_tokens + image_tokens`, the same definitions as
 * lengths.jsonl and the report (`text_tokens` without the `<|image_pad|>` placeholders, `image_tokens` = N per
 * image, each placeholder being one of its image's N tokens). `ids` (with --ids) are the rendered text's ids
 * with one placeholder per image: `ids.length = text_tokens + n_images_in_text`.
 */
export interface TokensLine {
  line?: number;
  id?: unknown;
  /** Text tokens of the rendered chat template, without the image placeholders. */
  text_tokens?: number;
  /** Σ image tokens (N per image, its placeholder included). */
  image_tokens?: number;
  /** Image tokens of each image, in order. */
  image_tokens_each?: number[];
  /** text_tokens + image_tokens: the processor's input_ids length. */
  prompt_tokens?: number;
  resized?: Array<[number, number]>;
  /** Number of <|image_pad|> tokens in the rendered text (one per `<image>`). */
  n_images_in_text?: number;
  ids?: number[];
  error?: string;
}

/** `640x480` (also `640X480`, `640*480`, `640,480`) → [640, 480] (width, height). */
export function parseSize(s: string): [number, number] {
  const m = /^\s*(\d+)\s*[xX*,]\s*(\d+)\s*$/.exec(s);
  if (!m) throw new GadError(`bad image size "${s}"`, { hint: 'write WIDTHxHEIGHT, e.g. 640x480' });
  const w = Number(m[1]);
  const h = Number(m[2]);
  if (!(w > 0 && h > 0) || !Number.isSafeInteger(w) || !Number.isSafeInteger(h)) {
    throw new GadError(`bad image size "${s}": width and height must be positive integers`, {
      hint: 'write WIDTHxHEIGHT, e.g. 640x480',
    });
  }
  return [w, h];
}

/** A tokens session: the profile and format prompts loaded once, then any number of lines. */
export class TokensSession {
  readonly profile: ModelProfile;
  readonly opts: TokensOptions;
  private readonly counters = new Map<string, PromptCounter>();

  private constructor(profile: ModelProfile, opts: TokensOptions) {
    this.profile = profile;
    this.opts = opts;
  }

  static async open(opts: TokensOptions): Promise<TokensSession> {
    if (!isResizePipeline(opts.pipeline)) {
      throw new GadError(`unknown resize pipeline "${String(opts.pipeline)}"`, {
        hint: `use one of: ${PIPELINE_NAMES.join(', ')}`,
      });
    }
    // a Hub id is looked up in the Hugging Face / ModelScope cache, as `build` does (never downloaded)
    const located = locateModel(opts.model, { source: opts.modelSource });
    const profile = await loadModelProfile(located.path, { family: opts.family });
    const s = new TokensSession(profile, opts);
    s.checkSettings(opts.pipeline);
    await s.counter(opts.formatPrompt); // fail early on a bad --format-prompt
    return s;
  }

  /** The processor geometry and pre-step bounds a line with this pipeline is counted with. */
  settingsFor(pipeline: ResizePipeline): { geometry: ImageGeometry; bounds: PipelineBounds } {
    const { minPixels: min, maxPixels: max } = this.opts;
    let geometry = this.profile.geometry;
    const b: Partial<PipelineBounds> = { ...this.opts.pipelineBounds };
    const keys = PIPELINES[pipeline].bounds;
    if (!keys) {
      geometry = { ...geometry, minPixels: min ?? geometry.minPixels, maxPixels: max ?? geometry.maxPixels };
    } else {
      if (min !== undefined) b[keys.minKey] = min;
      if (max !== undefined) b[keys.maxKey] = max;
    }
    return { geometry, bounds: resolveBounds(this.profile.geometry, b) };
  }

  /** GadError when --min-pixels / --max-pixels make no sense for this pipeline. */
  checkSettings(pipeline: ResizePipeline): void {
    const { geometry, bounds } = this.settingsFor(pipeline);
    const keys = PIPELINES[pipeline].bounds;
    if (!keys) checkPixelBounds(geometry.minPixels, geometry.maxPixels);
    else checkPixelBounds(bounds[keys.minKey]!, bounds[keys.maxKey]!);
  }

  async counter(formatPrompt: string): Promise<PromptCounter> {
    let c = this.counters.get(formatPrompt);
    if (!c) {
      const fp: FormatPrompt = await loadFormatPrompt(formatPrompt);
      c = new PromptCounter(this.profile, fp);
      this.counters.set(formatPrompt, c);
    }
    return c;
  }

  /** Count one request; problems with the request become `error` (never thrown). */
  async count(req: {
    problem: unknown;
    image_sizes?: unknown;
    format_prompt?: unknown;
    pipeline?: unknown;
    id?: unknown;
  }): Promise<TokensLine> {
    const out: TokensLine = {};
    if (req.id !== undefined) out.id = req.id;
    if (typeof req.problem !== 'string') return { ...out, error: '"problem" must be a string' };
    const sizes = req.image_sizes ?? [];
    if (!Array.isArray(sizes) || !sizes.every(isSize)) {
      return { ...out, error: '"image_sizes" must be a list of [width, height] pairs of positive integers' };
    }
    const pipeline = req.pipeline ?? this.opts.pipeline;
    if (typeof pipeline !== 'string' || !isResizePipeline(pipeline)) {
      return {
        ...out,
        error: `unknown pipeline ${JSON.stringify(pipeline)} (use one of: ${PIPELINE_NAMES.join(', ')})`,
      };
    }
    const fpName = req.format_prompt ?? this.opts.formatPrompt;
    if (typeof fpName !== 'string') return { ...out, error: '"format_prompt" must be a string' };
    let counter: PromptCounter;
    try {
      counter = await this.counter(fpName);
    } catch (e) {
      return { ...out, error: describeError(e) };
    }
    if (pipeline !== this.opts.pipeline) {
      try {
        this.checkSettings(pipeline);
      } catch (e) {
        return { ...out, error: `${pipeline} pipeline: ${describeError(e)}` };
      }
    }
    const { geometry, bounds } = this.settingsFor(pipeline);
    const resized: Array<[number, number]> = [];
    const each: number[] = [];
    for (const [i, [w, h]] of sizes.entries()) {
      const r = resizeFor(w, h, pipeline, geometry, bounds);
      if (!r.ok) return { ...out, error: `image ${i} (${w}x${h}): ${r.error} (${pipeline} pipeline, ${r.stage} step)` };
      resized.push(r.resized);
      each.push(r.tokens);
    }
    let c;
    try {
      c = counter.count(req.problem, each, { ids: this.opts.ids });
    } catch (e) {
      return { ...out, error: `cannot render the prompt: ${describeError(e)}` };
    }
    Object.assign(out, {
      text_tokens: c.textTokens,
      image_tokens: c.imageTokens,
      image_tokens_each: each,
      prompt_tokens: c.promptTokens,
      resized,
      n_images_in_text: c.nImagesInText,
    });
    if (c.ids) out.ids = c.ids;
    if (c.nImagesInText !== sizes.length) {
      out.error = `the prompt has ${c.nImagesInText} image placeholder(s) but ${sizes.length} image size(s) were given`;
    }
    return out;
  }
}

function isSize(v: unknown): v is [number, number] {
  return (
    Array.isArray(v) && v.length === 2 && v.every((x) => typeof x === 'number' && Number.isSafeInteger(x) && x > 0)
  );
}

/** Count a single prompt given by flags (`--problem ... --image 640x480`); same JSON as a line. */
export async function countOne(
  opts: TokensOptions & { problem: string; images: Array<[number, number]> },
): Promise<TokensLine> {
  const s = await TokensSession.open(opts);
  return s.count({ problem: opts.problem, image_sizes: opts.images });
}

/**
 * Read JSONL requests from `input`, write one JSON line per non-blank input line to `output`.
 * Output lines carry `line` (1-based input line number). Throws only for bad options (GadError).
 */
export async function runTokensCommand(
  opts: TokensOptions,
  input: NodeJS.ReadableStream,
  output: NodeJS.WritableStream,
): Promise<{ lines: number; errors: number }> {
  const session = await TokensSession.open(opts);
  let lines = 0;
  let errors = 0;
  let lineNo = 0;
  let rest = '';

  const handle = async (raw: string): Promise<void> => {
    lineNo++;
    const text = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    if (text.trim() === '') return;
    lines++;
    let result: TokensLine;
    let req: unknown;
    try {
      req = JSON.parse(text);
      // An id whose text a double cannot carry (9007199254740993, 1.0) is echoed as written.
      if (req && typeof req === 'object' && 'id' in req && hasRiskyNumber(text))
        (req as { id: unknown }).id = (parseJsonExact(text) as { id: unknown }).id;
    } catch (e) {
      req = undefined;
      result = { error: `not valid JSON: ${describeError(e)}` };
    }
    if (req !== undefined) {
      if (!req || typeof req !== 'object' || Array.isArray(req))
        result = { error: 'each line must be a JSON object {"problem": ..., "image_sizes": [[w, h], ...]}' };
      else result = await session.count(req as Parameters<TokensSession['count']>[0]);
    }
    const line: TokensLine = { line: lineNo, ...result! };
    if (line.error !== undefined) errors++;
    const json =
      line.id instanceof JsonNumber
        ? losslessStringify(line, null, undefined, [
            { test: (v) => v instanceof JsonNumber, stringify: (v) => (v as JsonNumber).source },
          ])!
        : JSON.stringify(line);
    if (!output.write(json + '\n')) await new Promise<void>((r) => output.once('drain', () => r()));
  };

  const decoder = new TextDecoder('utf-8');
  for await (const chunk of input as AsyncIterable<string | Uint8Array>) {
    rest += typeof chunk === 'string' ? chunk : decoder.decode(chunk, { stream: true });
    if (!rest.includes('\n')) continue;
    const parts = rest.split('\n');
    rest = parts.pop()!;
    for (const raw of parts) await handle(raw);
  }
  rest += decoder.decode();
  if (rest.length > 0) await handle(rest);
  return { lines, errors };
}
