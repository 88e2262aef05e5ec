/** `gad-data view`: a local viewer of a build folder (default ./gad-data-out) or of parquet files. */
import { spawn } from 'node:child_process';
import type { Command } from 'commander';
import { flagParser } from '../config/config.js';
import { GadError } from '../core/errors.js';
import type { CliOptions } from './options.js';
import { commandSummary } from './command-lines.js';

export function addViewCommand(program: Command): void {
  program
    .command('view')
    .description(commandSummary('view'))
    .argument('[paths...]', 'a build output folder (default ./gad-data-out), or parquet files')
    .option('--port <n>', 'port on 127.0.0.1 (default: a free one)')
    .option('--open', 'open the URL in the default browser')
    .option(
      '-m, --model <name|dir>',
      "model whose chat template renders prompts (default: the build's; files: qwen3-vl)",
    )
    .option('-f, --format-prompt <name|file>', 'format prompt of an EasyR1 problem column (files only)')
    .option('--prompt-key <col>', 'prompt column (files only)')
    .option('--image-key <col>', 'image column (files only)')
    .option(
      '--max-prompt-length <n>',
      'the limit to mark in prompts (files only)',
      flagParser('--max-prompt-length', 'data.max_prompt_length'),
    )
    .action(runView);
}

function opener(url: string): void {
  const [cmd, args] =
    process.platform === 'darwin'
      ? ['open', [url]]
      : process.platform === 'win32'
        ? ['explorer.exe', [url]]
        : ['xdg-open', [url]];
  const child = spawn(cmd, args as string[], { stdio: 'ignore', detached: true });
  child.on('error', () => process.stderr.write(`could not start ${cmd}: open the URL yourself\n`));
  child.unref();
}

async function runView(paths: string[], o: CliOptions): Promise<void> {
  const { view } = await import('../view/view.js');
  let port: number | undefined;
  if (o.port !== undefined) {
    port = Number(o.port);
    if (!Number.isInteger(port) || port < 0 || port > 65535)
      throw new GadError(`--port must be an integer from 0 to 65535, got ${String(o.port)}`, { exitCode: 2 });
  }
  const server = await view({
    paths,
    port,
    model: o.model,
    formatPrompt: o.formatPrompt,
    promptKey: o.promptKey,
    imageKey: o.imageKey,
    maxPromptLength: o.maxPromptLength,
  });
  process.stdout.write(
    `gad-data view: ${server.rows.toLocaleString('en-US')} rows (${server.kind === 'build' ? 'build folder' : 'parquet files'})\n` +
      `  ${server.url}\n` +
      `Only this machine can open it (127.0.0.1), and only with the token in the URL. Ctrl-C stops it.\n`,
  );
  if (o.open) opener(server.url);
  await new Promise<void>((done) => {
    const stop = () => void server.close().then(done);
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
}
