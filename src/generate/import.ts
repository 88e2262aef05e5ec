/**
 * `gad-data generate import RESULTS.jsonl... --batch REQUESTS.jsonl`: the results of an OpenAI Batch or a
 * `vllm run-batch` run read back — both write `{"id", "custom_id", "response": {"status_code", "request_id",
 * "body": <chat completion>}, "error"}` lines — and checked as live answers are, into the same journal and
 * answer files. A result is taken only for the exact request the batch file holds for that row (the request
 * sha256 in its custom_id, recomputed from the build); failed results are counted and left for a rerun.
 */
import { createReadStream, existsSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { GadError } from '../core/errors.js';
import { isObject } from '../core/guards.js';
import { readJsonDoc } from '../core/json-doc.js';
import { batchSidecarPath } from './batch.js';
import { batchSidecarSchema } from './batch-sidecar-schema.js';
import { endpointHost } from './endpoint.js';
import { type GenerateManifest, type RowRef, finishRun } from './finish-run.js';
import { Journal } from './answer-journal.js';
import { entryOf, openSession, sessionRows } from './run-session.js';

export interface ImportOptions {
  /** Result files (OpenAI batch output / error files, or `vllm run-batch -o`). */
  results: string[];
  /** The batch input file written by --batch-out (its `.gad-data.json` says which build and settings). */
  batch: string;
}

export interface ImportResult {
  complete: boolean;
  rows: number;
  imported: number;
  failed: number;
  failures: string[];
  /** Result lines whose custom_id is no row of the build, or whose request differs from the build's. */
  unmatched: number;
  remaining: number;
  manifest: GenerateManifest | null;
  files: { outputs: string[]; dropped: string; journal: string; manifest: string };
}

interface ResultLine {
  hash: string;
  status: number | null;
  body: Record<string, unknown> | null;
  error: string | null;
}

async function readResults(files: string[]): Promise<Map<string, ResultLine>> {
  const out = new Map<string, ResultLine>();
  for (const file of files) {
    if (!existsSync(file))
      throw new GadError(`result file not found: ${file}`, { hint: 'give the batch output file', exitCode: 2 });
    let n = 0;
    for await (const line of createInterface({ input: createReadStream(file), crlfDelay: Infinity })) {
      n++;
      if (!line.trim()) continue;
      let o: { custom_id?: unknown; response?: { status_code?: unknown; body?: unknown } | null; error?: unknown };
      try {
        o = JSON.parse(line);
      } catch {
        throw new GadError(`${file} line ${n} is not valid JSON`, {
          hint: 'give the batch output file as the service wrote it',
          exitCode: 2,
        });
      }
      const cid = typeof o.custom_id === 'string' ? o.custom_id : null;
      const cut = cid ? cid.lastIndexOf('#') : -1;
      if (!cid || cut < 0)
        throw new GadError(`${file} line ${n} has no custom_id written by gad-data (split/id#sha256)`, {
          hint: 'import the results of the batch file `generate --batch-out` wrote',
          exitCode: 2,
        });
      const status = typeof o.response?.status_code === 'number' ? o.response.status_code : null;
      const body = isObject(o.response?.body) ? o.response.body : null;
      const err = o.error
        ? JSON.stringify(o.error)
        : status !== 200
          ? JSON.stringify(body?.error ?? body ?? 'no response')
          : null;
      const prev = out.get(cid.slice(0, cut));
      // an error line never replaces an answer (an OpenAI batch lists a request in the output or the error file)
      if (prev && prev.status === 200 && !prev.error) continue;
      out.set(cid.slice(0, cut), { hash: cid.slice(cut + 1), status, body, error: err });
    }
  }
  return out;
}

export async function importBatchResults(o: ImportOptions): Promise<ImportResult> {
  const sidecarFile = batchSidecarPath(o.batch);
  if (!existsSync(sidecarFile))
    throw new GadError(`${sidecarFile} is missing: it is written with the batch file by --batch-out`, {
      hint: 'pass --batch with the requests file gad-data wrote (the .gad-data.json beside it says which build it is for)',
      exitCode: 2,
    });
  const sc = readJsonDoc(sidecarFile, batchSidecarSchema, {
    file: sidecarFile,
    what: 'a batch sidecar written by generate --batch-out',
    hint: 'write the batch file again with generate --batch-out (it writes the .gad-data.json beside it)',
  });
  const s = await openSession(sc.options, sc.options.endpoint ? endpointHost(sc.options.endpoint) : 'batch');
  const results = await readResults(o.results);
  const journal = Journal.open(s.paths.journal, s.settings);
  const rows: RowRef[] = [];
  let imported = 0;
  let failed = 0;
  let unmatched = 0;
  const failures: string[] = [];
  const used = new Set<string>();
  try {
    for await (const { ref, request } of sessionRows(s)) {
      rows.push(ref);
      const r = results.get(ref.key);
      if (!r || journal.entries.has(ref.key)) continue;
      used.add(ref.key);
      const req = request();
      if (r.hash !== req.hash) {
        unmatched++;
        continue;
      }
      if (r.error || !r.body) {
        failed++;
        if (failures.length < 5) failures.push(`${ref.key}: ${r.error ?? 'no body'}`);
        continue;
      }
      journal.append(entryOf(s, req, r.body));
      imported++;
    }
  } finally {
    journal.close();
  }
  unmatched += [...results.keys()].filter((k) => !used.has(k) && !journal.entries.has(k)).length;
  const remaining = rows.filter((r) => !journal.entries.has(r.key)).length;
  const manifest = remaining
    ? null
    : finishRun({ journal, rows, paths: s.paths, settings: s.settings, from: s.gb.build.dir });
  return {
    complete: remaining === 0,
    rows: rows.length,
    imported,
    failed,
    failures,
    unmatched,
    remaining,
    manifest,
    files: { ...s.paths },
  };
}
