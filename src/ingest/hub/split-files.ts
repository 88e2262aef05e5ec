/** The local files of one split of a Hub dataset, as `resolveHubSplit` hands them to ingest. */
import type { ResolvedLayout } from '../data-files.js';
import { CONVERTED_PARQUET_REVISION } from './converted.js';

export interface HubSplitFiles {
  repo: string;
  /** The revision asked for (`main`, a tag, or `refs/convert/parquet` when the converted branch was used). */
  revision: string;
  commit: string;
  /**
   * Local snapshot paths, in repo path order; `sha256` when this run downloaded the file and checked its bytes
   * against its LFS id (a file already in the cache has none: its bytes are hashed where they are used).
   */
  files: Array<{ repoPath: string; localPath: string; bytes: number; sha256?: string }>;
  /** true when the files came from the `refs/convert/parquet` branch. */
  converted: boolean;
  /** The dataset config the split belongs to (`default` when the card declares none). */
  config: string;
  /** The split's files came from the card's `configs:` (`card`), the file-name conventions, or the converted branch. */
  layout: 'card' | 'conventions' | 'converted';
}

/** Use the repo's own files when they are parquet and hold data; else the converted branch. */
export function ownFilesUsable(layout: ResolvedLayout): boolean {
  return layout.module === 'parquet' && [...layout.splits.values()].some((l) => l.length > 0);
}

/** The split read from the repo's own files at `revision` (layout from the card or the file-name conventions). */
export function ownSplitFiles(p: {
  repo: string;
  revision: string;
  commit: string;
  layout: ResolvedLayout;
  files: HubSplitFiles['files'];
}): HubSplitFiles {
  return {
    repo: p.repo,
    revision: p.revision,
    commit: p.commit,
    converted: false,
    config: p.layout.config,
    layout: p.layout.from,
    files: p.files,
  };
}

/** The split read from the converted branch: its config is the first folder of the chosen paths. */
export function convertedSplitFiles(p: {
  repo: string;
  commit: string;
  chosen: string[];
  files: HubSplitFiles['files'];
}): HubSplitFiles {
  return {
    repo: p.repo,
    revision: CONVERTED_PARQUET_REVISION,
    commit: p.commit,
    converted: true,
    config: p.chosen[0]!.split('/')[0]!,
    layout: 'converted',
    files: p.files,
  };
}
