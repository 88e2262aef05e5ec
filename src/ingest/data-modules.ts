/** Which `datasets` module (`parquet`, `json`, …) reads a list of data files, from their extensions. */
import { escapeRe } from './data-glob.js';

/** datasets' `_EXTENSION_TO_MODULE` for the formats that matter here; other data extensions map to `other`. */
const EXTENSION_TO_MODULE: Record<string, string> = {
  '.parquet': 'parquet',
  '.geoparquet': 'parquet',
  '.gpq': 'parquet',
  '.json': 'json',
  '.jsonl': 'json',
  '.ndjson': 'json',
  '.csv': 'csv',
  '.tsv': 'csv',
  '.arrow': 'arrow',
  '.txt': 'text',
  '.conll': 'conll',
  '.conllu': 'conll',
  '.tar': 'webdataset',
  '.xml': 'xml',
  '.hdf5': 'hdf5',
  '.h5': 'hdf5',
  '.eval': 'eval',
  '.lance': 'lance',
  '.tsfile': 'tsfile',
  ...Object.fromEntries(
    [
      '.png',
      '.jpg',
      '.jpeg',
      '.gif',
      '.bmp',
      '.webp',
      '.tif',
      '.tiff',
      '.ico',
      '.jp2',
      '.j2k',
      '.ppm',
      '.pgm',
      '.pbm',
      '.avif',
      '.heic',
    ].flatMap((e) => [
      [e, 'imagefolder'],
      [e.toUpperCase(), 'imagefolder'],
    ]),
  ),
  ...Object.fromEntries(
    ['.wav', '.mp3', '.flac', '.ogg', '.opus', '.m4a'].flatMap((e) => [
      [e, 'audiofolder'],
      [e.toUpperCase(), 'audiofolder'],
    ]),
  ),
  ...Object.fromEntries(
    ['.mp4', '.avi', '.mkv', '.mov', '.webm'].flatMap((e) => [
      [e, 'videofolder'],
      [e.toUpperCase(), 'videofolder'],
    ]),
  ),
  '.pdf': 'pdffolder',
};
export const ALLOWED_EXTENSIONS = new Set([...Object.keys(EXTENSION_TO_MODULE), '.zip']);

/** datasets' `infer_module_for_data_files_list`: the module of the most common extension (parquet wins a draw). */
export function inferModule(files: readonly string[]): string | null {
  const counts = new Map<string, number>();
  for (const f of files) {
    for (const s of (f.split('/').pop() ?? '').split('.').slice(1)) {
      const e = `.${s.toLowerCase()}`;
      counts.set(e, (counts.get(e) ?? 0) + 1);
    }
  }
  const prefer = ['.parquet', '.lance', '.arrow', '.jsonl', '.json', '.csv'];
  const sorted = [...counts.entries()].sort((a, b) => {
    if (a[1] !== b[1]) return b[1] - a[1];
    for (const p of prefer) if ((a[0] === p) !== (b[0] === p)) return a[0] === p ? -1 : 1;
    return a[0] < b[0] ? 1 : a[0] > b[0] ? -1 : 0;
  });
  for (const [e] of sorted) {
    if (EXTENSION_TO_MODULE[e]) return EXTENSION_TO_MODULE[e]!;
    if (e === '.zip') return 'other';
  }
  return null;
}

export function moduleFilter(module: string): (f: string) => boolean {
  const exts = [
    ...Object.entries(EXTENSION_TO_MODULE)
      .filter(([, m]) => m === module)
      .map(([e]) => e),
    '.zip',
  ];
  const re = new RegExp(`.*(${exts.map(escapeRe).join('|')})(\\..+)?$`);
  return (f) => re.test(f);
}
