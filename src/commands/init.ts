/** `gad-data init`: write the commented example config (generated from the key table, src/config/example.ts). */
import { existsSync, writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import { EXAMPLE_CONFIG } from '../config/config.js';
import { GadError } from '../core/errors.js';
import type { CliOptions } from './options.js';
import { commandSummary } from './command-lines.js';
import { shellWord } from '../core/quote/shell.js';

export function addInitCommand(program: Command): void {
  program
    .command('init')
    .description(commandSummary('init'))
    .argument('[file]', 'where to write it', 'gad-data.yaml')
    .option('--force', 'overwrite an existing file')
    .action((file: string, o: CliOptions) => {
      if (existsSync(file) && !o.force)
        throw new GadError(`${file} exists already`, { hint: 'pass --force to overwrite it', exitCode: 2 });
      writeFileSync(file, EXAMPLE_CONFIG);
      process.stdout.write(
        `wrote ${file}; edit data.train_files and run: npx gad-data build --config ${shellWord(file)}\n`,
      );
    });
}
