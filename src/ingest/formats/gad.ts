/** gad-data's own columns (verl / EasyR1 parquet and jsonl): the prompt cell as is, the teacher column when set. */
import { asText } from '../prompt.js';
import type { InputFormat } from './input-format.js';

export const gadFormat: InputFormat = {
  name: 'gad',
  describe:
    'verl / EasyR1 columns: a prompt (text or message list), images, answer; teacher from --teacher or --teacher-column',
  detect: () => true,
  columns: () => ({}),
  consumed: [],
  read(row, cols) {
    const prompt = row[cols.prompt];
    if (!cols.teacher) return { prompt };
    const t = asText(row[cols.teacher]);
    return { prompt, teacher: typeof t === 'string' ? t : null };
  },
};
