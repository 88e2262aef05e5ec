/**
 * The commands of `gad-data`, in the order of `gad-data --help`: each one's name and its line in that list (the
 * term and summary commander prints). The CLI prints the list from here without loading any command
 * (command-list.ts loads the one that runs); each command module takes its summary from here, so the list and the
 * command's own help cannot disagree.
 */

export interface CommandLine {
  /** As typed: `gad-data NAME`. */
  name: string;
  /** Its term in `gad-data --help` (commander's: the name, `[options]` when it has options, its arguments). */
  term: string;
  summary: string;
}

export const COMMAND_LINES: readonly CommandLine[] = [
  {
    name: 'build',
    term: 'build [options] [overrides...]',
    summary: 'ingest, format, validate and export a dataset (no arguments: the bundled sample)',
  },
  {
    name: 'merge',
    term: 'merge [options] [parts...]',
    summary:
      'merge the parts of a partitioned build (build --partition I/N) into the dataset one machine would build, byte for byte',
  },
  {
    name: 'scale-out',
    term: 'scale-out [options]',
    summary:
      'write a Slurm job array + dependent merge job (--slurm) or a Kubernetes Indexed Job + merge Job (--k8s) for a partitioned build of a config; see docs/scale-out.md',
  },
  {
    name: 'init',
    term: 'init [options] [file]',
    summary: 'write a commented gad-data.yaml',
  },
  {
    name: 'tokens',
    term: 'tokens [options]',
    summary: 'exact prompt token counts from text and image sizes (no images needed)',
  },
  {
    name: 'report',
    term: 'report [options] <paths...>',
    summary: 'the token-length report of a build folder, or of parquet files made by others',
  },
  {
    name: 'validate',
    term: 'validate [options] <files...>',
    summary: 'check parquet files against what verl / EasyR1 read (exit 0 clean, 1 violations, 2 unusable)',
  },
  {
    name: 'view',
    term: 'view [options] [paths...]',
    summary: 'browse a build (rows, images, rendered prompts, token counts, dropped rows) in a local web page',
  },
  {
    name: 'export',
    term: 'export',
    summary: 'GAD recipe data from a build: generator-warmup SFT set, sampling prompts, discriminator-warmup pairs',
  },
  {
    name: 'generate',
    term: 'generate',
    summary: "GAD answers: the teacher's or the student's, from an OpenAI-compatible endpoint or a batch run",
  },
  {
    name: 'train',
    term: 'train [options] [overrides...]',
    summary:
      'launch verl / EasyR1 with settings derived from a build (swift-sft / swift-rm: ms-swift on a `gad-data export` folder)',
  },
  {
    name: 'doctor',
    term: 'doctor [options]',
    summary: 'show the caches, Hub endpoint and offline mode in effect, and where --model would be found',
  },
];

/** The summary of a command in the list (what its module passes to `.description()`). */
export function commandSummary(name: string): string {
  const entry = COMMAND_LINES.find((c) => c.name === name);
  if (!entry) throw new Error(`${name} is not in COMMAND_LINES (src/commands/command-lines.ts)`);
  return entry.summary;
}
