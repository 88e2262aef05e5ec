/**
 * Test helper: a local OpenAI-compatible chat-completions server on 127.0.0.1, written for the tests. It checks
 * each request with the test's `check` (the image bytes and the text against the build), answers
 * deterministically from the request's content (the same question always gets the same answer), injects
 * faults on a question's first attempt, and records every request: its question, its Authorization header and
 * whether it was answered.
 */
import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export type Fault = '429' | '500' | 'hang' | 'close' | 'length' | 'empty' | 'redirect';

export interface ChatBody {
  model: string;
  messages: Array<{
    role: string;
    content: string | Array<{ type: string; text?: string; image_url?: { url: string } }>;
  }>;
  n?: number;
  max_tokens?: number;
  temperature?: number;
}

export interface RecordedRequest {
  question: string;
  authorization: string | undefined;
  /** The request's path and query as received, and its headers (an Azure test checks `api-key`). */
  url: string;
  headers: IncomingMessage['headers'];
  answered: boolean;
  status: number | 'hang' | 'close';
  body: ChatBody;
}

/** The question a request asks: sha256 of its messages (the same for a retry of it). */
export function questionOf(body: ChatBody): string {
  return createHash('sha256').update(JSON.stringify(body.messages)).digest('hex');
}

/** The deterministic answer of a question (choice k) by a model. */
export function answerOf(body: ChatBody, k = 0): string {
  const h = questionOf(body).slice(0, 8);
  return `<think>\n${body.model} reads ${h}; sample ${k}.\n</think>\nThe answer is \\boxed{${parseInt(h.slice(0, 4), 16) % 997}}.`;
}

/** The chat completion the server answers with (also what a batch result holds). */
export function completionOf(body: ChatBody, fault: Fault | null = null): Record<string, unknown> {
  const n = body.n ?? 1;
  const choices = Array.from({ length: n }, (_, k) => {
    const content = fault === 'empty' ? '' : answerOf(body, k);
    return {
      index: k,
      message: { role: 'assistant', content, refusal: null },
      logprobs: null,
      finish_reason: fault === 'length' ? 'length' : 'stop',
    };
  });
  const completion = choices.reduce((a, c) => a + Math.ceil(c.message.content.length / 4), 0);
  const prompt = JSON.stringify(body.messages).length % 1000;
  return {
    id: `chatcmpl-${questionOf(body).slice(0, 12)}`,
    object: 'chat.completion',
    created: 1700000000,
    model: body.model,
    choices,
    usage: { prompt_tokens: prompt, completion_tokens: completion, total_tokens: prompt + completion },
  };
}

export interface FakeOpenAI {
  url: string;
  port: number;
  requests: RecordedRequest[];
  /** Errors of `check` (a request that did not match the build). */
  mismatches: string[];
  /** Forget the recorded requests and attempts and take another fault plan (the same port: the same endpoint). */
  reset(fault?: (question: string, body: ChatBody) => Fault | null): void;
  close(): Promise<void>;
}

export async function startOpenAIServer(o: {
  check?: (body: ChatBody) => string | null;
  /** The fault of a question's first attempt (null: none). */
  fault?: (question: string, body: ChatBody) => Fault | null;
  /** Where `redirect` points. */
  redirectTo?: string;
  /** Milliseconds before answering. */
  delayMs?: number;
  /** The only key accepted (else 401). */
  key?: string;
  /** Keep no record of the requests (a benchmark: the bodies hold the images). */
  noRecord?: boolean;
  /** The chat-completions path served (default /v1/chat/completions; the query is not part of it). */
  path?: string;
  /** Where the key is expected: `Authorization: Bearer` (default) or Azure's `api-key` header. */
  auth?: 'bearer' | 'api-key';
}): Promise<FakeOpenAI> {
  const requests: RecordedRequest[] = [];
  const mismatches: string[] = [];
  let faultOf = o.fault;
  const attempts = new Map<string, number>();
  const hung = new Set<ServerResponse>();
  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const keyOk =
      o.auth === 'api-key' ? req.headers['api-key'] === o.key : req.headers.authorization === `Bearer ${o.key}`;
    if (o.key && !keyOk) {
      res
        .writeHead(401, { 'content-type': 'application/json' })
        .end('{"error":{"message":"Incorrect API key provided"}}');
      return;
    }
    if (req.method !== 'POST' || req.url?.split('?')[0] !== (o.path ?? '/v1/chat/completions')) {
      res.writeHead(404).end('{"error":{"message":"not found"}}');
      return;
    }
    const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as ChatBody;
    const question = questionOf(body);
    const attempt = (attempts.get(question) ?? 0) + 1;
    if (!o.noRecord) attempts.set(question, attempt);
    const rec: RecordedRequest = {
      question,
      authorization: req.headers.authorization,
      url: req.url ?? '',
      headers: req.headers,
      answered: false,
      status: 200,
      body,
    };
    if (!o.noRecord) requests.push(rec);
    const bad = o.check?.(body);
    if (bad) mismatches.push(bad);
    const fault = attempt === 1 ? (faultOf?.(question, body) ?? null) : null;
    if (o.delayMs) await new Promise((r) => setTimeout(r, o.delayMs));
    const json = (status: number, v: unknown, headers: Record<string, string> = {}) => {
      rec.status = status;
      res.writeHead(status, { 'content-type': 'application/json', ...headers }).end(JSON.stringify(v));
    };
    switch (fault) {
      case '429':
        return json(429, { error: { message: 'rate limited', type: 'rate_limit' } }, { 'retry-after': '1' });
      case '500':
        return json(500, { error: { message: 'internal error' } });
      case 'hang':
        rec.status = 'hang';
        hung.add(res);
        return;
      case 'close':
        rec.status = 'close';
        req.socket.destroy();
        return;
      case 'redirect':
        rec.status = 307;
        res.writeHead(307, { location: `${o.redirectTo}/v1/chat/completions` }).end();
        return;
      default:
        rec.answered = true;
        return json(200, completionOf(body, fault));
    }
  };
  const server: Server = createServer((req, res) => {
    handle(req, res).catch((e) => {
      mismatches.push(`server error: ${String(e)}`);
      res.writeHead(500).end();
    });
  });
  server.keepAliveTimeout = 1000;
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}/v1`,
    port,
    requests,
    mismatches,
    reset: (fault) => {
      requests.length = 0;
      mismatches.length = 0;
      attempts.clear();
      faultOf = fault;
    },
    close: async () => {
      for (const r of hung) r.destroy();
      server.closeAllConnections();
      await new Promise<void>((ok) => server.close(() => ok()));
    },
  };
}
