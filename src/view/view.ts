/**
 * `gad-data view`: a local, read-only viewer of a build folder or of parquet files made by others. Starts the
 * server and returns its URL (with the session token); the rows are read lazily from the shards.
 */
import { existsSync, statSync } from 'node:fs';
import { usageError } from '../core/errors.js';
import { loadViewModel, type ViewModel } from './model.js';
import { startServer, type ViewServer } from './server.js';
import { openBuild, openFiles } from './source.js';

export type { ViewServer } from './server.js';

/** When the jsonl files are indexed to the end without a request asking for it (after the first page). */
const BACKGROUND_AFTER_MS = 1000;

export interface ViewOptions {
  /** A build folder, or parquet files. */
  paths: string[];
  /** Port to listen on (default: a free one). Always on 127.0.0.1. */
  port?: number;
  /** The model to render prompts with (default: the build's; `qwen3-vl` for files). */
  model?: string;
  /** The format prompt of an EasyR1 problem column (files only). */
  formatPrompt?: string;
  promptKey?: string;
  imageKey?: string;
  /** The limit marked in prompts of files (a build's own limit otherwise). */
  maxPromptLength?: number;
}

/** Opens the build folder or files and starts the viewer on 127.0.0.1. */
export async function view(opts: ViewOptions): Promise<ViewServer & { kind: 'build' | 'files'; rows: number }> {
  const paths = opts.paths.length ? opts.paths : ['gad-data-out'];
  const [first] = paths;
  const dir =
    paths.length === 1 && first !== undefined && existsSync(first) && statSync(first).isDirectory() ? first : null;
  const isDir = dir !== null;
  if (!isDir && !paths.every((p) => p.endsWith('.parquet') || (existsSync(p) && statSync(p).isFile())))
    throw usageError(
      `${paths.join(' ')}: not a build folder nor parquet files`,
      'gad-data view [OUT] | gad-data view FILE.parquet...',
    );
  const src = dir !== null ? openBuild(dir) : await openFiles(paths, opts);
  let model: Promise<ViewModel> | null = null;
  const server = await startServer({
    src,
    model: () => (model ??= loadViewModel(src, opts)),
    modelName: opts.model ?? 'qwen3-vl',
    port: opts.port,
  });
  // lengths.jsonl and dropped.jsonl are read as far as the first page needs; the rest once it is out
  const later = setTimeout(() => {
    src.lengths?.background();
    src.dropped?.background();
  }, BACKGROUND_AFTER_MS);
  later.unref();
  const close = () => {
    clearTimeout(later);
    return server.close();
  };
  return { ...server, close, kind: src.kind, rows: src.splits.reduce((a, s) => a + s.rows, 0) };
}
