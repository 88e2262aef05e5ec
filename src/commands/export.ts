/**
 * `gad-data export sft|prompts|rm`: the GAD recipe's warmup data from a build (see docs/gad-recipe.md).
 */
import { type Command, Option } from 'commander';
import { numberFlag } from '../config/number-flag.js';
import type { ExportResult } from '../recipes/common.js';
import { shownPath } from './shared.js';
import { commandSummary } from './command-lines.js';
import { shellWord } from '../core/quote/shell.js';

/** The export formats (src/recipes/lengths.ts RECIPE_TRAINERS); the library is loaded when a command runs. */
const RECIPE_TRAINERS = ['ms-swift', 'llamafactory'] as const;

/** `--format` of the sft and rm exports. */
const formatOption = () =>
  new Option('--format <format>', 'trainer data format').choices([...RECIPE_TRAINERS]).default('ms-swift');
/** `--max-length` of the sft and rm exports: what it drops. */
const maxLengthOption = (drops: string) =>
  new Option('--max-length <n>', `drop ${drops} (default: max prompt + max response length of the build)`).argParser(
    numberFlag('--max-length', 1),
  );

async function show(r: ExportResult, o: { json?: boolean; quiet?: boolean }, next: string[]): Promise<void> {
  for (const n of r.notices) process.stderr.write(`${n}\n`);
  if (o.json) {
    process.stdout.write(`${JSON.stringify({ out: r.out, export: r.manifest }, null, 2)}\n`);
    return;
  }
  if (o.quiet) return;
  const files = Object.entries(r.manifest.files)
    .map(([split, f]) => `${split}: ${f.rows} rows (${f.file})`)
    .join(' · ');
  const { renderRecipeReport } = await import('../recipes/recipe-report.js');
  const lines = [
    renderRecipeReport(r.report),
    '',
    files,
    `Wrote ${shownPath(r.out)}/ (export.json, report.json, lengths.jsonl, dropped.jsonl, images/).`,
  ];
  // `{out}` in a command line is a shell word (a folder name may hold a space or a quote); in prose, the path as is
  const out = shownPath(r.out);
  const filled = (n: string) =>
    n.startsWith('npx ') ? n.replaceAll('{out}', shellWord(out)) : n.replaceAll('{out}', out);
  if (next.length) lines.push('', 'Next:', ...next.map((n) => `  ${filled(n)}`));
  process.stdout.write(`${lines.join('\n')}\n`);
}

export function addExportCommands(program: Command): void {
  const exp = program.command('export').description(commandSummary('export'));
  const common = (c: Command) =>
    c
      .option('--from <dir>', 'build output folder (holds manifest.json)', 'gad-data-out')
      .option('-o, --out <dir>', 'output folder (default: a folder inside the build)')
      .option('-m, --model <dir>', "the build's model folder, when its recorded path does not resolve from here")
      .option(
        '--copy-images',
        "write every image's bytes (to move the export alone to another machine); default: hard-link the identical image files of the build's other exports",
      )
      .option('-q, --quiet', 'print only errors')
      .option('--json', 'print {"out": DIR, "export": <export.json>} on stdout');
  common(
    exp
      .command('sft')
      .description('generator warmup: the teacher answers as SFT data (ms-swift or LLaMA-Factory format)')
      .addOption(formatOption())
      .addOption(maxLengthOption('rows whose whole conversation is longer')),
  ).action(async (o) => {
    const { exportSft } = await import('../recipes/sft.js');
    const r = await exportSft({
      from: o.from,
      out: o.out,
      model: o.model,
      copyImages: o.copyImages,
      format: o.format,
      maxLength: o.maxLength,
    });
    const next =
      o.format === 'ms-swift'
        ? ['npx gad-data train --profile swift-sft --data {out} --dry-run']
        : ['llamafactory-cli train with dataset_dir: {out}, dataset: gad_sft_train (see docs/gad-recipe.md)'];
    await show(r, o, next);
  });
  common(
    exp
      .command('prompts')
      .description('the prompts with images and row ids, to sample student answers (swift infer / vLLM)'),
  ).action(async (o) => {
    const { exportPrompts } = await import('../recipes/prompts.js');
    const r = await exportPrompts({ from: o.from, out: o.out, model: o.model, copyImages: o.copyImages });
    await show(r, o, [
      'sample student answers (docs/gad-recipe.md), then: npx gad-data export rm --from BUILD --student student.jsonl',
    ]);
  });
  common(
    exp
      .command('rm')
      .description('discriminator warmup: teacher answer (chosen) vs student answer (rejected) pairs')
      .addOption(formatOption())
      .option('--student <file>', 'student answers: jsonl with id and response (swift infer result file accepted)')
      .addOption(maxLengthOption('pairs where either side is longer')),
  ).action(async (o) => {
    const { exportRm } = await import('../recipes/rm.js');
    const r = await exportRm({
      from: o.from,
      out: o.out,
      model: o.model,
      copyImages: o.copyImages,
      format: o.format,
      student: o.student,
      maxLength: o.maxLength,
    });
    const next =
      o.format === 'ms-swift'
        ? ['npx gad-data train --profile swift-rm --data {out} --dry-run']
        : ['llamafactory-cli train with stage: rm, dataset_dir: {out}, dataset: gad_rm_train'];
    await show(r, o, next);
  });
}
