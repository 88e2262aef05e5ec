/**
 * One part of a partitioned build: formats only the rows that hash to it, writes them as a normal build would
 * (shards, lengths, drops, report of its rows), and records in `gad-data-part/` what the merge needs to make the
 * whole dataset as one machine would: every formatted row before the filters (rows.bin, in input order, with
 * its dedupe-relevant content and where it sits in the part's shards) and part.json (which part, the settings
 * hash, the resolved config).
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { sha256 } from '../core/hash.js';
import type { Manifest, Sample } from '../core/types.js';
import type { ResolvedConfig } from '../config/config.js';
import type { RowHook } from '../pipeline/row-hook.js';
import { FrameWriter } from './frames.js';
import { encodeSample, type RowFrame } from './part-rows.js';
import { partOfRow, type Partition } from './part-spec.js';
import { VERSION } from '../core/version.js';

export const PART_DIR = 'gad-data-part';
export const PART_FILE = 'part.json';
export const ROWS_FILE = 'rows.bin';
export const PART_FORMAT = 'gad-data-part/2';

/** gad-data-part/part.json */
export interface PartInfo {
  format: typeof PART_FORMAT;
  tool: { name: 'gad-data'; version: string };
  index: number;
  count: number;
  settingsHash: string;
  /** Folder the part ran in (paths in the output are shown relative to it; the merge must run there too). */
  cwd: string;
  /** The resolved config of the build (hub token left out), for the merge to run the same build. */
  config: ResolvedConfig;
  /** The image column of the shards (read back by the merge). */
  imageKey: string;
  /** Rows of each input split read, and those of this part. */
  rows: { seen: number[]; taken: number };
}

export class PartRecorder implements RowHook {
  private writer: FrameWriter | null = null;
  private settingsHash = '';
  private readonly seq: number[] = [];
  private taken = 0;
  private readonly pos = new WeakMap<Sample, { loop: number; seq: number }>();
  private readonly keptBySplit = new Map<string, number>();
  private pending: { sample: Sample; body: Uint8Array; imageSha256: string[] } | null = null;

  constructor(
    readonly part: Partition,
    private readonly cfg: ResolvedConfig,
  ) {}

  async begin(info: { settingsHash: string; workDir: string; resumed: boolean }): Promise<void> {
    // (The CLI refuses --resume for a part: rows replayed from a journal would be missing from rows.bin.)
    if (info.resumed) throw new Error('a partitioned build cannot resume');
    this.settingsHash = info.settingsHash;
    await mkdir(join(info.workDir, PART_DIR), { recursive: true });
    this.writer = new FrameWriter(join(info.workDir, PART_DIR, ROWS_FILE));
  }

  take(loop: number, sample: Sample): boolean {
    const seq = (this.seq[loop] = (this.seq[loop] ?? -1) + 1);
    if (partOfRow(sample.id, this.part.count) !== this.part.index) return false;
    this.taken++;
    this.pos.set(sample, { loop, seq });
    return true;
  }

  formatted(sample: Sample): void {
    const imageSha256 = (sample.formatted?.images ?? []).map((im) => sha256(im.bytes));
    this.pending = { sample, body: encodeSample(sample), imageSha256 };
  }

  async booked(sample: Sample, kept: boolean): Promise<void> {
    const p = this.pending;
    const at = this.pos.get(sample);
    if (!p || p.sample !== sample || !at)
      throw new Error(`partition: row ${sample.id} was booked without being recorded`);
    this.pending = null;
    let ordinal = -1;
    if (kept) {
      ordinal = this.keptBySplit.get(sample.split) ?? 0;
      this.keptBySplit.set(sample.split, ordinal + 1);
    }
    const frame: RowFrame = {
      loop: at.loop,
      seq: at.seq,
      id: sample.id,
      split: sample.split,
      kept: ordinal,
      body: p.body,
      imageSha256: p.imageSha256,
    };
    await this.writer!.write(frame);
  }

  async finish(workDir: string, manifest: Manifest): Promise<void> {
    await this.writer!.close();
    this.writer = null;
    const { hub, ...rest } = this.cfg;
    const info: PartInfo = {
      format: PART_FORMAT,
      tool: { name: 'gad-data', version: VERSION },
      index: this.part.index,
      count: this.part.count,
      settingsHash: this.settingsHash,
      cwd: process.cwd(),
      config: { ...rest, hub: { ...hub, token: null } } as ResolvedConfig,
      imageKey: manifest.columns.images,
      rows: { seen: this.seq.map((s) => s + 1), taken: this.taken },
    };
    await writeFile(join(workDir, PART_DIR, PART_FILE), `${JSON.stringify(info, null, 2)}\n`);
  }

  async abort(): Promise<void> {
    await this.writer?.close().catch(() => undefined);
    this.writer = null;
  }
}
