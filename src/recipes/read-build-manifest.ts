/**
 * A finished build's manifest.json read back as JSON, for the recipe exports and for `train` (each checks the
 * fields it needs itself): a missing file or broken JSON is a GadError that says which folder to give.
 */
import { readFile } from 'node:fs/promises';
import { GadError, describeError } from '../core/errors.js';
import type { Manifest } from '../core/types.js';

/** Parse `file` (OUT/manifest.json); `flag` is the option naming the build folder (`--from`, `--data`). */
export async function readManifestJson(file: string, flag: string): Promise<Manifest> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch {
    throw new GadError(`no build manifest at ${file}`, {
      hint: `point ${flag} at the output folder of \`gad-data build\` (the one holding manifest.json and data/)`,
    });
  }
  try {
    return JSON.parse(text) as Manifest;
  } catch (e) {
    throw new GadError(`${file} is not valid JSON (${describeError(e)})`, {
      hint: 'rebuild the data with `gad-data build`',
    });
  }
}
