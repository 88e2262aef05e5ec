/**
 * The input-format table: each format a reader of one file (formats/*.ts) that turns a row into the prompt cell
 * and teacher response of the `Sample` the build uses. `input_format: auto` takes the first entry whose `detect`
 * matches the first input file's columns (`gad` matches everything, so it is last).
 */
import { GadError } from '../../core/errors.js';
import { dataJuicerFormat } from './data-juicer.js';
import type { DatasetEntry } from './dataset-info.js';
import { gadFormat } from './gad.js';
import { entryFormat } from './llamafactory-entry.js';
import { llamaFactoryFormat } from './llamafactory.js';
import { msSwiftFormat } from './ms-swift.js';
import type { InputFormat } from './input-format.js';

export type { FormatRow, InputFormat } from './input-format.js';

/** The formats in detection order (`gad` matches every file, so it is last); the config key lists their names. */
export const INPUT_FORMATS: readonly InputFormat[] = [msSwiftFormat, llamaFactoryFormat, dataJuicerFormat, gadFormat];

/** The names of the input formats, in detection order; `auto` detects. */
export const INPUT_FORMAT_NAMES: readonly string[] = INPUT_FORMATS.map((f) => f.name);

/** The chosen format and how: named by the config, or detected from the columns. */
export interface ChosenFormat {
  format: InputFormat;
  /** The line printed first: `input format: NAME (why)`. */
  line: string;
}

export function chooseInputFormat(p: {
  requested: string;
  have: readonly string[];
  where: string;
  /** The dataset_info.json entry the sources name (dataset-info.ts): read by its own reader. */
  entry?: DatasetEntry | null;
}): ChosenFormat {
  if (p.entry) return entryChoice(p.entry, p.requested);
  if (p.requested !== 'auto') {
    const format = INPUT_FORMATS.find((f) => f.name === p.requested);
    if (!format)
      throw new GadError(`unknown input format '${p.requested}'`, {
        hint: `use auto or one of: ${INPUT_FORMAT_NAMES.join(', ')}`,
        exitCode: 2,
      });
    return { format, line: `input format: ${format.name} (--input-format)${noteOf(format)}` };
  }
  const format = INPUT_FORMATS.find((f) => f.detect(p.have))!;
  return {
    format,
    line: `input format: ${format.name} (detected from the columns of ${p.where}: ${p.have.join(', ')}; --input-format to choose)${noteOf(format)}`,
  };
}

/** The format's note, on its own line under the input format line. */
function noteOf(format: InputFormat): string {
  return format.note ? `\n  ${format.note}` : '';
}

/** The reader of a dataset_info.json entry; `--input-format` may only say llamafactory (or auto). */
function entryChoice(entry: DatasetEntry, requested: string): ChosenFormat {
  if (requested !== 'auto' && requested !== 'llamafactory')
    throw new GadError(`--input-format ${requested}, but the source names the LLaMA-Factory entry '${entry.name}'`, {
      hint: 'leave --input-format at auto (or llamafactory) for a dataset_info.json entry',
      exitCode: 2,
    });
  const format = entryFormat(entry);
  return { format, line: `input format: llamafactory (entry '${entry.name}' of ${entry.infoFile})${noteOf(format)}` };
}
