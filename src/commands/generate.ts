/**
 * `gad-data generate teacher|student` and `gad-data generate import`: the GAD answers from an OpenAI-compatible
 * endpoint or an offline batch (docs/generate.md). Ctrl-C once: no new requests, the ones in flight finish and
 * are journaled (rerun the same command to continue); twice: stop at once (the journal stays whole).
 */
import { type Command, Option } from 'commander';
import { shellWord } from '../core/quote/shell.js';
import { numberFlag } from '../config/values.js';
import { createProgress } from '../core/progress.js';
import type { GenerateManifest } from '../generate/finish-run.js';
import type { GenerateResult } from '../generate/run.js';
import type { ImportResult } from '../generate/import.js';
import type { Sampling } from '../generate/generate-types.js';
import { shownPath } from './shared.js';
import { must } from '../core/guards.js';
import { commandSummary } from './command-lines.js';

const collect = (v: string, prev: string[] = []) => [...prev, v];

function samplingOf(o: Record<string, unknown>): Sampling {
  const s: Sampling = {};
  // the number flags are parsed by numberFlag, --stop collected as strings
  if (typeof o.temperature === 'number') s.temperature = o.temperature;
  if (typeof o.topP === 'number') s.top_p = o.topP;
  if (typeof o.maxTokens === 'number') s.max_tokens = o.maxTokens;
  if (typeof o.n === 'number') s.n = o.n;
  if (typeof o.seed === 'number') s.seed = o.seed;
  if (Array.isArray(o.stop) && o.stop.length) s.stop = o.stop.map(String);
  return s;
}

function manifestLines(m: GenerateManifest): string[] {
  const drops = Object.entries(m.dropped).map(([k, v]) => `${k} ${v}`);
  const l = m.lengths;
  return [
    `kept ${m.kept} answer(s) of ${m.rows} row(s)${drops.length ? ` · dropped ${drops.join(', ')}` : ' · dropped 0'}`,
    `kept answer length (student tokens): min ${l.min} · p50 ${l.p50} · p90 ${l.p90} · p99 ${l.p99} · max ${l.max} (max_response_length ${m.settings.sampling.max_tokens ?? '-'})`,
    `tokens used: prompt ${m.usage.prompt_tokens} · completion ${m.usage.completion_tokens} · total ${m.usage.total_tokens}`,
    `Wrote ${m.files.map((f) => `${f.file} (${f.lines} lines)`).join(', ')}.`,
  ];
}

function print(o: { json?: boolean; quiet?: boolean }, r: GenerateResult | ImportResult, lines: string[]): void {
  if (o.json) process.stdout.write(`${JSON.stringify(r, null, 2)}\n`);
  else if (!o.quiet) process.stdout.write(`${lines.join('\n')}\n`);
}

function runCommand(gen: Command, role: 'teacher' | 'student'): void {
  const c = gen
    .command(role)
    .description(
      role === 'teacher'
        ? "the teacher's answers to every kept row of a build (for build --teacher)"
        : "the student's answers to every kept row of a build (for export rm --student)",
    )
    .option('--from <dir>', 'build output folder (holds manifest.json)', 'gad-data-out')
    .option(
      '--endpoint <url>',
      'base URL of the OpenAI-compatible API, e.g. http://127.0.0.1:8000/v1 (default: $OPENAI_BASE_URL)',
    )
    .requiredOption('--model <name>', 'the model name the endpoint serves')
    .option('-o, --out <file>', `answer file (default ${role}.jsonl)`)
    .option('--batch-out <file>', 'write an OpenAI Batch API input file instead of sending requests')
    .addOption(
      new Option('--temperature <t>', 'sampling temperature').argParser(
        numberFlag('--temperature', 0, { fraction: true }),
      ),
    )
    .addOption(new Option('--top-p <p>', 'nucleus sampling').argParser(numberFlag('--top-p', 0, { fraction: true })))
    .addOption(
      new Option('--max-tokens <n>', "new tokens at most (default: the build's max_response_length)").argParser(
        numberFlag('--max-tokens', 1),
      ),
    )
    .addOption(new Option('--seed <n>', 'sampling seed').argParser(numberFlag('--seed', 0)))
    .option('--stop <text>', 'stop sequence (repeatable)', collect)
    .option(
      '--api-key-env <name>',
      'environment variable holding the API key (default OPENAI_API_KEY; Azure: AZURE_OPENAI_API_KEY)',
    )
    .option('--azure', 'Azure OpenAI: api-key header, deployment URLs, api-version (default for *.openai.azure.com)')
    .option('--api-version <v>', "Azure OpenAI's api-version, e.g. 2024-10-21 (default: $OPENAI_API_VERSION)")
    .addOption(
      new Option('--concurrency <n>', 'requests in flight').argParser(numberFlag('--concurrency', 1)).default(8),
    )
    .addOption(new Option('--rpm <n>', 'requests per minute at most').argParser(numberFlag('--rpm', 1)))
    .addOption(new Option('--tpm <n>', 'tokens per minute at most').argParser(numberFlag('--tpm', 1)))
    .addOption(
      new Option('--timeout <s>', 'seconds per request before it is retried')
        .argParser(numberFlag('--timeout', 0.001, { fraction: true }))
        .default(600),
    )
    .addOption(
      new Option('--retries <n>', 'retries of one request (429, 5xx, time-outs, broken connections)')
        .argParser(numberFlag('--retries', 0))
        .default(8),
    )
    .addOption(
      new Option('--max-requests <n>', 'send at most n requests in this run').argParser(
        numberFlag('--max-requests', 0),
      ),
    )
    .addOption(
      new Option('--budget <tokens>', 'stop sending once the answers used this many tokens').argParser(
        numberFlag('--budget', 1),
      ),
    )
    .option('--tokenizer-model <dir>', "the build's model folder, when its recorded path does not resolve from here")
    .option('-q, --quiet', 'print only errors')
    .option('--json', 'print the result as JSON on stdout');
  if (role === 'student')
    c.addOption(
      new Option('--n <k>', 'answers per row (files FILE-1.jsonl … FILE-K.jsonl)').argParser(numberFlag('--n', 1)),
    );
  c.action(async (o) => {
    const { generateAnswers } = await import('../generate/run.js');
    const { writeBatchFile } = await import('../generate/batch.js');
    const common = {
      role,
      from: o.from,
      model: o.model,
      out: o.out,
      sampling: samplingOf(o),
      tokenizerModel: o.tokenizerModel,
    };
    if (o.batchOut) {
      const r = await writeBatchFile({ ...common, endpoint: o.endpoint, azure: o.azure, batchOut: o.batchOut });
      if (o.json) process.stdout.write(`${JSON.stringify(r, null, 2)}\n`);
      else if (!o.quiet)
        process.stdout.write(
          `Wrote ${r.requests} request(s) to ${r.files.map(shownPath).join(', ')}${r.skipped ? ` (${r.skipped} row(s) already answered left out)` : ''}, and ${shownPath(r.sidecar)}.\n` +
            `Next: run the batch (OpenAI Batch API, or vllm run-batch -i FILE -o results.jsonl --model ...), then:\n` +
            `  npx gad-data generate import results.jsonl --batch ${shellWord(shownPath(must(r.files[0], 'a batch writes at least one file')))}\n`,
        );
      return;
    }
    const stop = new AbortController();
    const progress = createProgress({ quiet: o.quiet || o.json });
    const onInt = () => {
      if (stop.signal.aborted) process.exit(130);
      stop.abort();
      progress.log('stopping: the requests in flight finish and are journaled (Ctrl-C again to stop at once)');
    };
    process.on('SIGINT', onInt);
    let r: GenerateResult;
    try {
      r = await generateAnswers({
        ...common,
        endpoint: o.endpoint,
        apiKeyEnv: o.apiKeyEnv,
        azure: o.azure,
        apiVersion: o.apiVersion,
        concurrency: o.concurrency,
        rpm: o.rpm,
        tpm: o.tpm,
        timeoutMs: Math.round(o.timeout * 1000),
        retries: o.retries,
        maxRequests: o.maxRequests,
        budget: o.budget,
        signal: stop.signal,
        progress,
      });
    } finally {
      process.off('SIGINT', onInt);
    }
    const lines = [
      `${r.rows} row(s): ${r.resumed} answered by an earlier run, ${r.sent} request(s) sent, ${r.failed} failed after retries`,
    ];
    for (const f of r.failures) lines.push(`  failed: ${f}`);
    if (r.manifest) lines.push(...manifestLines(r.manifest));
    else {
      const why = {
        signal: 'stopped by Ctrl-C',
        'max-requests': '--max-requests reached',
        budget: '--budget reached',
        failures: 'requests failed',
      }[r.stopped ?? 'failures'];
      lines.push(
        `${why}: ${r.remaining} row(s) have no answer yet; the answers so far are in ${shownPath(r.files.journal)}.`,
        'Rerun the same command to continue (nothing answered is asked again).',
      );
    }
    print(o, r, lines);
    if (!r.complete) process.exitCode = r.failed ? 1 : r.stopped === 'signal' ? 130 : 0;
  });
}

export function addGenerateCommand(program: Command): void {
  const gen = program.command('generate').description(commandSummary('generate'));
  runCommand(gen, 'teacher');
  runCommand(gen, 'student');
  gen
    .command('import')
    .description('read OpenAI Batch / vllm run-batch results back, with the same checks as a live run')
    .argument('<results...>', 'result files (OpenAI batch output and error files, or vllm run-batch -o)')
    .requiredOption('--batch <file>', 'the batch input file written by --batch-out')
    .option('-q, --quiet', 'print only errors')
    .option('--json', 'print the result as JSON on stdout')
    .action(async (results: string[], o) => {
      const { importBatchResults } = await import('../generate/import.js');
      const r = await importBatchResults({ results, batch: o.batch });
      const lines = [
        `${r.rows} row(s): ${r.imported} result(s) imported, ${r.failed} failed, ${r.unmatched} not matching a request of the batch file`,
      ];
      for (const f of r.failures) lines.push(`  failed: ${f}`);
      if (r.manifest) lines.push(...manifestLines(r.manifest));
      else
        lines.push(
          `${r.remaining} row(s) have no answer yet: resubmit them (generate --batch-out again writes only those) or run them live.`,
        );
      print(o, r, lines);
      if (!r.complete) process.exitCode = 1;
    });
}
