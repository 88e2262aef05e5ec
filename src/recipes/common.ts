/**
 * What the three recipe exports share: opening the build and its model (a row's images: row-images.ts),
 * and export.json — the small manifest `gad-data train --profile swift-sft|swift-rm` reads.
 */
import { join, relative, resolve, sep } from 'node:path';
import { GadError } from '../core/errors.js';
import { sha256File } from '../core/hash.js';
import type { ModelProfile } from '../model/model-profile.js';
import { loadBuildProfile } from './build-profile.js';
import { VERSION } from '../core/version.js';
import { type OpenedBuild, openBuild } from './build-rows.js';
import { type RecipeTrainer, RecipeCounter, type TrainerImageSettings } from './lengths.js';
import type { ExportFolder } from './export-folder.js';
import type { LengthCollector, RecipeReport } from './recipe-report.js';

export interface RecipeOptions {
  /** The build's output folder. */
  from: string;
  /** Output folder; default `<from>/<kind>-<format>`. */
  out?: string;
  /** The model folder when the build's recorded model cannot be loaded from here (must be the same files). */
  model?: string;
  /** Write every image's bytes (for moving the export alone to another machine): no hard links to another export's files. */
  copyImages?: boolean;
}

/** export.json */
export interface ExportManifest {
  format: 'gad-data-export';
  version: 1;
  tool: { name: 'gad-data'; version: string };
  kind: 'sft' | 'rm' | 'prompts';
  trainer: RecipeTrainer;
  build: {
    /** The build folder, relative to this export folder. */
    dir: string;
    manifestSha256: string;
    target: string;
    model: { name: string; family: string; patchSize: number; tokenizerSha256: string; chatTemplateSha256: string };
  };
  /** Data files per split (relative), with rows and sha256. */
  files: Record<string, { file: string; rows: number; sha256: string }>;
  trainSplit: string | null;
  valSplit: string | null;
  /** Every written row's sequence (each side, for pairs) is at most this long. */
  maxLength: number;
  recommendedMaxLength: number;
  images: {
    /** Image paths in the data files are relative to this folder (ms-swift: ROOT_IMAGE_DIR; LLaMA-Factory: dataset_dir). */
    root: '.';
    count: number;
    /** How many images the trainer would still resize with the settings below (0 for a build made for this model). */
    resizedByTrainer: number;
    /**
     * How many images are written at the size the GAD stage's processor gives (not the build's stored bytes), because
     * this trainer would otherwise see them at another grid than the GAD stage trains on.
     */
    atGadSize: number;
    /** Image files that are hard links to an identical file of another export of the build (the rest were written). */
    linked: number;
    settings: TrainerImageSettings;
  };
  ending: { policy: 'strip-im-end'; teacherStripped: number; studentStripped?: number };
  /** rm: the student answer file the pairs' rejected sides came from (relative to this export folder) and its row ids. */
  student?: {
    file: string;
    sha256: string;
    answers: number;
    /** When the build wrote the file from an input column: `input column rejected_response of <source>`. */
    from?: string;
  };
  /** LLaMA-Factory: the dataset names in dataset_info.json per split. */
  datasetInfo?: Record<string, string>;
  dropped: Record<string, number>;
  notes: string[];
  /** The top-level entries this export wrote: a later export replaces only these (the rest of the folder is the user's). */
  written: string[];
}

export interface RecipeSession {
  build: OpenedBuild;
  profile: ModelProfile;
  counter: RecipeCounter;
  out: string;
  copyImages: boolean;
}

export async function openRecipe(
  o: RecipeOptions,
  trainer: RecipeTrainer,
  defaultName: string,
): Promise<RecipeSession> {
  const build = await openBuild(o.from);
  const m = build.manifest;
  const profile = await loadBuildProfile(m, o.model, '--model', { lazyTokenizer: true });
  const out = resolve(o.out ?? resolve(build.dir, defaultName));
  checkOutFolder(out, build.dir);
  return { build, profile, counter: new RecipeCounter(profile, m, trainer), out, copyImages: o.copyImages === true };
}

/** The train and validation split names of the build (validation: test/validation/... or the other split). */
export function trainVal(splits: string[]): { train: string | null; val: string | null } {
  const train = splits.includes('train') ? 'train' : (splits[0] ?? null);
  const pref = ['test', 'validation', 'val', 'valid', 'dev', 'eval'];
  const val = pref.find((v) => splits.includes(v)) ?? splits.find((x) => x !== train) ?? null;
  return { train, val };
}

export async function exportManifest(
  s: RecipeSession,
  folder: ExportFolder,
  fields: {
    kind: ExportManifest['kind'];
    trainer: RecipeTrainer;
    files: Record<string, { file: string; rows: number }>;
    maxLength: number;
    report: RecipeReport;
    images: { count: number; resized: number; atGadSize: number };
    ending: ExportManifest['ending'];
    student?: ExportManifest['student'];
    datasetInfo?: Record<string, string>;
    notes: string[];
  },
): Promise<ExportManifest> {
  const m = s.build.manifest;
  const files: ExportManifest['files'] = {};
  folder.flush();
  for (const [split, f] of Object.entries(fields.files))
    files[split] = { ...f, sha256: await sha256File(resolve(folder.work, f.file)) };
  const { train, val } = trainVal(Object.keys(fields.files));
  const out: ExportManifest = {
    format: 'gad-data-export',
    version: 1,
    tool: { name: 'gad-data', version: VERSION },
    kind: fields.kind,
    trainer: fields.trainer,
    build: {
      dir: relative(s.out, s.build.dir) || '.',
      manifestSha256: s.build.manifestSha256,
      target: m.target,
      model: {
        name: m.model.name,
        family: m.model.family,
        patchSize: m.model.patchSize,
        tokenizerSha256: m.model.tokenizerSha256,
        chatTemplateSha256: m.model.chatTemplateSha256,
      },
    },
    files,
    trainSplit: train,
    valSplit: val,
    maxLength: fields.maxLength,
    recommendedMaxLength: fields.report.recommendation.maxLength,
    images: {
      root: '.',
      count: fields.images.count,
      resizedByTrainer: fields.images.resized,
      atGadSize: fields.images.atGadSize,
      linked: folder.imageFiles.linked,
      settings: s.counter.images,
    },
    ending: fields.ending,
    dropped: fields.report.drops,
    notes: fields.notes,
    written: [...new Set([...(await folder.written()), 'export.json', 'report.json'])].sort(),
  };
  if (fields.datasetInfo) out.datasetInfo = fields.datasetInfo;
  if (fields.student) out.student = fields.student;
  await folder.json('export.json', out);
  await folder.json('report.json', fields.report);
  return out;
}

/**
 * Refuse an export folder that is (or holds) the build, or lies in the build's shard folder. (What the folder
 * may already hold is checked under the export's lock: export-ownership.ts.)
 */
function checkOutFolder(out: string, buildDir: string): void {
  const within = (a: string, b: string) => a === b || a.startsWith(b + sep);
  if (within(buildDir, out))
    throw new GadError(`--out ${out} is the build folder or holds it`, {
      hint: 'write the export to its own folder (the default is inside the build)',
    });
  if (within(out, join(buildDir, 'data')))
    throw new GadError(`--out ${out} is inside the build's data/ folder (the trainers read every file there)`, {
      hint: 'choose another folder',
    });
}

/** Default --max-length: what the GAD run admits (the build's max prompt + max response length). */
export function defaultMaxLength(s: RecipeSession): number {
  const l = s.build.manifest.limits;
  return l.maxPromptLength + l.maxResponseLength;
}

/** What an export returns: its folder, its export.json and its report. */
export interface ExportResult {
  out: string;
  manifest: ExportManifest;
  report: RecipeReport;
  /** What to tell the user besides the report (a stale lock taken over). */
  notices: string[];
  /**
   * Images at the GAD stage's size taken from an earlier export's file (checked against the sha256 it recorded)
   * instead of computed again (gad-size-record.ts).
   */
  gadSizeReused: number;
}

/** LLaMA-Factory's dataset_info.json entries, one dataset per split file. */
export function datasetInfo(
  kind: 'sft' | 'rm',
  files: Record<string, string>,
): { info: Record<string, unknown>; names: Record<string, string> } {
  const info: Record<string, unknown> = {};
  const names: Record<string, string> = {};
  for (const [split, file] of Object.entries(files)) {
    const name = `gad_${kind}_${split}`;
    names[split] = name;
    info[name] =
      kind === 'sft'
        ? { file_name: file, formatting: 'sharegpt', columns: { messages: 'conversations', images: 'images' } }
        : {
            file_name: file,
            formatting: 'sharegpt',
            ranking: true,
            columns: { messages: 'conversations', chosen: 'chosen', rejected: 'rejected', images: 'images' },
          };
  }
  return { info, names };
}

/** One jsonl file per split of the build, each created (empty splits too), with its row count. */
export function splitFiles(s: RecipeSession, folder: ExportFolder): Record<string, { file: string; rows: number }> {
  const files: Record<string, { file: string; rows: number }> = {};
  for (const split of s.build.splits) {
    files[split] = { file: `${split}.jsonl`, rows: 0 };
    folder.touch(files[split].file);
  }
  return files;
}

/**
 * The end of every export: dropped.jsonl (even empty), the note on images the trainer will resize,
 * LLaMA-Factory's dataset_info.json (sft and rm), report.json and export.json, then the atomic commit.
 */
export async function finishExport(
  s: RecipeSession,
  folder: ExportFolder,
  lengths: LengthCollector,
  fields: Omit<Parameters<typeof exportManifest>[2], 'report' | 'datasetInfo'>,
): Promise<ExportResult> {
  folder.touch('dropped.jsonl');
  const notes = [...fields.notes];
  if (fields.images.atGadSize) {
    notes.push(
      `${fields.images.atGadSize} image(s) written at the size the GAD stage's processor gives (the build's lengths.jsonl resized), not as stored: ${fields.trainer} resizes differently from verl (qwen-vl-utils' default bounds, then the processor) and would see them at another grid`,
    );
  }
  if (fields.images.resized) {
    notes.push(
      `${fields.images.resized} image(s) would be resized by ${fields.trainer} with the recorded image settings: their counts are the trainer's`,
    );
  }
  notes.push(...emptySplitNotes(s, fields.files));
  let names: Record<string, string> | undefined;
  if (fields.trainer === 'llamafactory' && (fields.kind === 'sft' || fields.kind === 'rm')) {
    const d = datasetInfo(fields.kind, Object.fromEntries(Object.entries(fields.files).map(([k, v]) => [k, v.file])));
    await folder.json('dataset_info.json', d.info);
    names = d.names;
  }
  const report = lengths.report({
    kind: fields.kind,
    trainer: fields.trainer,
    maxLength: fields.maxLength,
    splits: s.build.splits,
    notes,
  });
  refuseAllDropped(s, fields, report);
  const manifest = await exportManifest(s, folder, {
    ...fields,
    notes,
    report,
    ...(names ? { datasetInfo: names } : {}),
  });
  await folder.commit();
  return { out: s.out, manifest, report, notices: folder.notices, gadSizeReused: folder.gadSized.reused };
}

/**
 * A split written with no rows is said, with why: the build already had none (its drops), or this export dropped
 * them all (dropped.jsonl). The file is still written (a trainer given the split finds it), but never silently.
 */
function emptySplitNotes(s: RecipeSession, files: Record<string, { file: string; rows: number }>): string[] {
  const notes: string[] = [];
  for (const [split, f] of Object.entries(files)) {
    if (f.rows > 0) continue;
    const built = s.build.manifest.splits[split];
    if (built && built.rowsOut === 0) {
      const why = Object.entries(built.dropped)
        .map(([r, n]) => `${r} ${n}`)
        .join(', ');
      notes.push(
        `split '${split}' is EMPTY: the build kept 0 of its ${built.rowsIn} row(s)${why ? ` (${why}; see the build's dropped.jsonl)` : ''}, so ${f.file} has no rows; fix the input and rebuild, or leave this split out of training`,
      );
    } else {
      notes.push(
        `split '${split}' is EMPTY: this export dropped all ${built?.rowsOut ?? 'its'} row(s) of it (see dropped.jsonl), so ${f.file} has no rows`,
      );
    }
  }
  return notes;
}

/** What to do when every row was dropped for `reason`. */
const ALL_DROPPED_HINT: Record<string, string> = {
  no_student_response:
    "the student file's ids must be the build's row ids: sample from `gad-data export prompts` (each line carries its id; swift infer needs --remove_unused_columns false to keep it)",
  too_long: 'raise --max-length (the report above shows the lengths)',
  student_equals_teacher: 'the student answers equal the teacher answers: sample them from the warmed generator',
  empty_response: 'the answers are empty: check the student file or the teacher responses of the build',
  multi_turn_prompt:
    'every prompt has earlier assistant turns: export sft writes a system turn and one user turn; build the warmup set from single-round rows, or train ms-swift / LLaMA-Factory on the input conversations themselves',
};

/**
 * An export that drops every row is an error (exit 1): nothing is written and the previous export stays, since
 * an empty export in its place would let a training run start on nothing.
 */
function refuseAllDropped(
  s: RecipeSession,
  fields: { kind: ExportManifest['kind']; files: Record<string, { rows: number }> },
  report: RecipeReport,
): void {
  const written = Object.values(fields.files).reduce((a, f) => a + f.rows, 0);
  const reasons = Object.entries(report.drops).sort((a, b) => b[1] - a[1]);
  const dropped = reasons.reduce((a, [, n]) => a + n, 0);
  if (written > 0 || dropped === 0) return;
  const what = fields.kind === 'rm' ? 'pair(s)' : 'row(s)';
  throw new GadError(
    `export ${fields.kind}: all ${dropped} ${what} were dropped (${reasons.map(([r, n]) => `${r} ${n}`).join(', ')}); nothing was written, ${s.out} is left as it was`,
    { hint: ALL_DROPPED_HINT[reasons[0]![0]] ?? 'see the drop reasons above', exitCode: 1 },
  );
}
