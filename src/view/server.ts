/**
 * The viewer's HTTP server (node:http): bound to 127.0.0.1 only, on a free port; every request must carry the
 * session token (`?token=`, or the cookie set on the first visit), as Jupyter does, and a Host of this machine's
 * loopback (a web page elsewhere cannot reach it through DNS rebinding). Files of the build folder are served
 * only after `..`, percent-encoding and symlinks are resolved and the real path is still inside it.
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { extname } from 'node:path';
import { GadError, describeError } from '../core/errors.js';
import { esc, page, type PageCtx } from './page-shell.js';
import { imageBytes, imageType } from './measure.js';
import type { ViewModel } from './model.js';
import { droppedRow, droppedTable, homePage } from './page-dropped.js';
import { rowPage } from './page-row.js';
import { splitTable } from './page-table.js';
import { SORT_KEYS, type TableQuery } from './query.js';
import { rowJson } from './row-json.js';
import { insideRoot } from './safe-path.js';
import { originalsOf, readOriginal } from './original-file.js';
import { lengthRecord, readRow, splitOf, type ViewSource } from './source.js';
import { must } from '../core/guards.js';

const COOKIE = 'gad_data_view';
const HEADERS = {
  'content-security-policy':
    "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'cache-control': 'no-store',
};
const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.jsonl': 'text/plain; charset=utf-8',
  '.md': 'text/plain; charset=utf-8',
  '.jinja': 'text/plain; charset=utf-8',
  '.png': 'image/png',
};

export interface ViewServer {
  url: string;
  port: number;
  token: string;
  close(): Promise<void>;
}

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

function sameToken(a: string | null | undefined, b: string): boolean {
  if (!a) return false;
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

function cookieToken(req: IncomingMessage): string | null {
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const [k, ...v] = part.trim().split('=');
    if (k === COOKIE) return v.join('=');
  }
  return null;
}

function intParam(u: URLSearchParams, name: string, min: number, dflt?: number): number {
  const s = u.get(name);
  if (s === null || s === '') {
    if (dflt !== undefined) return dflt;
    throw new HttpError(400, `missing ${name}`);
  }
  if (!/^\d{1,9}$/.test(s) || Number(s) < min) throw new HttpError(400, `${name} must be an integer ≥ ${min}`);
  return Number(s);
}

function tableQuery(u: URLSearchParams): TableQuery {
  const sort = u.get('sort') || null;
  const key = SORT_KEYS.find((k) => k === sort) ?? null;
  if (sort && !key) throw new HttpError(400, `sort must be one of ${SORT_KEYS.join(', ')}`);
  return {
    page: intParam(u, 'page', 1, 1),
    size: Math.min(intParam(u, 'size', 1, 50), 500),
    sort: key,
    desc: u.get('desc') === '1',
    changed: u.get('changed') === '1',
    q: (u.get('q') ?? '').trim(),
    split: u.get('split') ?? '',
    reason: u.get('reason') ?? '',
  };
}

export async function startServer(p: {
  src: ViewSource;
  model: () => Promise<ViewModel>;
  modelName: string;
  port?: number;
}): Promise<ViewServer> {
  const { src } = p;
  const token = randomBytes(24).toString('hex');
  const ctx: PageCtx = { token, title: src.title };
  let port = 0;

  async function route(req: IncomingMessage, res: ServerResponse, path: string, u: URLSearchParams): Promise<void> {
    const html = (body: string) => {
      res.writeHead(200, { ...HEADERS, 'content-type': 'text/html; charset=utf-8' });
      res.end(body);
    };
    const split = () => {
      try {
        return splitOf(src, u.get('split') ?? src.splits[0]?.name ?? '');
      } catch (e) {
        throw new HttpError(404, describeError(e));
      }
    };
    if (path === '/') return html(homePage(ctx, src));
    if (path === '/rows') return html(await splitTable(ctx, src, split(), tableQuery(u)));
    if (path === '/row') {
      const s = split();
      const n = intParam(u, 'n', 0);
      if (n >= s.rows) throw new HttpError(404, `split ${s.name} has ${s.rows} rows`);
      return html(await rowPage({ ctx, src, split: s, n, model: await p.model(), modelName: p.modelName }));
    }
    if (path === '/row.json') {
      const s = split();
      const n = intParam(u, 'n', 0);
      if (n >= s.rows) throw new HttpError(404, `split ${s.name} has ${s.rows} rows`);
      res.writeHead(200, {
        ...HEADERS,
        'content-type': 'application/json; charset=utf-8',
        'content-disposition': `attachment; filename="${s.name.replace(/[^\w.-]/g, '_')}-${n}.json"`,
      });
      return void res.end(`${JSON.stringify(await rowJson(src, s, n), null, 2)}\n`);
    }
    if (path === '/image') {
      const s = split();
      const n = intParam(u, 'n', 0);
      if (n >= s.rows) throw new HttpError(404, `split ${s.name} has ${s.rows} rows`);
      const cell = (await readRow(s, n, [src.columns.images], true))[src.columns.images];
      const im = Array.isArray(cell) ? cell[intParam(u, 'i', 0, 0)] : undefined;
      const bytes = imageBytes(im);
      if (!bytes) throw new HttpError(404, 'no such image');
      res.writeHead(200, { ...HEADERS, 'content-type': imageType(bytes) ?? 'application/octet-stream' });
      return void res.end(bytes);
    }
    if (path === '/original') {
      const s = split();
      const n = intParam(u, 'n', 0);
      if (n >= s.rows || !src.root) throw new HttpError(404, `split ${s.name} has no row ${n} of a build`);
      const i = intParam(u, 'i', 0, 0);
      const im = (await originalsOf(src, await lengthRecord(src, s, n))).find((x) => x.image === i);
      const got = im ? await readOriginal(src, im) : { why: 'the build did not change this image' };
      if ('why' in got) throw new HttpError(404, `original not available: ${got.why}`);
      res.writeHead(200, { ...HEADERS, 'content-type': imageType(got.bytes) ?? 'application/octet-stream' });
      return void res.end(got.bytes);
    }
    if (path === '/dropped') return html(await droppedTable(ctx, src, tableQuery(u)));
    if (path === '/dropped-row') {
      const line = intParam(u, 'line', 0);
      await src.dropped?.finished;
      if (!src.dropped || line >= src.dropped.count) throw new HttpError(404, 'no such dropped row');
      return html(await droppedRow(ctx, src, line));
    }
    if (path.startsWith('/file/')) {
      let rel: string;
      try {
        rel = decodeURIComponent(path.slice('/file/'.length));
      } catch {
        throw new HttpError(400, 'bad path encoding');
      }
      const real = src.root ? insideRoot(src.root, rel) : null;
      if (!real) throw new HttpError(403, 'only files inside the build folder are served');
      res.writeHead(200, { ...HEADERS, 'content-type': TYPES[extname(real)] ?? 'application/octet-stream' });
      return void res.end(await readFile(real));
    }
    throw new HttpError(404, 'not found');
  }

  const server = createServer((req, res) => {
    const raw = req.url ?? '/';
    const q = raw.indexOf('?');
    const path = q < 0 ? raw : raw.slice(0, q);
    const u = new URLSearchParams(q < 0 ? '' : raw.slice(q + 1));
    const fail = (status: number, message: string) => {
      if (res.headersSent) return void res.destroy();
      res.writeHead(status, { ...HEADERS, 'content-type': 'text/html; charset=utf-8' });
      res.end(page(ctx, String(status), `<h2>${status}</h2><p>${esc(message)}</p>`));
    };
    const host = req.headers.host ?? '';
    if (host !== `127.0.0.1:${port}` && host !== `localhost:${port}`) return fail(403, 'wrong Host header');
    const given = u.get('token');
    if (!sameToken(given, token) && !sameToken(cookieToken(req), token))
      return fail(403, 'missing or wrong token: open the URL that gad-data view printed');
    if (req.method !== 'GET' && req.method !== 'HEAD') return fail(405, 'only GET');
    if (given) res.setHeader('set-cookie', `${COOKIE}=${token}; HttpOnly; SameSite=Strict; Path=/`);
    route(req, res, path, u).catch((e) => {
      if (e instanceof HttpError) fail(e.status, e.message);
      else if (e instanceof GadError) fail(e.exitCode === 2 ? 404 : 500, e.message);
      else fail(500, `unexpected error: ${describeError(e)}`);
    });
  });
  await new Promise<void>((ok, bad) => {
    server.once('error', bad);
    server.listen(p.port ?? 0, '127.0.0.1', () => ok());
  });
  const address = server.address();
  port = must(typeof address === 'object' ? address : null, 'a listening TCP server has an address').port;
  return {
    url: `http://127.0.0.1:${port}/?token=${token}`,
    port,
    token,
    close: () =>
      new Promise<void>((ok) => {
        server.closeAllConnections();
        server.close(() => ok());
      }),
  };
}
