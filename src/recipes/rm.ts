/**
 * `gad-data export rm`: the discriminator-warmup pairs — teacher answer preferred over the student's — from
 * a GAD build and a file of sampled student answers joined by row id (--student; else the answers the build's
 * input carried, ms-swift's rejected_response: rm-student-source.ts).
 *
 * - ms-swift (docs/source_en/Customization/Custom-dataset.md, "RLHF: DPO/ORPO/CPO/SimPO/RM"):
 *   `{"messages": [user, {"role": "assistant", "content": teacher}], "rejected_response": student, "images": [path]}`
 *   (`rejected_images` defaults to `images`).
 * - LLaMA-Factory (data/README.md, "Preference Dataset", sharegpt): `{"conversations": [{"from": "human", ...}],
 *   "chosen": {"from": "gpt", "value": teacher}, "rejected": {"from": "gpt", "value": student}, "images": [path]}`
 *   with `ranking: true` in dataset_info.json.
 *
 * Both sides get the same ending (a trailing `<|im_end|>` removed; the template closes both turns the same
 * way). Pairs are dropped with a reason when the student answer is missing or empty, equals the teacher's,
 * or either side's whole conversation is longer than --max-length.
 */
import { createReadStream, existsSync } from 'node:fs';
import { relative } from 'node:path';
import { createInterface } from 'node:readline';
import { GadError } from '../core/errors.js';
import { sha256File } from '../core/hash.js';
import { type BuildRow, readBuildRows } from './build-rows.js';
import { chooseStudentSource } from './rm-student-source.js';
import { type ExportResult, type RecipeOptions, openRecipe } from './common.js';
import { RowsAhead } from './rows-ahead.js';
import { countRowImages } from './row-images.js';
import { type RecipeTrainer, stripImEnd } from './lengths.js';
import { RecipeRows, inExportFolder, recipeMaxLength } from './recipe-rows.js';
import { chatTurns, checkFormat } from './sft.js';

export interface RmOptions extends RecipeOptions {
  format: RecipeTrainer;
  /** Student answers (jsonl: `id` + `response`, or `swift infer`'s result file); default: the build's rejected_response.jsonl (ms-swift input), else the bundled sample's for the bundled build. */
  student?: string;
  maxLength?: number;
}

/** The answer in one line of a student file: `response` (swift infer, gad-data), `student_response`, or the last assistant message. */
function answerOf(o: Record<string, unknown>): unknown {
  if (o.response !== undefined) return o.response;
  if (o.student_response !== undefined) return o.student_response;
  const msgs = o.messages;
  if (Array.isArray(msgs)) {
    const last = msgs[msgs.length - 1] as { role?: unknown; content?: unknown } | undefined;
    if (last?.role === 'assistant') return last.content;
  }
  return undefined;
}

/** Read the student file: id → answer. Bad lines and duplicate ids are errors naming the line. */
/**
 * The answers of a student file by row: keyed by split and id when its lines name their split (`gad-data generate
 * student` and the build's rejected_response.jsonl write one), so ids that repeat across splits (verl's
 * extra_info.index counts from 0 in each split) stay apart; else by id alone, and then an id must not be a row of
 * two splits (checked by `studentFor`).
 */
export interface StudentAnswers {
  answers: Map<string, string>;
  bySplit: boolean;
}

const splitKey = (split: string, id: string) => `${split}\u0000${id}`;

export async function readStudentFile(file: string): Promise<StudentAnswers> {
  if (!existsSync(file))
    throw new GadError(`student file not found: ${file}`, {
      hint: 'pass --student FILE (jsonl with id and response, e.g. the result file of swift infer)',
    });
  const out = new Map<string, string>();
  let bySplit: boolean | null = null;
  const rl = createInterface({ input: createReadStream(file), crlfDelay: Infinity });
  let n = 0;
  for await (const raw of rl) {
    n++;
    // A byte-order mark at the start of the file is dropped, as for the build's jsonl inputs (ingest/jsonl.ts).
    const line = n === 1 ? raw.replace(/^\uFEFF/, '') : raw;
    if (!line.trim()) continue;
    let o: Record<string, unknown>;
    try {
      o = JSON.parse(line) as Record<string, unknown>;
    } catch {
      throw new GadError(`${file} line ${n} is not valid JSON`, {
        hint: 'the student file is jsonl: one {"id": ..., "response": ...} object per line',
      });
    }
    if (!o || typeof o !== 'object' || o.id === undefined || o.id === null) {
      throw new GadError(`${file} line ${n} has no "id"`, {
        hint: 'sample from `gad-data export prompts` output (each line has the row id); with swift infer, pass --remove_unused_columns false so the result keeps the id column',
      });
    }
    if (typeof o.id === 'object')
      throw new GadError(
        `${file} line ${n}: its "id" is ${Array.isArray(o.id) ? 'a list' : 'a JSON object'}, not a row id`,
        {
          hint: 'each line needs the row id of `gad-data export prompts` (a string or number) under "id"',
        },
      );
    const id = String(o.id);
    const a = answerOf(o);
    if (typeof a !== 'string')
      throw new GadError(`${file} line ${n} (id ${id}) has no "response" string`, {
        hint: 'each line needs the sampled answer under "response"',
      });
    const split = typeof o.split === 'string' && o.split ? o.split : null;
    bySplit ??= split !== null;
    if (bySplit !== (split !== null))
      throw new GadError(`${file} line ${n} (id ${id}) ${split === null ? 'has no' : 'has a'} "split", unlike line 1`, {
        hint: 'give every line its split (train / test, as the build names them), or none',
      });
    const key = split === null ? id : splitKey(split, id);
    if (out.has(key))
      throw new GadError(`${file} line ${n}: id ${id}${split === null ? '' : ` in split ${split}`} appears twice`, {
        hint:
          split === null
            ? 'keep one student answer per row id; if the ids repeat across splits, add a "split" field to each line (gad-data generate writes it)'
            : 'keep one student answer per row id and split',
      });
    out.set(key, a);
  }
  return { answers: out, bySplit: bySplit ?? false };
}

/** The student answer of a build row, and the key it was found under; an id-only answer claimed by two splits is refused. */
function studentFor(
  s: StudentAnswers,
  row: { id: string; split: string },
  claimed: Map<string, string>,
  file: string,
): { key: string; answer: string | undefined } {
  if (s.bySplit) {
    const key = splitKey(row.split, row.id);
    return { key, answer: s.answers.get(key) };
  }
  const answer = s.answers.get(row.id);
  const other = claimed.get(row.id);
  if (answer !== undefined && other !== undefined && other !== row.split)
    throw new GadError(
      `${file}: id ${row.id} is a row of split ${other} and of split ${row.split}, and the student file's lines name no split`,
      {
        hint: 'add a "split" field to each line of the student file (gad-data generate student writes one), so each answer goes to its own row',
        exitCode: 2,
      },
    );
  if (answer !== undefined) claimed.set(row.id, row.split);
  return { key: row.id, answer };
}

/** One pair line in the trainer's format. */
export function rmLine(
  format: RecipeTrainer,
  prompt: string,
  chosen: string,
  rejected: string,
  images: string[],
): Record<string, unknown> {
  const [user, preferred] = chatTurns(format, prompt, chosen);
  if (format === 'ms-swift') return { messages: [user, preferred], rejected_response: rejected, images };
  return { conversations: [user], chosen: preferred, rejected: chatTurns(format, prompt, rejected)[1], images };
}

export async function exportRm(o: RmOptions): Promise<ExportResult> {
  checkFormat(o.format);
  const s = await openRecipe(o, o.format, `rm-${o.format}`);
  const source = await chooseStudentSource({ student: o.student, build: s.build });
  const studentFile = source.file;
  const students = await readStudentFile(studentFile);
  const studentSha256 = await sha256File(studentFile);
  const maxLength = recipeMaxLength(s, o.maxLength);
  const result = await inExportFolder(s, async (folder) => {
    const rows = new RecipeRows(s, folder, ['chosen', 'rejected', 'chosen_response', 'rejected_response'], 'longer');
    let teacherStripped = 0;
    let studentStripped = 0;
    const used = new Set<string>();
    const claimed = new Map<string, string>();
    const ahead = new RowsAhead((row: BuildRow) => countRowImages(s, row, folder));
    // (only rows with a student answer are counted ahead: the others are dropped before their images are counted)
    const wanted = (row: BuildRow) => students.answers.has(students.bySplit ? splitKey(row.split, row.id) : row.id);
    for await (const row of ahead.rows(readBuildRows(s.build), wanted)) {
      const drop = (reason: string, detail: string) => rows.drop(row, { reason, detail });
      const found = studentFor(students, row, claimed, studentFile);
      const raw = found.answer;
      if (raw === undefined) {
        drop(
          'no_student_response',
          `no line with id ${row.id}${students.bySplit ? ` and split ${row.split}` : ''} in the student file`,
        );
        continue;
      }
      used.add(found.key);
      const t = stripImEnd(row.teacher);
      const st = stripImEnd(raw);
      if (!st.text.trim()) {
        drop('empty_response', 'the student response is empty');
        continue;
      }
      if (!t.text.trim()) {
        drop('empty_response', 'the teacher response is empty');
        continue;
      }
      if (st.text === t.text) {
        drop('student_equals_teacher', 'the student answer equals the teacher answer (no preference to learn)');
        continue;
      }
      const counted = await ahead.counted(row);
      const tokens = counted.map((c) => c.tokens);
      // A side surely over --max-length (a 50 MB answer) is not tokenized whole: its count is a lower bound.
      const chosen = s.counter.conversation(row.prompt, tokens, t.text, maxLength, null, {
        counts: row.built,
        teacher: row.teacher,
      });
      const rejected = s.counter.conversation(row.prompt, tokens, st.text, maxLength, null, { counts: row.built });
      const longer = Math.max(chosen.total, rejected.total);
      if (longer > maxLength) {
        const side =
          chosen.total > maxLength && rejected.total > maxLength
            ? 'both sides'
            : chosen.total > maxLength
              ? 'the chosen (teacher) side'
              : 'the rejected (student) side';
        rows.drop(row, {
          reason: 'too_long',
          detail: `${side} over --max-length ${maxLength}: chosen ${chosen.atLeast ? 'at least ' : ''}${chosen.total}, rejected ${rejected.atLeast ? 'at least ' : ''}${rejected.total} tokens`,
          value: longer,
          limit: maxLength,
          basis: longer,
        });
        continue;
      }
      if (t.stripped) teacherStripped++;
      if (st.stripped) studentStripped++;
      await rows.write(row, counted, {
        line: (paths) => rmLine(o.format, row.prompt, t.text, st.text, paths),
        lengthFields: {
          chosen_tokens: chosen.total,
          rejected_tokens: rejected.total,
          chosen_response_tokens: chosen.response,
          rejected_response_tokens: rejected.response,
          prompt_tokens: chosen.prompt,
        },
        lengths: {
          chosen: chosen.total,
          rejected: rejected.total,
          chosen_response: chosen.response,
          rejected_response: rejected.response,
          longer,
        },
      });
    }
    const notes: string[] = [...source.notes];
    notes.push(
      `ending: a trailing <|im_end|> removed on both sides (teacher ${teacherStripped}, student ${studentStripped} of the written pairs); the chat template closes both answers with the same tokens`,
    );
    const unknown = [...students.answers.keys()].filter((k) => !used.has(k)).length;
    if (unknown) notes.push(`${unknown} student line(s) have ids not among the build's rows: ignored`);
    return await rows.finish({
      kind: 'rm',
      trainer: o.format,
      maxLength,
      ending: { policy: 'strip-im-end', teacherStripped, studentStripped },
      student: {
        file: relative(s.out, studentFile),
        sha256: studentSha256,
        answers: students.answers.size,
        ...(source.from ? { from: source.from } : {}),
      },
      notes,
    });
  });
  return { ...result, notices: [...source.notices, ...result.notices] };
}
