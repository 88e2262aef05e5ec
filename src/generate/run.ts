/**
 * `gad-data generate teacher|student` against a live OpenAI-compatible endpoint: the build's rows in order,
 * at most `concurrency` requests in flight (only those rows' images are held), the rate limits, the journal
 * (a journaled row is never asked again), caps on requests and tokens, and a stop signal that lets the
 * requests in flight finish. The answer files are written once every row has its final outcome.
 */
import { APIError } from 'openai';
import { GadError, describeError } from '../core/errors.js';
import { type ProgressSink, silentProgress } from '../core/progress.js';
import { makeClient, redact } from './client.js';
import { endpointHost } from './endpoint.js';
import { type GenerateManifest, type RowRef, finishRun } from './finish-run.js';
import { Journal } from './answer-journal.js';
import { resolveConnection } from './azure.js';
import { RateLimiter } from './limiter.js';
import type { ChatRequest } from './request.js';
import { type GenerateCommon, type GenerateSession, entryOf, openSession, sessionRows } from './run-session.js';

export interface GenerateOptions extends GenerateCommon {
  /** Base URL of the API; default: OPENAI_BASE_URL of `env` (as the openai client reads it). */
  endpoint?: string;
  /** Environment variable holding the API key (default OPENAI_API_KEY, on Azure AZURE_OPENAI_API_KEY); never printed or written. */
  apiKeyEnv?: string;
  /** Azure OpenAI (api-key header, deployment URLs, api-version; docs/generate.md#azure-openai); also when the host is Azure's. */
  azure?: boolean;
  /** Azure's api-version (default: OPENAI_API_VERSION of `env`). */
  apiVersion?: string;
  env?: NodeJS.ProcessEnv;
  /** Requests in flight at once (default 8). */
  concurrency?: number;
  rpm?: number;
  tpm?: number;
  /** Per-request time-out in ms (default 600 000) and the client's retries of one request (default 8). */
  timeoutMs?: number;
  retries?: number;
  /** Send at most this many requests in this run. */
  maxRequests?: number;
  /** Stop sending once the journal's answers used this many tokens (prompt + completion, all runs). */
  budget?: number;
  /** Once aborted, no new request is sent; the ones in flight finish and are journaled. */
  signal?: AbortSignal;
  progress?: ProgressSink;
}

export interface GenerateResult {
  /** Every row has its outcome and the answer files are written. */
  complete: boolean;
  /** Why the run stopped before every row had an answer. */
  stopped: 'signal' | 'max-requests' | 'budget' | 'failures' | null;
  rows: number;
  /** Rows answered before this run (journal) and requests this run sent / that failed after all retries. */
  resumed: number;
  sent: number;
  failed: number;
  /** Up to 5 failure messages (the key redacted). */
  failures: string[];
  /** Rows still without an answer (rerun the same command to continue). */
  remaining: number;
  tokensUsed: number;
  manifest: GenerateManifest | null;
  files: { outputs: string[]; dropped: string; journal: string; manifest: string };
}

function fatalStatus(e: unknown): boolean {
  return e instanceof APIError && (e.status === 401 || e.status === 403 || e.status === 404);
}

export async function generateAnswers(o: GenerateOptions): Promise<GenerateResult> {
  const conn = resolveConnection({ ...o, env: o.env ?? process.env });
  if (!conn)
    throw new GadError('no endpoint given', {
      hint: 'give the API base URL with --endpoint URL (or OPENAI_BASE_URL), or write a batch file with --batch-out FILE',
      exitCode: 2,
    });
  const { endpoint, keyEnv, apiKey } = conn;
  const s: GenerateSession = await openSession(o, endpointHost(endpoint));
  const client = makeClient({
    endpoint,
    apiKey,
    azure: conn.azure,
    timeoutMs: o.timeoutMs ?? 600_000,
    retries: o.retries ?? 8,
  });
  const progress = o.progress ?? silentProgress;
  const limiter = new RateLimiter({ rpm: o.rpm, tpm: o.tpm });
  const journal = Journal.open(s.paths.journal, s.settings);
  const concurrency = Math.max(1, o.concurrency ?? 8);
  const rows: RowRef[] = [];
  const inflight = new Set<Promise<void>>();
  let sent = 0;
  let failed = 0;
  let resumed = 0;
  let stopped: GenerateResult['stopped'] = null;
  let fatal: unknown = null;
  const failures: string[] = [];
  let tokensUsed = 0;
  for (const e of journal.entries.values()) tokensUsed += e.total_tokens;

  const send = async (req: ChatRequest) => {
    try {
      const body = await client.chat.completions.create(req.body as never);
      const entry = entryOf(s, req, body as never);
      journal.append(entry);
      tokensUsed += entry.usage?.total_tokens ?? 0;
      limiter.used(entry.usage?.total_tokens ?? 0);
    } catch (e) {
      failed++;
      if (fatalStatus(e)) fatal ??= e;
      if (failures.length < 5) failures.push(`${req.key}: ${redact(describeError(e), apiKey)}`);
    } finally {
      progress.tick('generate');
    }
  };

  progress.start('generate', s.totalRows, 'rows');
  try {
    for await (const { ref, request } of sessionRows(s)) {
      rows.push(ref);
      const done = journal.entries.get(ref.key);
      if (done) {
        if (done.request_hash !== request().hash) {
          throw new GadError(`${s.paths.journal}: the answer journaled for ${ref.key} was for another request`, {
            hint: 'the build changed since that run: use another --out, or delete the journal to start over',
            exitCode: 2,
          });
        }
        resumed++;
        progress.tick('generate');
        continue;
      }
      if (!stopped && fatal) stopped = 'failures';
      if (!stopped && o.signal?.aborted) stopped = 'signal';
      if (!stopped && o.maxRequests !== undefined && sent >= o.maxRequests) stopped = 'max-requests';
      if (!stopped && o.budget !== undefined && tokensUsed >= o.budget) stopped = 'budget';
      if (stopped) continue;
      while (inflight.size >= concurrency) await Promise.race(inflight);
      await limiter.wait();
      const p: Promise<void> = send(request()).finally(() => inflight.delete(p));
      inflight.add(p);
      sent++;
    }
    await Promise.all(inflight);
  } finally {
    await Promise.allSettled(inflight);
    journal.close();
    progress.end('generate');
  }
  if (fatal) {
    throw new GadError(`the endpoint refused the requests: ${redact(describeError(fatal), apiKey)}`, {
      hint: `check --endpoint, --model and the key in ${keyEnv}; answers received so far are kept in ${s.paths.journal}`,
      exitCode: 2,
    });
  }
  const unanswered = rows.filter((r) => !journal.entries.has(r.key)).length;
  if (!stopped && unanswered) stopped = 'failures';
  const complete = unanswered === 0;
  const manifest = complete
    ? finishRun({ journal, rows, paths: s.paths, settings: s.settings, from: s.gb.build.dir })
    : null;
  return {
    complete,
    stopped: complete ? null : stopped,
    rows: rows.length,
    resumed,
    sent,
    failed,
    failures,
    remaining: unanswered,
    tokensUsed,
    manifest,
    files: { ...s.paths },
  };
}
