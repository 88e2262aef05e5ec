/**
 * The input-format table: each format a reader of one file (formats/*.ts) that turns a row into the prompt cell
 * and teacher response of the `Sample` the build uses. `input_format: auto` takes the first entry whose `detect`
 * matches the first input file's columns (`gad` matches everything, so it is last).
 */
import { GadError } from '../../core/errors.js';
import { gadFormat } from './gad.js';
import { llamaFactoryFormat } from './llamafactory.js';
import { msSwiftFormat } from './ms-swift.js';
import type { InputFormat } from './types.js';

export type { FormatRow, InputFormat } from './types.js';

/** The formats in detection order (`gad` matches every file, so it is last); the config key lists their names. */
export const INPUT_FORMATS: readonly InputFormat[] = [msSwiftFormat, llamaFactoryFormat, gadFormat];

/** The names of the input formats, in detection order; `auto` detects. */
export const INPUT_FORMAT_NAMES: readonly string[] = INPUT_FORMATS.map((f) => f.name);

/** The chosen format and how: named by the config, or detected from the columns. */
export interface ChosenFormat {
  format: InputFormat;
  /** The line printed first: `input format: NAME (why)`. */
  line: string;
}

export function chooseInputFormat(p: { requested: string; have: readonly string[]; where: string }): ChosenFormat {
  if (p.requested !== 'auto') {
    const format = INPUT_FORMATS.find((f) => f.name === p.requested);
    if (!format)
      throw new GadError(`unknown input format '${p.requested}'`, {
        hint: `use auto or one of: ${INPUT_FORMAT_NAMES.join(', ')}`,
        exitCode: 2,
      });
    return { format, line: `input format: ${format.name} (--input-format)` };
  }
  const format = INPUT_FORMATS.find((f) => f.detect(p.have))!;
  return {
    format,
    line: `input format: ${format.name} (detected from the columns of ${p.where}: ${p.have.join(', ')}; --input-format to choose)`,
  };
}
