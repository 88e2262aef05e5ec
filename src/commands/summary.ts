/** The summary a build prints on stdout (also the merge's): the report, the splits, what was written, what next. */
import type { BuildResult } from '../pipeline/build.js';
import type { SplitProblem } from '../pipeline/split-check.js';
import { shellQuote } from '../train/hydra.js';
import type { CliOptions } from './options.js';
import { shownPath, useColor } from './shared.js';
import { studentLine } from './student-line.js';

/** The build's summary on stdout (also the merge's); returns the exit code. */
export async function printBuildResult(result: BuildResult, o: CliOptions): Promise<number> {
  const { renderReportTerminal } = await import('../report/terminal.js');
  const cfg = result.config;
  if (o.json) {
    process.stdout.write(
      `${JSON.stringify({ out: result.outDir, exitCode: result.exitCode, dropRatio: result.dropRatio, problems: result.problems, splits: result.splits, shards: result.manifest.shards, tokens: result.manifest.tokens, recommendation: result.report.recommendation }, null, 2)}\n`,
    );
  } else if (!o.quiet) {
    const out = shownPath(result.outDir);
    const lines = [
      ...inputLines(result),
      '',
      renderReportTerminal(result.report, { color: useColor() }).trimEnd(),
      '',
      Object.entries(result.splits)
        .map(([name, s]) => `${name}: ${s.rowsIn} rows in → ${s.rowsOut} out (${s.rowsIn - s.rowsOut} dropped)`)
        .join(' · '),
      ...idsLine(result),
      ...(result.manifest.teacherEnding
        ? [
            `teacher responses ending with <|im_end|>: ${result.manifest.teacherEnding.endingWithImEnd} of ${result.manifest.teacherEnding.total} (teacher.ending: ${result.manifest.teacherEnding.policy}; student rollouts end with it)`,
          ]
        : []),
      `Wrote ${result.manifest.shards.length} shard(s) to ${out}/data/, with ${out}/manifest.json, ${out}/README.md, ${out}/lengths.jsonl and ${out}/dropped.jsonl.`,
      ...studentLine(result.manifest.student, out),
      `Report: ${out}/report.html`,
    ];
    // A build that exits 1 is not ready to train: no launch is proposed.
    if (result.exitCode === 0)
      lines.push(
        '',
        'Next: check the trainer command derived from this build:',
        `  npx gad-data train --profile ${result.manifest.kind === 'gad' ? 'verl-gad' : result.manifest.target === 'easyr1' ? 'easyr1' : 'verl-grpo'} --data ${shellQuote(out)} --dry-run`,
      );
    if (result.dropRatio > cfg.max_drop_ratio)
      lines.push(
        '',
        `exit 1: ${(result.dropRatio * 100).toFixed(1)}% of rows were dropped, more than --max-drop-ratio ${cfg.max_drop_ratio} allows (see dropped.jsonl)`,
      );
    if (result.problems.length)
      lines.push('', `exit 1: ${result.problems.map((p) => p.message).join('; ')} (details on stderr)`);
    process.stdout.write(`${lines.join('\n')}\n`);
  }
  // The reason, the first dropped row and the fix, on stderr (also with --json and --quiet: they decide the exit code).
  if (result.problems.length) process.stderr.write(problemsText(result.problems));
  return result.exitCode;
}

const COUNT_TEXT: Record<string, string> = {
  teacher_from_assistant_turn:
    "TEACHER RESPONSES ARE THE INPUT'S ASSISTANT TURNS: the last assistant turn of {n} row(s) is their teacher response (not prompt text)",
  assistant_turn_left_out:
    'the last assistant turn of {n} row(s) is NOT in the prompt (a GRPO build has no teacher; --teacher-column naming the conversation column — messages, conversations, or text for data-juicer — makes it the teacher response)',
  earlier_assistant_turns_kept:
    '{n} row(s) have several assistant turns: the earlier ones stay in the prompt as context (docs/sources.md)',
  dj_chunk_ends_removed:
    "data-juicer's chunk end <|__dj__eoc|> removed from the text of {n} row(s): chunks trimmed and joined by a newline",
  dj_dialog_read_as_turns:
    '{n} row(s) are data-juicer dialogs ([[human]]: / [[gpt]]:), read as user / assistant turns (not as prompt text)',
  images_written_by_tool:
    '{n} row(s) read absolute image paths outside image_dir / the data folder: files data-juicer wrote (the rule above)',
};

/** The counts of student answers, by the column they are read from (`{c}`; ingest/student-response.ts). */
const STUDENT_TEXT: Array<[RegExp, string]> = [
  [
    /^student_from_(.+)$/,
    "STUDENT ANSWERS ARE THE INPUT'S {c}: {n} row(s) carry one, read as the row's student answer (written beside the shards for export rm)",
  ],
  [
    /^no_(rejected_response|rejected)$/,
    '{n} row(s) have no {c}: no student answer (export rm leaves them out as no_student_response, unless --student names a file with their answers)',
  ],
  [
    /^(.+)_not_used$/,
    '{n} row(s) have a {c}: read but NOT used (a GRPO build has no student answers; a GAD build, --teacher-column or --teacher, takes it as the student answer for export rm); the column is passed through as any other',
  ],
  [
    /^(.+)_other_images$/,
    '{n} row(s) have a {c} for other images (rejected_images differ from images): NOT used as a student answer; kept as an extra column',
  ],
];

function countText(key: string): string {
  const fixed = COUNT_TEXT[key];
  if (fixed) return fixed;
  for (const [re, text] of STUDENT_TEXT) {
    const m = re.exec(key);
    if (m?.[1]) return text.replace('{c}', m[1]);
  }
  return `${key}: {n} row(s)`;
}

/** The summary's first lines: the input format, and what it did with the rows. */
function inputLines(result: BuildResult): string[] {
  const counts = Object.entries(result.input?.counts ?? {}).map(([k, n]) => countText(k).replace('{n}', String(n)));
  return result.input ? [result.input.format, ...counts] : [];
}

/** The summary's line on the ids, when they recur across splits (unique only within each split). */
function idsLine(result: BuildResult): string[] {
  const ids = result.ids;
  if (!ids || !ids.repeatedAcrossSplits) return [];
  const join = ids.teacherSplitKey ? `; teacher responses joined on (${ids.teacherSplitKey}, id)` : '';
  return [
    `ids: ${ids.key} is unique within each split, not across them (${ids.repeatedAcrossSplits} id(s) recur in another split)${join}`,
  ];
}

/** Each split problem: what is wrong, the first dropped row, the fix. */
export function problemsText(problems: SplitProblem[]): string {
  const lines: string[] = [];
  for (const p of problems) {
    lines.push(`error: ${p.message}`);
    if (p.first)
      lines.push(`  first dropped row: ${p.first.split} row ${p.first.index} (id ${p.first.id}): ${p.first.detail}`);
    lines.push(`  fix: ${p.fix}`);
  }
  lines.push(
    'The output is written (see dropped.jsonl) but not ready to train: fix the input or the settings and rebuild.',
  );
  return `${lines.join('\n')}\n`;
}
