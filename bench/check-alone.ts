/**
 * The build's one required per-image cost, alone: read each row's image file and run the PNG check that every
 * passed-through PNG gets (src/images/png-check.ts: each chunk whole with a correct CRC, the full inflate of the
 * image data, each row's filter byte) — no hash, no token counts, no parquet, no report. The pyarrow floor
 * (bench/floor.ts) never decodes an image; this is the part of a build that no writer can make cheaper, timed beside
 * the build and the floor by bench/geometry-floor.ts and bench/distinct.ts.
 *
 * Run as a child: `node check-alone.js train.jsonl images/` (rows with an `images` list of file names, as the
 * benchmark sets have). Prints the number of images the check found whole; exits 1, with the reason in one line,
 * when any was not or a file cannot be read.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { checkPng } from '../src/images/png-check.js';

/** The argv (after node's own) that runs this script on `train` and `images` from the current process. */
export function checkAloneArgs(train: string, images: string): string[] {
  const self = fileURLToPath(import.meta.url);
  return [...process.execArgv, self, train, images];
}

function main(train: string, images: string): void {
  let whole = 0;
  let rows = 0;
  for (const line of readFileSync(train, 'utf8').split('\n')) {
    if (!line) continue;
    rows++;
    const names = (JSON.parse(line) as { images: string[] }).images;
    for (const name of names) {
      const c = checkPng(readFileSync(join(images, name)));
      if (c?.ok) whole++;
      else throw new Error(`check-alone: ${name} (row ${rows}) did not pass the PNG check`);
    }
  }
  console.log(whole);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  try {
    main(process.argv[2]!, process.argv[3]!);
  } catch (e) {
    // one line, not a stack: a missing image, a row that is not JSON, an image that fails the check
    process.stderr.write(`check-alone: ${e instanceof Error ? e.message : String(e)}\n`);
    process.exitCode = 1;
  }
}
