/**
 * `build`: ingest → format → validate → export, streamed with bounded concurrency. This is the typed library
 * API under `gad-data build`; the CLI only parses flags into a config and prints what this returns.
 */
import { createReadStream, createWriteStream, type WriteStream } from 'node:fs';
import { readFile, rm, stat, writeFile } from 'node:fs/promises';
import { basename, dirname, join, relative, resolve } from 'node:path';
import { once } from 'node:events';
import { GadError, environmentError, environmentErrorCode } from './core/errors.js';
import { sha256, stableStringify } from './core/hash.js';
import { silentProgress, type ProgressSink } from './core/progress.js';
import { createPathScrubber, displayPath, pathRoots } from './core/paths.js';
import { testHold } from './core/test-hold.js';
import { mapOrdered } from './core/stream.js';
import type { Manifest, Sample, ShardInfo } from './core/types.js';
import { launchWarnings } from './core/verl-rewards.js';
import { defaultTeacherEnding, resolveConfig, type ConfigInput, type ResolvedConfig } from './config.js';
import { openIngest, type IngestOptions } from './ingest/index.js';
import { loadModelProfile, type ModelProfile } from './format/profile.js';
import { locateModel } from './format/model-locate.js';
import { loadFormatPrompt, type FormatPrompt } from './format/template.js';
import { PromptCounter } from './format/tokens.js';
import { createImageCache, formatSample, type FormatContext } from './format/sample.js';
import { createImageLimiter, type ImageOptions } from './format/image.js';
import { resolveBounds, type PipelineBounds } from './format/resize.js';
import {
  FilterChain,
  dropRecord,
  lengthRecord,
  ReportBuilder,
  assignSplit,
  renderReportHtml,
  renderReportTerminal,
  type Report,
  type DropRecord,
  type LengthRecord,
} from './validate/index.js';
import {
  ShardWriter,
  openOutput,
  restoreInterruptedCommit,
  writeManifest,
  renderDatasetCard,
  planPassthrough,
  VERL_IMAGE_COLUMN,
} from './export/index.js';
import { VERSION } from './version.js';
import { PIPELINES, trainerOfPipeline } from './core/defaults.js';
import type { RowHook } from './partition/hooks.js';

export interface BuildHooks {
  progress?: ProgressSink;
  onWarning?: (message: string) => void;
  /** Reuse finished shards of an interrupted build with the same inputs and settings. */
  resume?: boolean;
  /** Scale-out (src/partition): a part of a partitioned build, or a merge of the parts. */
  rows?: RowHook;
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

/**
 * Everything that decides the bytes of the output, for --resume. A denylist: the whole resolved config but
 * `out` (where the output goes), `concurrency` (how fast) and `hub.token` (a secret), so a key added later is
 * covered without anyone remembering to add it; then the content of what the config names: the model files
 * as they decide the counts (tokenizer.json, chat template, the tokenizer config the template reads, image
 * geometry), the format prompt text, and the teacher file's sha256. The data files' sha256 come with the
 * sources; image files read by path are checked per row on resume (`changedImage`).
 */
function settingsOf(
  cfg: ResolvedConfig,
  profile: ModelProfile,
  prompt: FormatPrompt,
  bounds: Required<PipelineBounds>,
  teacher: { sha256: string; bytes: number } | null,
) {
  const { out: _out, concurrency: _concurrency, hub, ...config } = cfg;
  const { token: _token, ...hubSettings } = hub;
  return {
    version: VERSION,
    config: { ...config, hub: hubSettings },
    bounds,
    model: {
      family: profile.family,
      geometry: profile.geometry,
      tokenizer: profile.tokenizerSha256,
      chatTemplate: profile.chatTemplateSha256,
      tokenizerConfig: sha256(stableStringify(profile.tokenizerConfig)),
      templateTokens: profile.templateTokens,
      eosToken: profile.eosToken,
      specialTokens: profile.specialTokens,
    },
    formatPrompt: prompt.sha256,
    teacherFile: teacher,
  };
}

/** Image files read by path for one row: [path, size, mtimeMs] as read ([path, -1, -1]: missing), for --resume. */
function imageStamps(sample: Sample): Array<[string, number, number]> | undefined {
  const out: Array<[string, number, number]> = [];
  for (const ref of sample.images) {
    if (ref.bytes || !ref.resolvedPath || ref.fileStat === undefined) continue;
    out.push([ref.resolvedPath, ref.fileStat?.size ?? -1, ref.fileStat?.mtimeMs ?? -1]);
  }
  return out.length ? out : undefined;
}

/**
 * The first image file of the reused rows that is not what it was when the interrupted build read it (size or
 * modification time differ, or it appeared or vanished); null when all are the same. One stat per distinct file.
 */
async function changedImage(records: RowNote[]): Promise<string | null> {
  const seen = new Map<string, string>();
  for (const rec of records) {
    for (const [path, size, mtimeMs] of rec.img ?? []) {
      const was = `${size}:${mtimeMs}`;
      const known = seen.get(path);
      if (known !== undefined) {
        if (known !== was) return path; // read twice with different stamps: it changed during that build
        continue;
      }
      seen.set(path, was);
      let now = '-1:-1';
      try {
        const st = await stat(path);
        if (st.isFile()) now = `${st.size}:${st.mtimeMs}`;
      } catch {
        /* missing now */
      }
      if (now !== was) return path;
    }
  }
  return null;
}

/** The config as recorded in the manifest: secrets removed, machine-specific folders made relative where possible. */
export function publicConfig(cfg: ResolvedConfig): Record<string, unknown> {
  const { hub, baseDir: _base, out: _out, configFile: _file, trainSpecs, valSpecs, ...rest } = cfg;
  const list = (v: string | string[] | null | undefined) =>
    v == null ? v : Array.isArray(v) ? v.map((x) => displayPath(x)) : displayPath(v);
  return {
    ...rest,
    model: displayPath(cfg.model),
    data: {
      ...cfg.data,
      train_files: list(cfg.data.train_files),
      val_files: list(cfg.data.val_files),
      image_dir: list(cfg.data.image_dir),
      format_prompt: list(cfg.data.format_prompt),
    },
    teacher: cfg.teacher ? { ...cfg.teacher, file: list(cfg.teacher.file) } : null,
    trainSpecs: trainSpecs.map((x) => displayPath(x)),
    valSpecs: valSpecs.map((x) => displayPath(x)),
    hub: { ...hub, cache_dir: list(hub.cache_dir), token: hub.token ? '<set>' : null },
  };
}

/** Pixel bounds of the trainer's pre-resize step, from data.min_pixels / data.max_pixels. */
function pipelineBounds(cfg: ResolvedConfig): Partial<PipelineBounds> {
  const b: Partial<PipelineBounds> = {};
  const keys = PIPELINES[cfg.pipeline].bounds; // null: the processor's own (set on the profile)
  if (keys && cfg.data.min_pixels != null) b[keys.minKey] = cfg.data.min_pixels;
  if (keys && cfg.data.max_pixels != null) b[keys.maxKey] = cfg.data.max_pixels;
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
    throw new GadError(
      `data.override_chat_template: ${path} is a JSON file, but EasyR1 reads this file as raw Jinja text (the JSON text itself would become the template)`,
      {
        hint: 'point it at a .jinja file holding only the template (the "chat_template" string of that JSON, unescaped)',
      },
    );
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
  /** Image files read by path: [path, size, mtimeMs] (see imageStamps). */
  img?: Array<[string, number, number]>;
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
  /** A write error (e.g. a full disk), kept until the next write or close throws it. */
  private err: Error | null = null;
  constructor(path: string) {
    this.s = createWriteStream(path);
    this.s.on('error', (e) => (this.err ??= e));
  }
  async write(obj: unknown) {
    if (this.err) throw this.err;
    if (!this.s.write(`${JSON.stringify(obj)}\n`)) await once(this.s, 'drain');
  }
  async close() {
    if (this.err) throw this.err;
    this.s.end();
    await once(this.s, 'finish');
  }
}

/** Build a dataset. `input` is a config object (as in gad-data.yaml) or an already resolved config. */
export async function build(input: ConfigInput | ResolvedConfig = {}, hooks: BuildHooks = {}): Promise<BuildResult> {
  const cfg: ResolvedConfig =
    'baseDir' in input ? (input as ResolvedConfig) : resolveConfig({ flags: input as Record<string, unknown> });
  const progress = hooks.progress ?? silentProgress;
  const warn = hooks.onWarning ?? ((m: string) => progress.log(`warning: ${m}`));

  const restored = await restoreInterruptedCommit(cfg.out).catch((e: unknown) => {
    throw environmentErrorCode(e) && !(e instanceof GadError)
      ? environmentError(e, { doing: `cannot restore the previous output ${cfg.out}`, where: cfg.out })
      : e;
  });
  if (restored) progress.log(restored);
  const profileOverrides = !PIPELINES[cfg.pipeline].bounds
    ? { minPixels: cfg.data.min_pixels ?? undefined, maxPixels: cfg.data.max_pixels ?? undefined }
    : {};
  const located = locateModel(cfg.model, { cwd: cfg.baseDir, key: cfg.modelKey ?? 'model' });
  let profile = await loadModelProfile(located.path, profileOverrides);
  if (profile.name !== located.name) profile = { ...profile, name: located.name };
  if ((cfg.modelKey ?? 'default') !== 'default')
    progress.log(`model ${located.name}: ${located.describe((p) => displayPath(p))}`);
  const override = await loadChatTemplateOverride(cfg.data.override_chat_template ?? null);
  if (override) {
    profile = {
      ...profile,
      chatTemplate: override.text,
      chatTemplateSource: `data.override_chat_template (${displayPath(override.path)})`,
      chatTemplateSha256: sha256(override.text),
    };
    progress.log(
      `chat template: ${displayPath(override.path)} (data.override_chat_template) replaces the model's ${located.name} template`,
    );
    if (cfg.target === 'verl')
      warn(
        `data.override_chat_template is an EasyR1 key: the counts use ${displayPath(override.path)}, so make verl render with the same template (a copy is written to the output as ${CHAT_TEMPLATE_FILE})`,
      );
  }
  const prompt = await loadFormatPrompt(cfg.data.format_prompt ?? 'none');
  const counter = new PromptCounter(profile, prompt);
  const bounds = resolveBounds(profile.geometry, pipelineBounds(cfg));
  const imageOpts: ImageOptions = {
    pipeline: cfg.pipeline,
    geometry: profile.geometry,
    bounds,
    imageFormat: cfg.image_format,
    resize: cfg.resize,
    maxInputPixels: cfg.max_input_pixels,
    timeoutMs: cfg.image_timeout * 1000,
  };
  const teacherCfg = cfg.teacher;
  const gad = !!(teacherCfg && (teacherCfg.file || teacherCfg.column));

  const splitsIn: IngestOptions['splits'] = [{ split: 'train', specs: cfg.trainSpecs }];
  if (cfg.valSpecs.length) splitsIn.push({ split: 'test', specs: cfg.valSpecs });
  if (cfg.valSpecs.length && cfg.test_ratio) {
    throw new GadError('both data.val_files and test_ratio are set', {
      hint: 'keep the source test split (val_files) or carve one with --test-ratio, not both',
      exitCode: 2,
    });
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
    allowOutsidePaths: cfg.allow_outside_paths,
    cwd: cfg.baseDir,
    teacher: teacherCfg?.file
      ? {
          file: teacherCfg.file,
          idKey: teacherCfg.id_key ?? undefined,
          responseKey: teacherCfg.response_key ?? undefined,
        }
      : undefined,
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
    passthrough: cfg.passthrough && cfg.target === 'verl',
    requireImage: cfg.require_image,
  });

  const local = (p: string) => displayPath(resolve(cfg.baseDir, p));
  const sources = ingest.sources.map((src) => ({
    ...src,
    spec: src.kind === 'hub' ? src.spec : local(src.spec),
    files: src.files.map((f) => ({ ...f, path: src.kind === 'hub' ? f.path : local(f.path) })),
  }));
  // Absolute paths in drop details become relative to their source folder (no machine paths in outputs).
  const scrub = createPathScrubber(
    pathRoots(
      [...cfg.trainSpecs, ...cfg.valSpecs, cfg.data.image_dir, cfg.teacher?.file, cfg.out].map((p) =>
        p ? resolve(cfg.baseDir, p) : p,
      ),
    ),
  );
  const publicDrop = (d: DropRecord): DropRecord => {
    const s = <T>(v: T): T => (typeof v === 'string' ? (scrub(v) as T) : v);
    return { ...d, source: s(d.source), id: s(d.id), detail: s(d.detail), value: s(d.value), limit: s(d.limit) };
  };
  const settings = settingsOf(cfg, profile, prompt, bounds, ingest.teacher);
  const settingsHash = sha256(stableStringify({ settings, sources }));
  // What the hash covers, part by part, kept in the work folder so a refused resume can say what changed.
  const inputs: InputsDigest = {
    settings: sha256(stableStringify(settings.config)),
    model: sha256(stableStringify({ model: settings.model, bounds, version: VERSION })),
    formatPrompt: prompt.sha256,
    teacher: ingest.teacher ? { file: displayPath(ingest.teacher.file), sha256: ingest.teacher.sha256 } : null,
    data: sources.flatMap((s) => s.files.map((f) => ({ file: f.path, sha256: f.sha256 }))),
  };
  const before = hooks.resume ? await readInputsDigest(cfg.out) : null;
  let session = await openOutput(cfg.out, { settingsHash, resume: !!hooks.resume });
  if (session.resumed) {
    const changed = await changedImage(Object.values(session.resumed.splits).flatMap((s) => s.records as RowNote[]));
    if (changed) {
      await session.abort();
      session = await openOutput(cfg.out, { settingsHash, resume: false });
      progress.log(
        `resume: image file ${displayPath(changed)} changed since the interrupted build (size or modification time differ); starting fresh`,
      );
    }
  }
  if (session.notice) progress.log(session.notice);
  if (hooks.resume && !session.resumed && before) {
    const why = inputsChange(before, inputs);
    if (why) progress.log(`resume: ${why} since the interrupted build; its shards are not reused`);
  }
  await writeFile(join(session.workDir, INPUTS_FILE), `${JSON.stringify(inputs)}\n`);
  try {
    await hooks.rows?.begin({ settingsHash, workDir: session.workDir, resumed: !!session.resumed });
    const outSplits = cfg.test_ratio ? ['train', 'test'] : splitsIn.map((s) => s.split);
    const kind = (gad ? 'gad' : 'grpo') as 'gad' | 'grpo';
    const promptKey = cfg.target === 'verl' ? 'prompt' : cfg.data.prompt_key;
    // verl: every other input column and extra_info field unchanged (passthrough); its image column is always
    // `images`, verl's default data.image_key (EasyR1 reads the configured image_key, which it keeps).
    const passthrough =
      cfg.target === 'verl' ? planPassthrough(ingest.passthrough, { kind, promptKey }) : { keep: [], left: [] };
    for (const l of passthrough.left) warn(`input column '${l.name}' is NOT passed through: ${l.why}`);
    const schema = {
      target: cfg.target,
      kind,
      promptKey,
      answerKey: cfg.data.answer_key,
      imageKey: cfg.target === 'verl' ? VERL_IMAGE_COLUMN : cfg.data.image_key,
      ...(passthrough.keep.length ? { passthrough: passthrough.keep } : {}),
    };
    const chain = FilterChain.standard({
      maxPromptLength: cfg.data.filter_overlong_prompts ? cfg.data.max_prompt_length : Number.POSITIVE_INFINITY,
      maxResponseLength: gad ? cfg.data.max_response_length : Number.POSITIVE_INFINITY,
      singleImage: cfg.single_image,
      requireImage: cfg.require_image,
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
        writer: new ShardWriter({
          ...schema,
          dir: join(session.workDir, 'data'),
          split,
          shardSize: cfg.shard_size,
          session,
        }),
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

    // Prompts seen: message lists (no format prompt unless explicit) and text prompts.
    let messageRows = 0;
    let textRows = 0;
    const warned = new Set<string>();
    const warnOnce = (key: string, m: string) => {
      if (warned.has(key)) return;
      warned.add(key);
      warn(m);
    };
    const ctx: FormatContext = {
      counter,
      image: imageOpts,
      teacherEnding: teacherCfg?.ending ?? defaultTeacherEnding(),
      imageLimit: createImageLimiter(cfg.concurrency ?? undefined),
      imageCache: createImageCache(),
      // A message-list prompt already holds its instruction: a format prompt only when asked for explicitly.
      messageFormatPrompt: cfg.formatPromptExplicit ? prompt : null,
      warnOnce,
      // rows over it are dropped, so a prompt surely over it is not tokenized in full (kept rows are always exact)
      maxPromptLength: cfg.data.filter_overlong_prompts ? cfg.data.max_prompt_length : undefined,
    };
    const window = Math.max(4, (cfg.concurrency ?? 4) * 4);
    const displayed = new Map<string, string>();
    const dataSources = new Set<string>();
    for (const [loop, { split }] of splitsIn.entries()) {
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
          if (sample.messages) messageRows++;
          else textRows++;
          if (sample.messages && !cfg.formatPromptExplicit && prompt.name !== 'none') {
            warnOnce(
              'messages-no-format',
              `${sample.source}: the prompt is a message list, kept as it is with every turn; no format prompt is applied to it (the default '${prompt.name}' applies to text prompts only; pass --format-prompt to apply one)`,
            );
          }
          if (hooks.rows && !hooks.rows.take(loop, sample)) continue; // another part's row
          const o = out.get(sample.split)!;
          if (o.replayed < o.replay.length) {
            const note = o.replay[o.replayed++]!;
            if (note.len) dataSources.add(sample.dataSource);
            if (note.len && note.key) chain.remember(sample.split, note.key);
            await book(o, note);
            progress.tick('images');
            continue;
          }
          // The row rules that need no image (validate/rules.ts), before format reads the images.
          chain.precheck(sample);
          yield sample;
        }
      }
      const formatted = mapOrdered(rowsToProcess(), window, (s: Sample) =>
        hooks.rows?.format ? hooks.rows.format(s) : formatSample(s, ctx),
      );
      for await (const sample of formatted) {
        const o = out.get(sample.split)!;
        const te =
          typeof sample.teacherResponse === 'string' ? sample.teacherResponse.trimEnd().endsWith('<|im_end|>') : null;
        hooks.rows?.formatted?.(sample);
        const drop = chain.apply(sample);
        let note: RowNote;
        const img = imageStamps(sample);
        if (drop) {
          note = { drop: publicDrop(dropRecord(sample)), te, ...(img ? { img } : {}) };
          await o.writer.skip(note);
        } else {
          note = {
            len: lengthRecord(sample),
            key: cfg.dedupe ? chain.dedupeKeyOf(sample) : undefined,
            te,
            ...(img ? { img } : {}),
          };
          dataSources.add(sample.dataSource);
          await o.writer.write(sample, note);
        }
        await book(o, note);
        await hooks.rows?.booked?.(sample, !drop);
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
      splits[split] = {
        rowsIn: o.tally.rowsIn,
        rowsOut: o.tally.rowsOut,
        dropped: Object.fromEntries(order.map((k) => [k, o.tally.dropped[k]!])),
      };
      endingWithImEnd += o.tally.imEnd;
      teacherTotal += o.tally.teacher;
    }
    const report = reportBuilder.build({
      title: 'gad-data build report',
      input: { kind: 'build', outDir: displayPath(cfg.out) },
      target: cfg.target,
      kind: schema.kind,
      model: {
        name: displayPath(profile.name),
        family: profile.family,
        factor: profile.geometry.factor,
        minPixels: profile.geometry.minPixels,
        maxPixels: profile.geometry.maxPixels,
      },
      pipeline: {
        name: cfg.pipeline,
        ...pipelineBoundsFor(cfg.pipeline, bounds, profile),
        trainer: trainerOfPipeline(cfg.pipeline),
      },
      maxPromptLength: cfg.data.max_prompt_length,
      maxResponseLength: gad ? cfg.data.max_response_length : null,
      keep: cfg.keep_ratio,
      splitOrder: outSplits,
    });
    const appliedPrompt =
      textRows === 0 && messageRows > 0 && !cfg.formatPromptExplicit ? { name: 'none', source: null } : prompt;
    const manifest: Manifest = {
      tool: { name: 'gad-data', version: VERSION },
      target: cfg.target,
      kind: schema.kind,
      config: publicConfig(cfg),
      sources,
      model: {
        name: displayPath(profile.name),
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
      resize: {
        pipeline: cfg.pipeline,
        ...pipelineBoundsFor(cfg.pipeline, bounds, profile),
        trainer: trainerOfPipeline(cfg.pipeline),
        policy: cfg.resize,
      },
      columns: {
        prompt: schema.promptKey,
        answer: cfg.data.answer_key,
        images: schema.imageKey,
        teacher: gad ? 'teacher_response' : null,
        ...(passthrough.keep.length ? { passthrough: passthrough.keep } : {}),
      },
      // A copy of the format prompt travels with the data (EasyR1 reads it at training time).
      // (Every prompt a message list and no format prompt asked for: none was applied, and the manifest says so.)
      formatPrompt:
        appliedPrompt.name === 'none'
          ? { name: 'none', sha256: sha256(''), file: null }
          : { name: prompt.name, sha256: prompt.sha256, file: prompt.source === null ? null : FORMAT_PROMPT_FILE },
      limits: { maxPromptLength: cfg.data.max_prompt_length, maxResponseLength: cfg.data.max_response_length },
      splits,
      shards,
      tokens: Object.fromEntries(Object.entries(report.splits).map(([k, v]) => [k, v.tokens])),
      ...(gad
        ? {
            teacherEnding: {
              policy: teacherCfg?.ending ?? defaultTeacherEnding(),
              endingWithImEnd,
              total: teacherTotal,
            },
          }
        : {}),
      ...(cfg.configFile
        ? { configFile: { path: relative(cfg.out, cfg.configFile), sha256: sha256(await readFile(cfg.configFile)) } }
        : {}),
      ...(cfg.target === 'verl' ? { dataSources: [...dataSources].sort() } : {}),
    };
    for (const w of launchWarnings(manifest)) warn(w);
    if (appliedPrompt.source !== null) await writeFile(join(session.workDir, FORMAT_PROMPT_FILE), `${prompt.source}\n`);
    if (override) await writeFile(join(session.workDir, CHAT_TEMPLATE_FILE), override.text);
    await writeManifest(session.workDir, manifest);
    await writeFile(join(session.workDir, 'README.md'), renderDatasetCard(manifest));
    await writeFile(join(session.workDir, 'report.json'), `${JSON.stringify(report, null, 2)}\n`);
    await writeFile(join(session.workDir, 'report.html'), renderReportHtml(report));
    await hooks.rows?.finish(session.workDir, manifest);
    await testHold('before-commit');
    await rm(join(session.workDir, INPUTS_FILE), { force: true });
    const committed = await session.commit();
    if (committed) warn(committed);

    const totalIn = Object.values(splits).reduce((a, s) => a + s.rowsIn, 0);
    const totalOut = Object.values(splits).reduce((a, s) => a + s.rowsOut, 0);
    const dropRatio = totalIn ? (totalIn - totalOut) / totalIn : 0;
    const exitCode: 0 | 1 = dropRatio > cfg.max_drop_ratio ? 1 : 0;
    const summary = renderReportTerminal(report, { color: false });
    return { outDir: cfg.out, manifest, report, splits, dropRatio, exitCode, summary, config: cfg };
  } catch (e) {
    await hooks.rows?.abort?.().catch(() => undefined);
    if (environmentErrorCode(e) && !(e instanceof GadError)) {
      // A full disk or a missing permission is not a bug and not the data's fault: keep the finished shards
      // (the work folder and its journal) so that --resume after fixing it goes on from there.
      await session.abort({ keepWork: true });
      throw environmentErrorOfBuild(e, session.outDir, session.workDir);
    }
    await session.abort();
    throw e;
  }
}

/** An environment error of a build: writing the output (the usual case), or reading a path elsewhere. */
function environmentErrorOfBuild(e: unknown, outDir: string, workDir: string): GadError {
  const path = (e as NodeJS.ErrnoException).path;
  const parent = dirname(outDir);
  const ours =
    !path || path === outDir || path.startsWith(`${outDir}/`) || path.startsWith(`${parent}/.${basename(outDir)}.`);
  return environmentError(e, {
    doing: ours ? `cannot write the output ${outDir}` : 'cannot read an input file',
    access: ours ? 'write' : 'read',
    where: workDir,
    resume: `the finished shards are kept in ${workDir} and reused (or delete that folder to free its space)`,
  });
}

/** The parts of the resume hash, for saying which changed (not needed for correctness: the hash decides). */
interface InputsDigest {
  settings: string;
  model: string;
  formatPrompt: string;
  teacher: { file: string; sha256: string } | null;
  data: Array<{ file: string; sha256: string }>;
}
const INPUTS_FILE = '.inputs.json';

/** The digest an interrupted build left in its work folder (`.<OUT>.partial`), or null. */
async function readInputsDigest(out: string): Promise<InputsDigest | null> {
  const abs = resolve(out);
  try {
    return JSON.parse(
      await readFile(join(dirname(abs), `.${basename(abs)}.partial`, INPUTS_FILE), 'utf8'),
    ) as InputsDigest;
  } catch {
    return null;
  }
}

function inputsChange(a: InputsDigest, b: InputsDigest): string | null {
  if (a.teacher?.sha256 !== b.teacher?.sha256) {
    return a.teacher && b.teacher && a.teacher.file === b.teacher.file
      ? `the teacher file ${b.teacher.file} changed (sha256 differs)`
      : 'the teacher file changed';
  }
  const was = new Map(a.data.map((d) => [d.file, d.sha256]));
  for (const d of b.data)
    if (was.has(d.file) && was.get(d.file) !== d.sha256) return `the data file ${d.file} changed (sha256 differs)`;
  if (a.data.length !== b.data.length || b.data.some((d) => !was.has(d.file))) return 'the data files changed';
  if (a.formatPrompt !== b.formatPrompt) return 'the format prompt changed';
  if (a.model !== b.model) return 'the model files changed';
  if (a.settings !== b.settings) return 'the settings changed';
  return null;
}

function pipelineBoundsFor(pipeline: ResolvedConfig['pipeline'], b: Required<PipelineBounds>, profile: ModelProfile) {
  const keys = PIPELINES[pipeline].bounds;
  if (keys) return { minPixels: b[keys.minKey], maxPixels: b[keys.maxKey] };
  return { minPixels: profile.geometry.minPixels, maxPixels: profile.geometry.maxPixels };
}
