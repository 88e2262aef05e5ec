/**
 * `--batch-out FILE`: the requests as an OpenAI Batch API input file — one `{"custom_id", "method": "POST",
 * "url": "/v1/chat/completions", "body"}` line per row not answered yet — the file `vllm run-batch -i` reads
 * too (Azure OpenAI's dated API: `"url": "/chat/completions"`, the deployment as `model`). A file stays within the Batch API's limits (50,000 requests, 200 MB): past them the lines go on in
 * FILE-2.jsonl, FILE-3.jsonl, ... . Beside it, `<base>.gad-data.json` records what `generate import` needs
 * to check the results against the same requests. The custom_id is `split/id#<request sha256>`.
 */
import { closeSync, existsSync, openSync, writeFileSync, writeSync } from 'node:fs';
import { resolve } from 'node:path';
import { Journal } from './answer-journal.js';
import { type GenerateCommon, openSession, sessionRows } from './run-session.js';
import { endpointHost } from './endpoint.js';
import { batchUrl } from './azure.js';

export const BATCH_MAX_REQUESTS = 50_000;
export const BATCH_MAX_BYTES = 200 * 1024 * 1024;
export const BATCH_URL = '/v1/chat/completions';

export interface BatchOptions extends GenerateCommon {
  batchOut: string;
  /** Azure OpenAI's Batch API (its `url` form); also when --endpoint is an Azure host. */
  azure?: boolean;
  /** Per-file limits (default: the OpenAI Batch API's). */
  maxRequests?: number;
  maxBytes?: number;
}

/** `<base>.gad-data.json` beside a batch input file. */
export interface BatchSidecar {
  format: 'gad-data-generate-batch';
  version: 1;
  options: Omit<GenerateCommon, 'cwd' | 'out'> & { out: string };
  files: string[];
  requests: number;
}

export function batchSidecarPath(batchFile: string): string {
  return `${resolve(batchFile).replace(/\.jsonl?$/i, '')}.gad-data.json`;
}

export function batchCustomId(key: string, hash: string): string {
  return `${key}#${hash}`;
}

export async function writeBatchFile(
  o: BatchOptions,
): Promise<{ files: string[]; requests: number; sidecar: string; skipped: number }> {
  const s = await openSession(o, o.endpoint ? endpointHost(o.endpoint) : 'batch');
  const answered = existsSync(s.paths.journal) ? Journal.open(s.paths.journal, s.settings) : null;
  answered?.close();
  const first = resolve(o.cwd ?? process.cwd(), o.batchOut);
  const base = first.replace(/\.jsonl?$/i, '');
  const url = batchUrl(o);
  const maxReq = o.maxRequests ?? BATCH_MAX_REQUESTS;
  const maxBytes = o.maxBytes ?? BATCH_MAX_BYTES;
  const files = [first];
  let fd = openSync(first, 'w');
  let inFile = 0;
  let bytes = 0;
  let requests = 0;
  let skipped = 0;
  try {
    for await (const { ref, request } of sessionRows(s)) {
      if (answered?.entries.has(ref.key)) {
        skipped++;
        continue;
      }
      const req = request();
      const line = `${JSON.stringify({ custom_id: batchCustomId(req.key, req.hash), method: 'POST', url, body: req.body })}\n`;
      const size = Buffer.byteLength(line);
      if (inFile && (inFile >= maxReq || bytes + size > maxBytes)) {
        closeSync(fd);
        const next = `${base}-${files.length + 1}.jsonl`;
        files.push(next);
        fd = openSync(next, 'w');
        inFile = 0;
        bytes = 0;
      }
      writeSync(fd, line);
      inFile++;
      bytes += size;
      requests++;
    }
  } finally {
    closeSync(fd);
  }
  const sidecar: BatchSidecar = {
    format: 'gad-data-generate-batch',
    version: 1,
    options: {
      role: o.role,
      from: s.gb.build.dir,
      model: o.model,
      ...(o.endpoint ? { endpoint: o.endpoint } : {}),
      out: resolve(o.cwd ?? process.cwd(), o.out ?? `${o.role}.jsonl`),
      sampling: o.sampling ?? {},
      ...(o.tokenizerModel ? { tokenizerModel: resolve(o.tokenizerModel) } : {}),
    },
    files,
    requests,
  };
  const sidecarFile = batchSidecarPath(first);
  writeFileSync(sidecarFile, `${JSON.stringify(sidecar, null, 2)}\n`);
  return { files, requests, sidecar: sidecarFile, skipped };
}
