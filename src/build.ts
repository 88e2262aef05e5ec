/**
 * `build`: ingest → format → validate → export, streamed with bounded concurrency. This is the typed library
 * API under `gad-data build`; the CLI only parses flags into a config and prints what this returns.
 */
import { createReadStream, createWriteStream, type WriteStream } from 'node:fs';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { once } from 'node:events';
import { GadError } from './core/errors.js';
import { sha256, stableStringify } from './core/hash.js';
import { silentProgress, type ProgressSink } from './core/progress.js';
import { displayPath } from './core/paths.js';
import { testHold } from './core/test-hold.js';
import { mapOrdered } from './core/stream.js';
import type { Manifest, Sample, ShardInfo } from './core/types.js';
import { resolveConfig, type ConfigInput, type ResolvedConfig } from './config.js';
import { openIngest, type IngestOptions } from './ingest/index.js';
import { loadModelProfile, locateModel, type ModelProfile } from './format/profile.js';
import { loadFormatPrompt, type FormatPrompt } from './format/template.js';
import { PromptCounter } from './format/tokens.js';
import { formatSample, type FormatContext } from './format/sample.js';
import { createImageLimiter, type ImageOptions } from './format/image.js';
import { resolveBounds, type PipelineBounds } from './format/resize.js';
import { FilterChain, dropRecord, lengthRecord, ReportBuilder, assignSplit, renderReportHtml, renderReportTerminal, type Report, type DropRecord, type LengthRecord } from './validate/index.js';
import { ShardWriter, openOutput, restoreInterruptedCommit, writeManifest, renderDatasetCard } from './export/index.js';
import { VERSION } from './version.js';

export interface BuildHooks {
  progress?: ProgressSink;
  onWarning?: (message: string) => void;
  /** Reuse finished shards of an interrupted build with the same inputs and settings. */
  resume?: boolean;
}

export interface BuildResult {
  outDir: string;
  manifest: Manifest;
  report: Report;
  /** Rows in/out and drops per split. */
  splits: Manifest['splits'];
  dropRatio: number;
  /** 0 ok; 1 when more rows were dropped than max_drop_ratio allows (the output is still written). */
  exitCode: 0 | 1;
  /** The report as the terminal table, no colour. */
  summary: string;
  config: ResolvedConfig;
}

/** Everything that decides the bytes of the output, for resume and the manifest. */
function settingsOf(cfg: ResolvedConfig, profile: ModelProfile, prompt: FormatPrompt, bounds: Required<PipelineBounds>) {
  return {
    version: VERSION,
    target: cfg.target,
    pipeline: cfg.pipeline,
    bounds,
    geometry: profile.geometry,
    tokenizer: profile.tokenizerSha256,
    chatTemplate: profile.chatTemplateSha256,
    formatPrompt: prompt.sha256,
    data: publicConfig(cfg).data,
    teacher: cfg.teacher,
    idKey: cfg.id_key,
    dataSource: cfg.data_source,
    imageBytesKey: cfg.image_bytes_key,
    imagePlacement: cfg.image_placement,
    imageFormat: cfg.image_format,
    maxInputPixels: cfg.max_input_pixels,
    imageTimeout: cfg.image_timeout,
    singleImage: cfg.single_image,
    dedupe: cfg.dedupe,
    shardSize: cfg.shard_size,
    testRatio: cfg.test_ratio,
    trainSpecs: cfg.trainSpecs,
    valSpecs: cfg.valSpecs,
  };
}

/** The config as recorded in the manifest: secrets removed, machine-specific folders made relative where possible. */
export function publicConfig(cfg: ResolvedConfig): Record<string, unknown> {
  const { hub, baseDir: _base, out: _out, trainSpecs, valSpecs, ...rest } = cfg;
  const list = (v: string | string[] | null | undefined) => (v == null ? v : Array.isArray(v) ? v.map((x) => displayPath(x)) : displayPath(v));
  return {
    ...rest,
    model: displayPath(cfg.model),
    data: { ...cfg.data, train_files: list(cfg.data.train_files), val_files: list(cfg.data.val_files), image_dir: list(cfg.data.image_dir), format_prompt: list(cfg.data.format_prompt) },
    teacher: cfg.teacher ? { ...cfg.teacher, file: list(cfg.teacher.file) } : null,
    trainSpecs: trainSpecs.map((x) => displayPath(x)),
    valSpecs: valSpecs.map((x) => displayPath(x)),
    hub: { ...hub, token: hub.token ? '<set>' : null },
  };
}

/** Pixel bounds of the trainer's pre-resize step, from data.min_pixels / data.max_pixels. */
function pipelineBounds(cfg: ResolvedConfig): Partial<PipelineBounds> {
  const b: Partial<PipelineBounds> = {};
  const min = cfg.data.min_pixels ?? undefined;
  const max = cfg.data.max_pixels ?? undefined;
  if (cfg.pipeline === 'easyr1') {
    if (min !== undefined) b.easyr1MinPixels = min;
    if (max !== undefined) b.easyr1MaxPixels = max;
  } else if (cfg.pipeline === 'qwen-vl-utils') {
    if (min !== undefined) b.qwenVlUtilsMinPixels = min;
    if (max !== undefined) b.qwenVlUtilsMaxPixels = max;
  }
  return b;
}

/** The format prompt's copy in the output folder. */
const FORMAT_PROMPT_FILE = 'format_prompt.jinja';
/** The copy of data.override_chat_template in the output folder. */
const CHAT_TEMPLATE_FILE = 'chat_template.jinja';

/**
 * EasyR1's `override_chat_template`: the file's text, read as is, replaces the chat template of the tokenizer
 * and the processor (verl/utils/tokenizer.py). EasyR1 would print "not found" and keep the model's template for
 * a missing file; gad-data stops instead, since the counts would silently be for another template.
 */
async function loadChatTemplateOverride(path: string | null): Promise<{ path: string; text: string } | null> {
  if (!path) return null;
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch {
    throw new GadError(`data.override_chat_template: file not found: ${path}`, {
      hint: "fix the path (relative paths are resolved against the working directory, as EasyR1 does), or set it to null to use the model's own template; EasyR1 itself would skip a missing file with only a printed line",
    });
  }
  let json: unknown = null;
  try {
    json = JSON.parse(text);
  } catch {
    json = null;
  }
  if (json !== null && typeof json === 'object') {
    throw new GadError(`data.override_chat_template: ${path} is a JSON file, but EasyR1 reads this file as raw Jinja text (the JSON text itself would become the template)`, {
      hint: 'point it at a .jinja file holding only the template (the "chat_template" string of that JSON, unescaped)',
    });
  }
  return { path, text };
}

/** What the journal keeps of each input row (ShardWriter notes): enough to replay it on --resume. */
interface RowNote {
  len?: LengthRecord;
  drop?: DropRecord;
  /** Dedupe key of a kept row. */
  key?: string;
  /** Teacher response ends with <|im_end|> (null: no teacher response). */
  te: boolean | null;
}

interface SplitOut {
  writer: ShardWriter;
  lengths: JsonlOut;
  dropped: JsonlOut;
  tally: { rowsIn: number; rowsOut: number; dropped: Record<string, number>; teacher: number; imEnd: number };
  replay: RowNote[];
  replayed: number;
}

async function concatFiles(parts: string[], dest: string) {
  const w = createWriteStream(dest);
  for (const p of parts) {
    for await (const chunk of createReadStream(p)) if (!w.write(chunk)) await once(w, 'drain');
    await rm(p);
  }
  w.end();
  await once(w, 'finish');
}

class JsonlOut {
  private readonly s: WriteStream;
  constructor(path: string) {
    this.s = createWriteStream(path);
  }
  async write(obj: unknown) {
    if (!this.s.write(`${JSON.stringify(obj)}\n`)) await once(this.s, 'drain');
  }
  async close() {
    this.s.end();
    await once(this.s, 'finish');
  }
}

/** Build a dataset. `input` is a config object (as in gad-data.yaml) or an already resolved config. */
export async function build(input: ConfigInput | ResolvedConfig = {}, hooks: BuildHooks = {}): Promise<BuildResult> {
  const cfg: ResolvedConfig = 'baseDir' in input ? (input as ResolvedConfig) : resolveConfig({ flags: input as Record<string, unknown> });
  const progress = hooks.progress ?? silentProgress;
  const warn = hooks.onWarning ?? ((m: string) => progress.log(`warning: ${m}`));

  const restored = await restoreInterruptedCommit(cfg.out);
  if (restored) progress.log(restored);
  const profileOverrides = cfg.pipeline === 'processor' ? { minPixels: cfg.data.min_pixels ?? undefined, maxPixels: cfg.data.max_pixels ?? undefined } : {};
  const located = locateModel(cfg.model, { cwd: cfg.baseDir, key: cfg.modelKey ?? 'model' });
  let profile = await loadModelProfile(located.path, profileOverrides);
  if (profile.name !== located.name) profile = { ...profile, name: located.name };
  if ((cfg.modelKey ?? 'default') !== 'default') progress.log(`model ${located.name}: ${located.describe((p) => displayPath(p))}`);
  const override = await loadChatTemplateOverride(cfg.data.override_chat_template ?? null);
  if (override) {
    profile = { ...profile, chatTemplate: override.text, chatTemplateSource: `data.override_chat_template (${displayPath(override.path)})`, chatTemplateSha256: sha256(override.text) };
    progress.log(`chat template: ${displayPath(override.path)} (data.override_chat_template) replaces the model's ${located.name} template`);
    if (cfg.target === 'verl') warn(`data.override_chat_template is an EasyR1 key: the counts use ${displayPath(override.path)}, so make verl render with the same template (a copy is written to the output as ${CHAT_TEMPLATE_FILE})`);
  }
  const prompt = await loadFormatPrompt(cfg.data.format_prompt ?? 'none');
  const counter = new PromptCounter(profile, prompt);
  const bounds = resolveBounds(profile.geometry, pipelineBounds(cfg));
  const imageOpts: ImageOptions = {
    pipeline: cfg.pipeline,
    geometry: profile.geometry,
    bounds,
    imageFormat: cfg.image_format,
    maxInputPixels: cfg.max_input_pixels,
    timeoutMs: cfg.image_timeout * 1000,
  };
  const teacherCfg = cfg.teacher;
  const gad = !!(teacherCfg && (teacherCfg.file || teacherCfg.column));

  const splitsIn: IngestOptions['splits'] = [{ split: 'train', specs: cfg.trainSpecs }];
  if (cfg.valSpecs.length) splitsIn.push({ split: 'test', specs: cfg.valSpecs });
  if (cfg.valSpecs.length && cfg.test_ratio) {
    throw new GadError('both data.val_files and test_ratio are set', { hint: 'keep the source test split (val_files) or carve one with --test-ratio, not both', exitCode: 2 });
  }
  let downloading: string | null = null;
  const ingest = await openIngest({
    splits: splitsIn,
    columns: {
      prompt: cfg.data.prompt_key,
      answer: cfg.data.answer_key,
      images: cfg.data.image_key,
      id: cfg.id_key ?? undefined,
      imageBytes: cfg.image_bytes_key ?? undefined,
      teacher: teacherCfg?.column ?? undefined,
    },
    imageDir: cfg.data.image_dir ?? undefined,
    imagePlacement: cfg.image_placement,
    cwd: cfg.baseDir,
    teacher: teacherCfg?.file ? { file: teacherCfg.file, idKey: teacherCfg.id_key ?? undefined, responseKey: teacherCfg.response_key ?? undefined } : undefined,
    hub: {
      revision: cfg.hub.revision ?? undefined,
      endpoint: cfg.hub.endpoint ?? undefined,
      cacheDir: cfg.hub.cache_dir ?? undefined,
      offline: cfg.hub.offline ?? undefined,
      token: cfg.hub.token ?? undefined,
    },
    onProgress: (e) => {
      if (downloading !== e.file) {
        if (downloading !== null) progress.end('download');
        downloading = e.file;
        progress.log(`downloading ${e.file}`);
        progress.start('download', e.total, 'B');
      }
      progress.update('download', e.bytes, e.total);
      if (e.total !== null && e.bytes >= e.total) {
        progress.end('download');
        downloading = null;
      }
    },
    onWarning: warn,
  });

  const local = (p: string) => displayPath(resolve(cfg.baseDir, p));
  const sources = ingest.sources.map((src) => ({
    ...src,
    spec: src.kind === 'hub' ? src.spec : local(src.spec),
    files: src.files.map((f) => ({ ...f, path: src.kind === 'hub' ? f.path : local(f.path) })),
  }));
  const settings = settingsOf(cfg, profile, prompt, bounds);
  const settingsHash = sha256(stableStringify({ settings, sources }));
  const session = await openOutput(cfg.out, { settingsHash, resume: !!hooks.resume });
  if (session.notice) progress.log(session.notice);
  try {
    const outSplits = cfg.test_ratio ? ['train', 'test'] : splitsIn.map((s) => s.split);
    const schema = { target: cfg.target, kind: (gad ? 'gad' : 'grpo') as 'gad' | 'grpo', promptKey: cfg.target === 'verl' ? 'prompt' : cfg.data.prompt_key, answerKey: cfg.data.answer_key, imageKey: cfg.data.image_key };
    const chain = FilterChain.standard({
      maxPromptLength: cfg.data.filter_overlong_prompts ? cfg.data.max_prompt_length : Number.POSITIVE_INFINITY,
      maxResponseLength: gad ? cfg.data.max_response_length : Number.POSITIVE_INFINITY,
      singleImage: cfg.single_image,
      requireTeacher: gad,
      dedupe: cfg.dedupe,
      leakCheck: cfg.dedupe,
    });
    const reportBuilder = new ReportBuilder();
    // Per output split: the shard writer, its lengths/dropped lines (concatenated in split order at the end),
    // the tallies, and what a resumed build replays instead of processing.
    const out = new Map<string, SplitOut>();
    for (const split of outSplits) {
      const prev = session.resumed?.splits[split];
      out.set(split, {
        writer: new ShardWriter({ ...schema, dir: join(session.workDir, 'data'), split, shardSize: cfg.shard_size, session }),
        lengths: new JsonlOut(join(session.workDir, `.lengths.${split}.jsonl`)),
        dropped: new JsonlOut(join(session.workDir, `.dropped.${split}.jsonl`)),
        tally: { rowsIn: 0, rowsOut: 0, dropped: {}, teacher: 0, imEnd: 0 },
        replay: (prev?.records ?? []) as RowNote[],
        replayed: 0,
      });
    }
    if (session.resumed) {
      const n = [...out.values()].reduce((a, o) => a + o.replay.length, 0);
      progress.log(`resuming: ${n} row(s) in finished shards are reused`);
    }
    /** Book one row's outcome (new or replayed) into the tallies, the report and the jsonl files. */
    const book = async (o: SplitOut, note: RowNote) => {
      o.tally.rowsIn++;
      if (note.te !== null) {
        o.tally.teacher++;
        if (note.te) o.tally.imEnd++;
      }
      if (note.drop) {
        o.tally.dropped[note.drop.reason] = (o.tally.dropped[note.drop.reason] ?? 0) + 1;
        reportBuilder.addDrop(note.drop);
        await o.dropped.write(note.drop);
      } else if (note.len) {
        o.tally.rowsOut++;
        reportBuilder.add(note.len);
        await o.lengths.write(note.len);
      }
    };

    const ctx: FormatContext = { counter, image: imageOpts, teacherEnding: teacherCfg?.ending ?? 'keep', imageLimit: createImageLimiter(cfg.concurrency ?? undefined) };
    const window = Math.max(4, (cfg.concurrency ?? 4) * 4);
    const displayed = new Map<string, string>();
    for (const { split } of splitsIn) {
      progress.start('images', ingest.rowCount[split] ?? null, 'rows');
      // Rows covered by finished shards of an interrupted build are replayed from the journal, in input
      // order, so the dedupe/leak state evolves exactly as in an uninterrupted build.
      async function* rowsToProcess(): AsyncGenerator<Sample> {
        for await (const sample of ingest.rows(split)) {
          // Record the source as displayed (no machine paths in outputs); a row without an id column is named
          // after it, so its id (and the --test-ratio split drawn from it) is the same on every machine.
          const raw = sample.source;
          let shown = displayed.get(raw);
          if (shown === undefined) displayed.set(raw, (shown = displayPath(raw)));
          sample.source = shown;
          if (sample.id.startsWith(`${raw}#`)) sample.id = shown + sample.id.slice(raw.length);
          if (cfg.data_source) sample.dataSource = cfg.data_source;
          if (cfg.test_ratio) sample.split = assignSplit(sample.id, cfg.data.seed, cfg.test_ratio);
          const o = out.get(sample.split)!;
          if (o.replayed < o.replay.length) {
            const note = o.replay[o.replayed++]!;
            if (note.len && note.key) chain.remember(sample.split, note.key);
            await book(o, note);
            progress.tick('images');
            continue;
          }
          yield sample;
        }
      }
      const formatted = mapOrdered(rowsToProcess(), window, (s: Sample) => formatSample(s, ctx));
      for await (const sample of formatted) {
        const o = out.get(sample.split)!;
        const te = typeof sample.teacherResponse === 'string' ? sample.teacherResponse.trimEnd().endsWith('<|im_end|>') : null;
        const drop = chain.apply(sample);
        let note: RowNote;
        if (drop) {
          note = { drop: dropRecord(sample), te };
          await o.writer.skip(note);
        } else {
          note = { len: lengthRecord(sample), key: cfg.dedupe ? chain.dedupeKeyOf(sample) : undefined, te };
          await o.writer.write(sample, note);
        }
        await book(o, note);
        progress.tick('images');
      }
      progress.end('images');
    }

    progress.start('write', out.size, 'splits');
    const shards: ShardInfo[] = [];
    for (const o of out.values()) {
      shards.push(...(await o.writer.close()));
      progress.tick('write');
    }
    // lengths.jsonl / dropped.jsonl: split by split, each in input order.
    for (const kind of ['lengths', 'dropped'] as const) {
      const parts: string[] = [];
      for (const [split, o] of out) {
        await o[kind].close();
        parts.push(join(session.workDir, `.${kind}.${split}.jsonl`));
      }
      await concatFiles(parts, join(session.workDir, `${kind}.jsonl`));
    }
    progress.end('write');

    const splits: Manifest['splits'] = {};
    let endingWithImEnd = 0;
    let teacherTotal = 0;
    for (const [split, o] of out) {
      const order = Object.keys(o.tally.dropped).sort();
      splits[split] = { rowsIn: o.tally.rowsIn, rowsOut: o.tally.rowsOut, dropped: Object.fromEntries(order.map((k) => [k, o.tally.dropped[k]!])) };
      endingWithImEnd += o.tally.imEnd;
      teacherTotal += o.tally.teacher;
    }
    const report = reportBuilder.build({
      title: 'gad-data build report',
      input: { kind: 'build', outDir: displayPath(cfg.out) },
      target: cfg.target,
      kind: schema.kind,
      model: { name: profile.name, family: profile.family, factor: profile.geometry.factor, minPixels: profile.geometry.minPixels, maxPixels: profile.geometry.maxPixels },
      pipeline: { name: cfg.pipeline, ...pipelineBoundsFor(cfg.pipeline, bounds, profile), trainer: trainerOf(cfg.pipeline) },
      maxPromptLength: cfg.data.max_prompt_length,
      maxResponseLength: gad ? cfg.data.max_response_length : null,
      keep: cfg.keep_ratio,
      splitOrder: outSplits,
    });
    const manifest: Manifest = {
      tool: { name: 'gad-data', version: VERSION },
      target: cfg.target,
      kind: schema.kind,
      config: publicConfig(cfg),
      sources,
      model: {
        name: profile.name,
        family: profile.family,
        patchSize: profile.geometry.patchSize,
        mergeSize: profile.geometry.mergeSize,
        factor: profile.geometry.factor,
        minPixels: profile.geometry.minPixels,
        maxPixels: profile.geometry.maxPixels,
        tokenizerSha256: profile.tokenizerSha256,
        chatTemplateSha256: profile.chatTemplateSha256,
        source: located.describe((p) => displayPath(p)),
        chatTemplateSource: profile.chatTemplateSource,
        ...(override ? { chatTemplateFile: CHAT_TEMPLATE_FILE } : {}),
      },
      resize: { pipeline: cfg.pipeline, ...pipelineBoundsFor(cfg.pipeline, bounds, profile), trainer: trainerOf(cfg.pipeline) },
      columns: { prompt: schema.promptKey, answer: cfg.data.answer_key, images: cfg.data.image_key, teacher: gad ? 'teacher_response' : null },
      // A copy of the format prompt travels with the data (EasyR1 reads it at training time).
      formatPrompt: { name: prompt.name, sha256: prompt.sha256, file: prompt.source === null ? null : FORMAT_PROMPT_FILE },
      limits: { maxPromptLength: cfg.data.max_prompt_length, maxResponseLength: cfg.data.max_response_length },
      splits,
      shards,
      tokens: Object.fromEntries(Object.entries(report.splits).map(([k, v]) => [k, v.tokens])),
      ...(gad ? { teacherEnding: { policy: teacherCfg?.ending ?? 'keep', endingWithImEnd, total: teacherTotal } } : {}),
    };
    if (prompt.source !== null) await writeFile(join(session.workDir, FORMAT_PROMPT_FILE), `${prompt.source}\n`);
    if (override) await writeFile(join(session.workDir, CHAT_TEMPLATE_FILE), override.text);
    await writeManifest(session.workDir, manifest);
    await writeFile(join(session.workDir, 'README.md'), renderDatasetCard(manifest));
    await writeFile(join(session.workDir, 'report.json'), `${JSON.stringify(report, null, 2)}\n`);
    await writeFile(join(session.workDir, 'report.html'), renderReportHtml(report));
    await testHold('before-commit');
    await session.commit();

    const totalIn = Object.values(splits).reduce((a, s) => a + s.rowsIn, 0);
    const totalOut = Object.values(splits).reduce((a, s) => a + s.rowsOut, 0);
    const dropRatio = totalIn ? (totalIn - totalOut) / totalIn : 0;
    const exitCode: 0 | 1 = dropRatio > cfg.max_drop_ratio ? 1 : 0;
    const summary = renderReportTerminal(report, { color: false });
    return { outDir: cfg.out, manifest, report, splits, dropRatio, exitCode, summary, config: cfg };
  } catch (e) {
    await session.abort();
    throw e;
  }
}

function pipelineBoundsFor(pipeline: ResolvedConfig['pipeline'], b: Required<PipelineBounds>, profile: ModelProfile) {
  if (pipeline === 'easyr1') return { minPixels: b.easyr1MinPixels, maxPixels: b.easyr1MaxPixels };
  if (pipeline === 'qwen-vl-utils') return { minPixels: b.qwenVlUtilsMinPixels, maxPixels: b.qwenVlUtilsMaxPixels };
  return { minPixels: profile.geometry.minPixels, maxPixels: profile.geometry.maxPixels };
}

function trainerOf(pipeline: ResolvedConfig['pipeline']): string {
  if (pipeline === 'easyr1') return 'EasyR1 (process_image pre-resize, then the processor)';
  if (pipeline === 'qwen-vl-utils') return 'verl >= 0.8 (qwen-vl-utils fetch_image, then the processor)';
  return 'verl <= 0.7 / any trainer given images at their target size (the processor alone)';
}
