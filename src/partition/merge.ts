/**
 * `gad-data merge`: the parts of a partitioned build → the one dataset a single machine would have built, byte
 * for byte. The merge runs the ordinary build over the same inputs and settings (read from the parts), in input
 * order, with one change: a row is not formatted again but taken as its part formatted it (rows.bin), with its
 * written image bytes copied from the part's shards. So everything that depends on the order or on other rows —
 * first-occurrence dedupe, the train/test leak check, the --test-ratio split, shard boundaries, ids, lengths and
 * drops, the report and manifest — is decided exactly as in a single build, and the output session (atomic
 * commit, --resume) is the build's own.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve, sep } from 'node:path';
import { GadError } from '../core/errors.js';
import { sha256 } from '../core/hash.js';
import { testHold } from '../core/test-hold.js';
import type { Manifest, Sample } from '../core/types.js';
import type { ResolvedConfig } from '../config/config.js';
import { resolveOutDir } from '../output/out-dir.js';
import { build, type BuildHooks, type BuildResult } from '../pipeline/build.js';
import type { RowHook } from '../pipeline/row-hook.js';
import { FrameReader } from './frames.js';
import { checkPartShards } from './part-check.js';
import { ShardImageCursor } from './part-images.js';
import { decodeSample, type RowFrame } from './part-rows.js';
import { PART_DIR, PART_FILE, PART_FORMAT, ROWS_FILE, type PartInfo } from './part.js';
import { partOfRow } from './part-spec.js';
import { errorMessage, must } from '../core/guards.js';

interface LoadedPart {
  dir: string;
  info: PartInfo;
  manifest: Manifest;
}

function readPart(dir: string): LoadedPart {
  const file = join(dir, PART_DIR, PART_FILE);
  if (!existsSync(file)) {
    const why = existsSync(join(dir, 'manifest.json'))
      ? 'it is a build output, but not a part of a partitioned build'
      : 'no finished part there (was its task run, and did it succeed?)';
    throw new GadError(`merge: ${dir} is not a finished part: ${why}`, {
      hint: 'give the part folders written by gad-data build --partition I/N',
      exitCode: 2,
    });
  }
  const json = <T>(f: string): T => {
    try {
      return JSON.parse(readFileSync(f, 'utf8')) as T;
    } catch (e) {
      throw new GadError(`merge: ${f} cannot be read (${errorMessage(e)})`, {
        hint: 'rebuild that part',
        exitCode: 2,
      });
    }
  };
  const info = json<PartInfo>(file);
  if (info.format !== PART_FORMAT)
    throw new GadError(
      `merge: ${dir} was written by another gad-data version (${String(info.format)}); rebuild the parts with this one`,
      { exitCode: 2 },
    );
  const manifest = json<Manifest>(join(dir, 'manifest.json'));
  checkPartShards(dir, manifest.shards ?? []);
  return { dir, info, manifest };
}

/** The part folders in `<out>.parts/` (the default place of `build --partition`). */
export function defaultParts(out: string): string[] {
  const root = `${resolve(out).replace(/\/+$/, '')}.parts`;
  if (!existsSync(root))
    throw new GadError(`merge: no parts given and ${root} does not exist`, {
      hint: 'give the part folders: gad-data merge PART... --out OUT',
      exitCode: 2,
    });
  return readdirSync(root)
    .filter((n) => /^\d+-of-\d+$/.test(n))
    .sort((a, b) => parseInt(a, 10) - parseInt(b, 10))
    .map((n) => join(root, n));
}

/** Checks that the parts are one build: same settings hash and count, every index 0..N-1 exactly once. */
export function checkParts(parts: LoadedPart[]): void {
  const [head] = parts;
  if (!head) throw new GadError('merge: no parts given', { exitCode: 2 });
  const first = head.info;
  for (const p of parts) {
    if (p.info.count !== first.count) {
      throw new GadError(
        `merge: ${p.dir} is part ${p.info.index} of ${p.info.count}, but ${head.dir} is part ${first.index} of ${first.count}: not one build`,
        { exitCode: 2 },
      );
    }
    if (p.info.settingsHash !== first.settingsHash) {
      throw new GadError(
        `merge: ${p.dir} was built with other inputs or settings than ${head.dir} (settings hash differs): not one build`,
        {
          hint: 'rebuild the parts with the same config and data (the merge needs every part of one build)',
          exitCode: 2,
        },
      );
    }
  }
  const seen = new Map<number, string>();
  for (const p of parts) {
    const was = seen.get(p.info.index);
    if (was !== undefined)
      throw new GadError(`merge: part ${p.info.index} of ${first.count} is given twice (${was} and ${p.dir})`, {
        exitCode: 2,
      });
    seen.set(p.info.index, p.dir);
  }
  const missing = Array.from({ length: first.count }, (_, i) => i).filter((i) => !seen.has(i));
  if (missing.length) {
    throw new GadError(
      `merge: part(s) ${missing.slice(0, 20).join(', ')}${missing.length > 20 ? ', ...' : ''} of ${first.count} missing`,
      {
        hint: 'run the missing tasks (gad-data build --partition I/N), then merge all N parts',
        exitCode: 2,
      },
    );
  }
}

/** Where each part's rows come from in the merge. */
class PartRows {
  readonly reader: FrameReader;
  private frame: RowFrame | undefined | null = null;
  private queue: Promise<unknown> = Promise.resolve();
  private readonly cursors = new Map<string, ShardImageCursor>();
  constructor(readonly part: LoadedPart) {
    this.reader = new FrameReader(join(part.dir, PART_DIR, ROWS_FILE));
  }

  /** The row at (loop, seq), in call order (calls come in input order). */
  get(loop: number, seq: number, id: string): Promise<Sample> {
    const run = this.queue.then(() => this.read(loop, seq, id));
    this.queue = run.catch(() => undefined);
    return run;
  }

  private async read(loop: number, seq: number, id: string): Promise<Sample> {
    for (;;) {
      if (this.frame === null) this.frame = (await this.reader.next()) as RowFrame | undefined;
      const f = this.frame;
      if (f === undefined || f.loop > loop || (f.loop === loop && f.seq > seq)) {
        throw new GadError(
          `merge: part ${this.part.info.index} (${this.part.dir}) has no record of input row ${id} (split ${loop}, row ${seq}): the inputs changed since the parts were built, or the part is incomplete`,
          {
            hint: 'rebuild the parts from the current inputs',
            exitCode: 2,
          },
        );
      }
      this.frame = null;
      if (f.loop < loop || f.seq < seq) continue; // a row a resumed merge replays from its journal
      if (f.id !== id) {
        throw new GadError(
          `merge: part ${this.part.info.index} recorded row ${f.id} where the input now has ${id} (split ${loop}, row ${seq}): the inputs changed since the parts were built`,
          { hint: 'rebuild the parts', exitCode: 2 },
        );
      }
      const sample = decodeSample(f.body);
      if (f.kept >= 0 && sample.formatted) {
        const bytes = await this.cursor(f.split).images(f.kept);
        if (bytes.length !== sample.formatted.images.length)
          throw new GadError(
            `merge: row ${id}: part ${this.part.info.index}'s shard holds ${bytes.length} image(s), its record ${sample.formatted.images.length}`,
            { exitCode: 2, hint: 'rebuild that part' },
          );
        bytes.forEach((b, i) => {
          if (sha256(b) !== f.imageSha256[i])
            throw new GadError(
              `merge: row ${id}: image ${i} in the shards of part ${this.part.info.index} (${this.part.dir}) is not the image the part wrote (sha256 differs): a shard was changed or replaced after the part was built`,
              { exitCode: 2, hint: 'rebuild that part (gad-data build --partition I/N), then merge again' },
            );
        });
        sample.formatted.images = sample.formatted.images.map((im, i) => ({
          ...im,
          bytes: must(bytes[i], `row ${id}: image ${i} read from the part's shards`),
        }));
      }
      return sample;
    }
  }

  private cursor(split: string): ShardImageCursor {
    let c = this.cursors.get(split);
    if (!c) {
      const shards = this.part.manifest.shards
        .filter((s) => s.split === split)
        .map((s) => ({ file: s.file, rows: s.rows }));
      c = new ShardImageCursor(this.part.dir, shards, this.part.info.imageKey);
      this.cursors.set(split, c);
    }
    return c;
  }
}

export class MergeSource implements RowHook {
  private readonly parts: PartRows[];
  private readonly seq: number[] = [];
  private readonly pos = new WeakMap<Sample, { loop: number; seq: number }>();

  constructor(private readonly loaded: LoadedPart[]) {
    this.parts = [...loaded].sort((a, b) => a.info.index - b.info.index).map((p) => new PartRows(p));
  }

  async begin(info: { settingsHash: string }): Promise<void> {
    const first = must(this.loaded[0], 'a merge without parts').info;
    if (info.settingsHash !== first.settingsHash) {
      const cwd = first.cwd;
      throw new GadError(
        'merge: the inputs or settings differ from those the parts were built with (settings hash differs)',
        {
          hint:
            cwd !== process.cwd()
              ? `run the merge in the folder the parts were built in (${cwd}): paths in the output are relative to it`
              : 'a data, teacher, model or prompt file changed since the parts were built: rebuild the parts',
          exitCode: 2,
        },
      );
    }
  }

  take(loop: number, sample: Sample): boolean {
    const seq = (this.seq[loop] = (this.seq[loop] ?? -1) + 1);
    this.pos.set(sample, { loop, seq });
    return true;
  }

  private asked = 0;

  async format(sample: Sample): Promise<Sample> {
    await testHold(`merge-row-${++this.asked}`); // crash tests: SIGKILL the merge mid-way
    const at = must(this.pos.get(sample), `row ${sample.id} formatted before the partition step took it`);
    const part = must(this.parts[partOfRow(sample.id, this.parts.length)], `the part of row ${sample.id}`);
    return part.get(at.loop, at.seq, sample.id);
  }

  async finish(): Promise<void> {
    await this.abort();
  }

  async abort(): Promise<void> {
    for (const p of this.parts) await p.reader.close();
  }
}

export interface MergeOptions extends Pick<BuildHooks, 'progress' | 'onWarning' | 'resume'> {
  out: string;
}

/**
 * Refuse an --out that is a part, lies inside one or inside a parts folder (`X.parts/`), or holds a part: the
 * merge would replace a part (`--out X.parts/0-of-3`, a typo for `--out X`).
 */
export function checkMergeOut(out: string, parts: string[]): void {
  const abs = resolveOutDir(out);
  const within = (a: string, b: string) => a === b || a.startsWith(b + sep);
  const inPartsFolder = abs
    .split(sep)
    .slice(0, -1)
    .findIndex((seg) => seg.endsWith('.parts'));
  const clash = parts.find((d) => within(abs, resolveOutDir(d)) || within(resolveOutDir(d), abs));
  let why: string | null = null;
  if (clash)
    why = within(abs, resolveOutDir(clash)) ? `it is (inside) the part ${clash}` : `it holds the part ${clash}`;
  else if (existsSync(join(abs, PART_DIR, PART_FILE))) why = 'it is a part of a partitioned build';
  else if (inPartsFolder >= 0)
    why = `it is inside the parts folder ${abs
      .split(sep)
      .slice(0, inPartsFolder + 1)
      .join(sep)}`;
  if (why)
    throw new GadError(`merge: --out ${out}: ${why}; the merge would replace a part`, {
      hint: `merge into the build's own folder: for parts in X.parts/, --out X`,
      exitCode: 2,
    });
}

/** Merge the parts in `dirs` into `opts.out`. */
export async function mergeParts(dirs: string[], opts: MergeOptions): Promise<BuildResult> {
  checkMergeOut(opts.out, dirs);
  const parts = dirs.map((d) => readPart(resolve(d)));
  checkParts(parts);
  const base = must(parts[0], 'checked parts without a first').info.config;
  const cfg: ResolvedConfig = {
    ...base,
    out: resolve(opts.out),
    hub: { ...base.hub, token: process.env.HF_TOKEN ?? base.hub.token ?? null },
  };
  return build(cfg, {
    progress: opts.progress,
    onWarning: opts.onWarning,
    resume: opts.resume,
    rows: new MergeSource(parts),
  });
}
