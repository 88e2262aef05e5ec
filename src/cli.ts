/**
 * The `gad-data` command: a thin shell over the library API. Parses flags, prints results, maps errors to
 * exit codes (0 ok; 1 data problems: more drops than --max-drop-ratio, validate violations; 2 usage, config
 * or unusable input; 3 an internal error). Errors are printed as one clear message with a hint, never a stack trace
 * (GAD_DATA_DEBUG=1 shows it). Each command is a file in src/commands/ (its flags and its action); this file
 * declares the program and parses. The library is loaded by the command that runs (sharp, the tokenizers,
 * parquet): `gad-data --help` and a usage error start in a fraction of the time.
 */
import { Command, CommanderError, Help } from 'commander';
import { GadError, describeError, environmentError, environmentErrorCode } from './core/errors.js';
import { VERSION } from './core/version.js';
import { COMMANDS } from './commands/command-list.js';
import { errnoPathOf } from './core/guards.js';

/**
 * The command a run names (`gad-data NAME ...` or `gad-data help NAME`), or null (`--help`, `--version`, none).
 * Only options before it are skipped: the program itself takes none that take a value.
 */
export function invokedCommand(argv: string[]): string | null {
  const args = argv.slice(2).filter((a) => !a.startsWith('-'));
  const [first, second] = args;
  return first === 'help' ? (second ?? null) : (first ?? null);
}

/**
 * The program, with every command in `gad-data --help`; `load` names the commands added whole (their options,
 * subcommands and action: their modules are imported), 'all' every one. The others are their line in the list
 * only, so a run loads the one module it needs.
 */
export async function createProgram(load: string | null | 'all' = 'all'): Promise<Command> {
  const program = new Command();
  program
    .name('gad-data')
    .description(
      'Prepare single-image VL datasets for GAD / GRPO training of Qwen2.5-VL and Qwen3-VL with verl and EasyR1.',
    )
    .version(VERSION)
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride();
  const terms = new Map(COMMANDS.map((c) => [c.name, c.term]));
  const help = new Help();
  program.configureHelp({ subcommandTerm: (cmd) => terms.get(cmd.name()) ?? help.subcommandTerm(cmd) });
  // The order of `gad-data --help`.
  for (const c of COMMANDS) {
    if (load === 'all' || load === c.name) (await c.load())(program);
    else program.command(c.name).description(c.summary);
  }
  return program;
}

/** `--json` among the arguments (before a `--`): a failure is then also printed as JSON on stdout. */
function wantsJson(argv: string[]): boolean {
  const args = argv.slice(2);
  const end = args.indexOf('--');
  return (end === -1 ? args : args.slice(0, end)).includes('--json');
}

/** With --json, a failure as `{"error": {message, hint, exitCode}}` on stdout, so scripts always get JSON. */
function printJsonError(argv: string[], message: string, hint: string | undefined, exitCode: number): void {
  if (!wantsJson(argv)) return;
  process.stdout.write(`${JSON.stringify({ error: { message, hint: hint ?? null, exitCode } }, null, 2)}\n`);
}

export async function main(argv: string[] = process.argv): Promise<number> {
  const program = await createProgram(invokedCommand(argv));
  try {
    await program.parseAsync(argv);
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (caught) {
    let e = caught;
    if (e instanceof CommanderError) {
      // commander printed its message already; help and version exit 0.
      const code =
        e.code === 'commander.helpDisplayed' || e.code === 'commander.version' || e.code === 'commander.help' ? 0 : 2;
      if (code !== 0) printJsonError(argv, e.message.replace(/^error: /, ''), 'run with --help for usage', code);
      process.exitCode = code;
      return code;
    }
    // A full disk or a missing permission is the machine's, not a bug: exit 2 with the path and the fix.
    if (!(e instanceof GadError) && environmentErrorCode(e)) {
      e = environmentError(e, {
        doing: 'gad-data stopped',
        where: errnoPathOf(e) ?? process.cwd(),
        access: 'any',
      });
    }
    if (e instanceof GadError) {
      printJsonError(argv, e.message, e.hint, e.exitCode);
      process.stderr.write(`gad-data: ${e.message}\n${e.hint ? `  fix: ${e.hint}\n` : ''}`);
      if (process.env.GAD_DATA_DEBUG) process.stderr.write(`${e.stack}\n`);
      process.exitCode = e.exitCode;
      return e.exitCode;
    }
    printJsonError(
      argv,
      `unexpected error: ${describeError(e)}`,
      'this is a bug in gad-data; rerun with GAD_DATA_DEBUG=1 and report the stack trace',
      3,
    );
    process.stderr.write(
      `gad-data: unexpected error: ${describeError(e)}\n  this is a bug in gad-data; rerun with GAD_DATA_DEBUG=1 and report the stack trace\n`,
    );
    if (process.env.GAD_DATA_DEBUG) process.stderr.write(`${e instanceof Error ? (e.stack ?? '') : ''}\n`);
    process.exitCode = 3;
    return 3;
  }
}
