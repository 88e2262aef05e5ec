/** `gad-data doctor`: which caches, Hub endpoint and offline mode are in effect, and where a model would be found. */
import { type Command, Option } from 'commander';
import { MODEL_SOURCES } from '../core/defaults.js';
import type { CliOptions } from './options.js';
import { commandSummary } from './command-lines.js';

export function addDoctorCommand(program: Command): void {
  program
    .command('doctor')
    .description(commandSummary('doctor'))
    .option('-m, --model <name|dir>', 'a model to look up as build would (bundled name, folder or Hub id)')
    .addOption(
      new Option('--model-source <source>', 'where a Hub model id is found').choices(MODEL_SOURCES).default('auto'),
    )
    .option('--json', 'print the report as JSON')
    .action(async (o: CliOptions) => {
      const { describeEnvironment, renderEnvironment } = await import('../model/environment.js');
      const report = await describeEnvironment({ model: o.model, modelSource: o.modelSource });
      process.stdout.write(o.json ? JSON.stringify(report, null, 2) + '\n' : renderEnvironment(report));
      if (report.model && !report.model.found) process.exitCode = 2;
    });
}
