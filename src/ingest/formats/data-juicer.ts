/**
 * data-juicer's multimodal format (data_juicer/utils/mm_utils.py SpecialTokens; tools/fmt_conversion/multimodal):
 * a `text` cell with the image token `<__dj__image>` (or the `<image>` its llava converter keeps) and the chunk end
 * `<|__dj__eoc|>`, an `images` list of the paths data-juicer wrote (absolute after its formatter's rel2abs).
 * - Chunks: the text is split at every `<|__dj__eoc|>` (as its mappers and dj_to_mmc4 split it), each chunk
 *   trimmed, empty chunks (the one after the last eoc) left out, the rest joined by a newline.
 * - Dialog: a text that starts with `[[role]]: ` (what llava_to_dj writes: `[[human]]: …\n[[gpt]]: …`) is read
 *   as turns the way dj_to_llava reads them back (split at `[[role]]: `, each turn trimmed); `human` is the user,
 *   `gpt` the assistant; the last `gpt` turn is the teacher response (`--teacher-column text`) or left out of the
 *   prompt (last-turn.ts).
 * - Images: an absolute path outside image_dir / the data folder is read when data-juicer wrote that file: its name
 *   (symlinks followed) carries the `__dj_hash_#…#` mark its transfer_filename gives every file it writes.
 * data-juicer's post-tuning dialog layout (`query` / `response` / `history`) is the ms-swift query form.
 */
import { basename } from 'node:path';
import { IMAGE_TAG } from '../../core/image-tag.js';
import { splitLastTurn, type Turn } from './last-turn.js';
import { gadFormat } from './gad.js';
import { msSwiftFormat } from './ms-swift.js';
import type { InputFormat } from './input-format.js';

/** data_juicer.utils.mm_utils.SpecialTokens (DEFAULT_PREFIX `__dj__`). */
export const DJ_IMAGE = '<__dj__image>';
export const DJ_EOC = '<|__dj__eoc|>';

/** The role pattern of dj_to_llava.py: `\[\[([a-zA-Z]*?)\]\]: `. */
const ROLE = /\[\[([a-zA-Z]*?)\]\]: /;
const ROLE_OF: Record<string, string> = { human: 'user', gpt: 'assistant' };

/** The name transfer_filename (data_juicer/utils/file_utils.py) gives a file it writes: `name__dj_hash_#HASH#.ext`. */
const WRITTEN = /__dj_hash_#[^#/]*#(\.[^./]*)?$/;

export const DJ_IMAGE_RULE =
  'data-juicer image paths: an absolute path outside image_dir / the data folder is read only when data-juicer wrote the file (its name carries data-juicer\'s "__dj_hash_#…#" mark, symlinks followed); other paths follow the containment rules (docs/sources.md)';

/** The text without its chunk ends: chunks trimmed, empty ones left out, joined by a newline. */
export function withoutEoc(text: string): string {
  if (!text.includes(DJ_EOC)) return text;
  return text
    .split(DJ_EOC)
    .map((c) => c.trim())
    .filter((c) => c !== '')
    .join('\n');
}

/** The turns of a dialog text (`[[human]]: …\n[[gpt]]: …`), or null when the text does not start with a role. */
function dialogTurns(text: string): Turn[] | null {
  const parts = text.trimStart().split(new RegExp(ROLE.source));
  if (parts[0] !== '' || parts.length < 3) return null;
  const turns: Turn[] = [];
  for (let i = 1; i + 1 < parts.length; i += 2) {
    const role = parts[i];
    const content = parts[i + 1];
    if (role === undefined || content === undefined) break; // the loop's bound: never
    turns.push({ role: ROLE_OF[role] ?? role, content: content.trim() });
  }
  return turns;
}

export const dataJuicerFormat: InputFormat = {
  name: 'data-juicer',
  describe:
    'data-juicer: `text` with `<__dj__image>` and `<|__dj__eoc|>` (+ `images`), dialogs as `[[human]]: …` / `[[gpt]]: …`; the last gpt turn is the teacher response (--teacher-column text) or left out of the prompt',
  detect: (have) =>
    have.includes('text') &&
    !['prompt', 'problem', 'messages', 'conversations', 'query', 'instruction'].some((c) => have.includes(c)),
  columns: (have) => (have.includes('text') ? { prompt: 'text' } : msSwiftFormat.columns(have)),
  consumed: msSwiftFormat.consumed,
  note: DJ_IMAGE_RULE,
  acceptsImage: (realPath) => WRITTEN.test(basename(realPath)),
  read(row, cols) {
    const cell = row[cols.prompt];
    if (typeof cell !== 'string' || cols.prompt === 'query') return msSwiftFormat.read(row, cols);
    const counts: string[] = [];
    let text = cell;
    if (text.includes(DJ_EOC)) {
      text = withoutEoc(text);
      counts.push('dj_chunk_ends_removed');
    }
    if (text.includes(DJ_IMAGE)) text = text.split(DJ_IMAGE).join(IMAGE_TAG);
    // a teacher column other than `text`: read as gad-data reads it; `text` itself: the dialog's last gpt turn
    const own = cols.teacher && cols.teacher !== cols.prompt ? gadFormat.read(row, cols).teacher : undefined;
    const turns = dialogTurns(text);
    if (!turns) {
      if (own !== undefined || !cols.teacher) return { prompt: text, teacher: own, counts };
      return { prompt: text, teacher: null, counts, missing: 'the text is not a [[human]]: / [[gpt]]: dialog' };
    }
    const read = splitLastTurn({ turns, system: null, wantTeacher: !!cols.teacher && own === undefined });
    if (own !== undefined) read.teacher = own;
    return { ...read, counts: [...counts, 'dj_dialog_read_as_turns', ...(read.counts ?? [])] };
  },
};
