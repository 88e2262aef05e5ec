/**
 * The commands of `gad-data` with the module that defines each (its options, subcommands and action), in the order
 * of `gad-data --help`. The CLI imports only the module of the command that runs, so `gad-data --help` loads none
 * of them (nor the config schema, YAML or the trainers behind them); their lines in the list are in
 * command-lines.ts. A new command: one file, one line there, one loader here.
 */
import type { Command } from 'commander';
import { COMMAND_LINES, type CommandLine } from './command-lines.js';

export interface CommandEntry extends CommandLine {
  /** Adds the whole command to the program. */
  load: () => Promise<(program: Command) => void>;
}

const LOADERS: Record<string, CommandEntry['load']> = {
  build: async () => (await import('./build.js')).addBuildCommand,
  merge: async () => (await import('./partition.js')).addMergeCommand,
  'scale-out': async () => (await import('./scale-out.js')).addScaleOutCommand,
  init: async () => (await import('./init.js')).addInitCommand,
  tokens: async () => (await import('./tokens.js')).addTokensCommand,
  report: async () => (await import('./report.js')).addReportCommand,
  validate: async () => (await import('./validate.js')).addValidateCommand,
  view: async () => (await import('./view.js')).addViewCommand,
  export: async () => (await import('./export.js')).addExportCommands,
  generate: async () => (await import('./generate.js')).addGenerateCommand,
  train: async () => (await import('./train.js')).addTrainCommand,
  doctor: async () => (await import('./doctor.js')).addDoctorCommand,
};

export const COMMANDS: readonly CommandEntry[] = COMMAND_LINES.map((line) => {
  const load = LOADERS[line.name];
  if (!load) throw new Error(`no loader for the command ${line.name} in src/commands/command-list.ts`);
  return { ...line, load };
});
