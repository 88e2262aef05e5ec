/**
 * The writing half of a recipe export's row loop, shared by `export sft`, `export rm` and `export prompts`: the
 * export folder (abandoned on any error), a dropped row (dropped.jsonl and the length report), a written row (its
 * images, its line in the split's file, lengths.jsonl, the length report), and the end (finishExport).
 */
import { dirname, resolve } from 'node:path';
import { GadError, environmentError, environmentErrorCode } from '../core/errors.js';
import type { BuildRow } from './build-rows.js';
import { type ExportResult, type RecipeSession, defaultMaxLength, finishExport, splitFiles } from './common.js';
import { ExportFolder } from './export-folder.js';
import { firstRowsNeedGadSize } from './gad-size-ahead.js';
import { type CountedImage, writeRowImages } from './row-images.js';
import { LengthCollector } from './recipe-report.js';

/** --max-length as given, else the build's (max prompt + max response length); a positive whole number. */
export function recipeMaxLength(s: RecipeSession, given: number | undefined): number {
  const maxLength = given ?? defaultMaxLength(s);
  if (!(Number.isInteger(maxLength) && maxLength > 0))
    throw new GadError(`--max-length must be a positive whole number, got ${maxLength}`);
  return maxLength;
}

/** Open the export's folder and fill it with `body`; on any error the folder is abandoned (nothing is committed). */
export async function inExportFolder<T>(s: RecipeSession, body: (folder: ExportFolder) => Promise<T>): Promise<T> {
  const out = s.out;
  // A full disk or a missing permission names the export's own folder (a write error often carries no path: it
  // used to name the current folder, on another disk).
  const onDisk = (e: unknown, where: string) =>
    !(e instanceof GadError) && environmentErrorCode(e)
      ? environmentError(e, { doing: `cannot write the export ${resolve(out)}`, where })
      : e;
  let folder: ExportFolder;
  try {
    folder = await ExportFolder.open(out, {
      writes: [
        ...s.build.splits.map((split) => `${split}.jsonl`),
        ...(s.counter.trainer === 'llamafactory' ? ['dataset_info.json'] : []),
      ],
      copyImages: s.copyImages,
      build: { dir: s.build.dir, manifestSha256: s.build.manifestSha256 },
    });
  } catch (e) {
    throw onDisk(e, dirname(resolve(out)));
  }
  try {
    // (the worker that computes GAD-size images starts now when the first rows will want it, unless an earlier
    // export of the build recorded its GAD-size files, which this one then links instead)
    if (folder.gadSized.recorded === 0 && firstRowsNeedGadSize(s.build.dir, (w, h) => gridOf(s, w, h)))
      (await import('./gad-size-pool.js')).warmGadSizeWorkers();
    return await body(folder);
  } catch (e) {
    await folder.abort().catch(() => undefined);
    throw onDisk(e, folder.work);
  }
}

/** The warmup trainer's [w, h] for a stored image of `width`×`height`, null when it cannot resize it. */
function gridOf(s: RecipeSession, width: number, height: number): [number, number] | null {
  const r = s.counter.grid(width, height);
  return r.ok ? r.resized : null;
}

/** A row left out: the reason, its detail, the measured value and its limit, the value the length report counts. */
export interface RowDrop {
  reason: string;
  detail: string;
  value?: number | null;
  limit?: number | null;
  basis?: number;
}

/** A row written: its line (given its images' paths), its lengths.jsonl fields, its values per report series. */
export interface RowKept {
  line: (images: string[]) => Record<string, unknown>;
  lengthFields: Record<string, number>;
  lengths: Record<string, number>;
}

/** The rows of one export: one file per split, dropped.jsonl, lengths.jsonl, the length report, the image counts. */
export class RecipeRows {
  readonly lengths: LengthCollector;
  readonly files: Record<string, { file: string; rows: number }>;
  private images = 0;
  private resized = 0;
  private atGadSize = 0;

  constructor(
    private readonly s: RecipeSession,
    private readonly folder: ExportFolder,
    series: string[],
    basis: string,
  ) {
    this.lengths = new LengthCollector(series, basis);
    this.files = splitFiles(s, folder);
  }

  drop(row: BuildRow, d: RowDrop): void {
    const { reason, detail } = d;
    this.folder.line('dropped.jsonl', {
      split: row.split,
      id: row.id,
      reason,
      detail,
      value: d.value ?? null,
      limit: d.limit ?? null,
    });
    this.lengths.drop(row.split, reason, d.basis);
  }

  async write(row: BuildRow, counted: CountedImage[], kept: RowKept): Promise<void> {
    const paths = await writeRowImages(this.folder, row, counted);
    this.images += paths.length;
    this.resized += counted.filter((c) => c.resized).length;
    this.atGadSize += counted.filter((c) => c.bytes).length;
    const f = this.files[row.split]!;
    this.folder.line(f.file, kept.line(paths));
    this.folder.line('lengths.jsonl', {
      split: row.split,
      line: f.rows,
      id: row.id,
      ...kept.lengthFields,
      // The size the trainer's processor gets, per image (the build's lengths.jsonl `resized`: the GAD stage's).
      image_sizes: counted.map((c) => c.processed),
    });
    f.rows++;
    this.lengths.keep(row.split, kept.lengths);
  }

  /** dropped.jsonl, report.json, export.json (and LLaMA-Factory's dataset_info.json), then the commit. */
  finish(fields: Omit<Parameters<typeof finishExport>[3], 'files' | 'images'>): Promise<ExportResult> {
    const images = { count: this.images, resized: this.resized, atGadSize: this.atGadSize };
    return finishExport(this.s, this.folder, this.lengths, { ...fields, files: this.files, images });
  }
}
