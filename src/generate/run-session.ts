/**
 * What a live run, a batch file and an import share: the build and its tokenizer, the resolved sampling, the
 * settings the journal is keyed on, the file paths, and the build's rows as requests in row order.
 */
import { GadError } from '../core/errors.js';
import { readBuildRows } from '../recipes/build-rows.js';
import { type GenerateBuild, openGenerateBuild } from './from-build.js';
import { type ApiChoice, checkChoice } from './check.js';
import { type ChatRequest, chatRequest, rowKey } from './request.js';
import { type GeneratePaths, generatePaths } from './run-files.js';
import { resolveSampling } from './sampling.js';
import type { GenerateRole, GenerateSettings, JournalChoice, JournalEntry, Sampling } from './generate-types.js';
import type { RowRef } from './finish-run.js';
import { isObject } from '../core/guards.js';

export interface GenerateCommon {
  role: GenerateRole;
  /** The build folder (`gad-data build --out`). */
  from: string;
  /** The model name sent in every request (the served model's name or path). */
  model: string;
  /** Base URL of the OpenAI-compatible API (`.../v1`); for a batch file, only what the output records. */
  endpoint?: string;
  /** The answer file; default `teacher.jsonl` / `student.jsonl` in the working folder. */
  out?: string;
  sampling?: Sampling;
  /** The build's model folder, when its recorded path does not resolve from here. */
  tokenizerModel?: string;
  cwd?: string;
}

export interface GenerateSession {
  gb: GenerateBuild;
  settings: GenerateSettings;
  sampling: Sampling;
  paths: GeneratePaths;
  maxTokens: number;
  totalRows: number;
}

export async function openSession(o: GenerateCommon, endpoint: string): Promise<GenerateSession> {
  if (o.role !== 'teacher' && o.role !== 'student')
    throw new GadError(`unknown role ${String(o.role)}`, { hint: 'generate teacher or generate student', exitCode: 2 });
  if (!o.model) throw new GadError('no --model given', { hint: 'name the served model: --model NAME', exitCode: 2 });
  const gb = await openGenerateBuild(o.from, o.tokenizerModel);
  const m = gb.build.manifest;
  if (o.role === 'teacher' && (o.sampling?.n ?? 1) > 1)
    throw new GadError('--n is for the student: the teacher gives one answer per row', { exitCode: 2 });
  const sampling = resolveSampling(o.role, m, o.sampling);
  const settings: GenerateSettings = {
    role: o.role,
    model: o.model,
    endpoint,
    sampling,
    build: gb.build.manifestSha256,
  };
  const totalRows = Object.values(m.splits).reduce((a, s) => a + s.rowsOut, 0);
  return {
    gb,
    settings,
    sampling,
    paths: generatePaths(o.role, o.out, sampling.n ?? 1, o.cwd),
    maxTokens: m.limits.maxResponseLength,
    totalRows,
  };
}

/** The build's rows in order, each with its row reference; the request is made only when asked (base64 of the image). */
export async function* sessionRows(s: GenerateSession): AsyncGenerator<{ ref: RowRef; request: () => ChatRequest }> {
  for await (const row of readBuildRows(s.gb.build, { allTurns: true })) {
    const ref = { key: rowKey(row), id: row.id, split: row.split };
    yield { ref, request: () => chatRequest(row, s.settings.model, s.sampling) };
  }
}

/** A chat completion (live or from a batch result) as a journal entry, every choice checked. */
export function entryOf(
  s: GenerateSession,
  req: { key: string; hash: string },
  body: { model?: unknown; usage?: unknown; choices?: unknown },
): JournalEntry {
  const choices: JournalChoice[] = (Array.isArray(body.choices) ? (body.choices as ApiChoice[]) : [])
    .map((c) => checkChoice(c, { profile: s.gb.profile, maxTokens: s.maxTokens }))
    .sort((a, b) => a.index - b.index);
  if (!choices.length)
    choices.push({
      index: 0,
      response: '',
      finish_reason: null,
      tokens: 0,
      drop: { reason: 'empty', detail: 'the response has no choices' },
    });
  const u = body.usage;
  const num = (k: string) => (isObject(u) && typeof u[k] === 'number' ? u[k] : 0);
  return {
    key: req.key,
    request_hash: req.hash,
    model: typeof body.model === 'string' ? body.model : null,
    usage: u
      ? {
          prompt_tokens: num('prompt_tokens'),
          completion_tokens: num('completion_tokens'),
          total_tokens: num('total_tokens'),
        }
      : null,
    choices,
  };
}
