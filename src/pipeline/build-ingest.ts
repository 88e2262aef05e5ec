/**
 * The `ingest` step, the source of a build's rows: opens the input splits (train, and test from data.val_files)
 * with the configured columns, the teacher file and the Hub settings, reporting downloads as progress. Also the
 * sources as the manifest records them and the scrubbing of machine paths from drop details.
 */
import { resolve } from 'node:path';
import { GadError } from '../core/errors.js';
import { createPathScrubber, displayPath, pathRoots } from '../core/paths.js';
import type { ProgressSink } from '../core/progress.js';
import type { Manifest } from '../core/types.js';
import type { ResolvedConfig } from '../config/config.js';
import { openIngest, type IngestOptions } from '../ingest/ingest.js';
import type { DropRecord } from '../rules/filter-chain.js';

export interface BuildIngest {
  ingest: Awaited<ReturnType<typeof openIngest>>;
  /** The input splits, in order. */
  inputs: IngestOptions['splits'];
  /** The sources as the manifest records them (local paths as displayed). */
  sources: Manifest['sources'];
  /** A drop as written to dropped.jsonl: absolute paths in its details made relative to their source folder. */
  publicDrop: (d: DropRecord) => DropRecord;
}

export async function openBuildIngest(
  cfg: ResolvedConfig,
  log: { progress: ProgressSink; warn: (message: string) => void },
): Promise<BuildIngest> {
  const { progress, warn } = log;
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
      teacher: cfg.teacher?.column ?? undefined,
    },
    imageDir: cfg.data.image_dir ?? undefined,
    imagePlacement: cfg.image_placement,
    allowOutsidePaths: cfg.allow_outside_paths,
    cwd: cfg.baseDir,
    teacher: cfg.teacher?.file
      ? {
          file: cfg.teacher.file,
          idKey: cfg.teacher.id_key ?? undefined,
          splitKey: cfg.teacher.split_key,
          responseKey: cfg.teacher.response_key ?? undefined,
        }
      : undefined,
    hub: {
      revision: cfg.hub.revision ?? undefined,
      endpoint: cfg.hub.endpoint ?? undefined,
      cacheDir: cfg.hub.cache_dir ?? undefined,
      offline: cfg.hub.offline ?? undefined,
      token: cfg.hub.token ?? undefined,
      timeout: cfg.hub.timeout ?? undefined,
      maxAnswerMb: cfg.hub.max_answer_mb,
      maxPages: cfg.hub.max_pages,
      tokenHosts: cfg.hub.token_hosts,
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
    inputFormat: cfg.input_format,
    onInputFormat: (line) => progress.log(line),
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
  return { ingest, inputs: splitsIn, sources, publicDrop };
}
