/**
 * Test helper: a local stand-in for the Hugging Face Hub on 127.0.0.1 (port 0) serving small dataset
 * repos through the endpoints `@huggingface/hub` calls:
 *   GET /api/datasets/<owner>/<name>/revision/<rev>   → repo info with `sha` (the commit); without
 *       `/revision/<rev>` the info of `main` (what huggingface_hub's dataset_info asks when no revision is given)
 *   GET /api/datasets/<owner>/<name>/tree/<rev>[/path]?recursive=… → file listing, paginated with a Link header
 *   GET /datasets/<owner>/<name>/resolve/<rev>/<path> → file bytes, with ETag / X-Repo-Commit /
 *       Content-Length / Accept-Ranges and 206 + Content-Range for Range requests
 * Every request is recorded (method, path, Authorization, Range) so tests can assert what reached it.
 * A `hostile` option turns it into a broken or malicious mirror (rewritten listing entries, other bytes than
 * listed, a bogus commit id).
 */
import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface HubFile {
  path: string;
  content: Uint8Array;
}

export interface HubRevision {
  /** 40-hex commit. */
  commit: string;
  files: HubFile[];
}

export interface HubRepo {
  name: string;
  /** Revision name (`main`, a tag, `refs/convert/parquet`) → content. A commit hash also resolves. */
  revisions: Record<string, HubRevision>;
  /** Require this bearer token (401 otherwise). */
  requireToken?: string;
}

export interface RecordedRequest {
  method: string;
  url: string;
  authorization: string | null;
  range: string | null;
  status: number;
  /** Body bytes sent. */
  bytes: number;
}

/** One file entry of a tree listing, as the Hub sends it. */
export interface TreeFileEntry {
  type: 'file';
  oid: string;
  size: number;
  path: string;
  lfs?: { oid: string; size: number; pointerSize: number };
}

/** How a hostile mirror lies. */
export interface HostileMirror {
  /** Rewrite each file entry of the tree listing (path, oid, lfs) before it is sent. */
  entry?: (e: TreeFileEntry) => TreeFileEntry;
  /** Bytes served for a file instead of its content (the listing still names the real content). */
  body?: (f: HubFile) => Uint8Array;
  /** The commit id the revision endpoint answers instead of the real one. */
  sha?: string;
  /** The `Link: <next>` URL of a listing page, rewritten (e.g. to another host). */
  link?: (next: URL) => string;
  /**
   * Answer a request in any other way (an endless body, a gzip bomb, xet headers, ...): return true when it was
   * answered here. `kind` says which endpoint it is; `info` / `tree` / `resolve`.
   */
  answer?: (req: IncomingMessage, res: ServerResponse, kind: 'info' | 'tree' | 'resolve' | 'other') => boolean;
}

export interface HubServer {
  url: string;
  requests: RecordedRequest[];
  close(): Promise<void>;
}

export function fakeCommit(seed: string): string {
  return createHash('sha1').update(seed).digest('hex');
}

function sha256(b: Uint8Array): string {
  return createHash('sha256').update(b).digest('hex');
}

function gitOid(b: Uint8Array): string {
  return createHash('sha1').update(`blob ${b.length}\0`).update(b).digest('hex');
}

function findRevision(repo: HubRepo, rev: string): HubRevision | null {
  if (repo.revisions[rev]) return repo.revisions[rev]!;
  for (const r of Object.values(repo.revisions)) if (r.commit === rev) return r;
  return null;
}

/**
 * Start the server. `pageSize` sets how many tree entries go in one page (the Hub pages large listings);
 * `throttle` sends file bodies of at least 64 KiB in chunks of `chunkBytes` every `delayMs` (slow downloads, for
 * crash tests that kill a client mid-download).
 */
export async function startHubServer(
  repos: HubRepo[],
  opts: { pageSize?: number; throttle?: { chunkBytes: number; delayMs: number }; hostile?: HostileMirror } = {},
): Promise<HubServer> {
  const requests: RecordedRequest[] = [];
  const pageSize = opts.pageSize ?? 1000;
  const byName = new Map(repos.map((r) => [r.name, r]));
  let base = '';

  const handler = (req: IncomingMessage, res: ServerResponse) => {
    const u = new URL(req.url ?? '/', base);
    const rec: RecordedRequest = {
      method: req.method ?? 'GET',
      url: req.url ?? '',
      authorization: (req.headers.authorization as string | undefined) ?? null,
      range: (req.headers.range as string | undefined) ?? null,
      status: 0,
      bytes: 0,
    };
    requests.push(rec);
    const send = (status: number, body: Uint8Array | string, headers: Record<string, string> = {}) => {
      const buf = typeof body === 'string' ? Buffer.from(body) : Buffer.from(body);
      rec.status = status;
      rec.bytes = buf.length;
      res.writeHead(status, { 'Content-Length': String(buf.length), ...headers });
      const t = opts.throttle;
      if (!t || buf.length < 65536) return void res.end(buf);
      let off = 0;
      const tick = () => {
        if (res.destroyed) return;
        const end = Math.min(buf.length, off + t.chunkBytes);
        res.write(buf.subarray(off, end));
        off = end;
        if (off < buf.length) setTimeout(tick, t.delayMs);
        else res.end();
      };
      tick();
    };
    const json = (status: number, v: unknown, headers: Record<string, string> = {}) =>
      send(status, JSON.stringify(v), { 'Content-Type': 'application/json', ...headers });
    const notFound = (code: string, msg: string) => json(404, { error: msg }, { 'X-Error-Code': code });

    // `/api/datasets/<owner>/<name>` (huggingface_hub's dataset_info without a revision) is the info of `main`
    const bare = /^\/api\/datasets\/([^/]+\/[^/]+)$/.exec(u.pathname);
    const api = bare
      ? [u.pathname, bare[1]!, 'revision', 'main']
      : /^\/api\/datasets\/([^/]+\/[^/]+)\/(revision|tree)\/(.*)$/.exec(u.pathname);
    const resolveM = /^\/datasets\/([^/]+\/[^/]+)\/resolve\/([^/]+)\/(.+)$/.exec(u.pathname);
    if (opts.hostile?.answer) {
      const kind = api ? (api[2] === 'tree' ? 'tree' : 'info') : resolveM ? 'resolve' : 'other';
      if (opts.hostile.answer(req, res, kind)) {
        rec.status = res.statusCode;
        return;
      }
    }
    const repoName = api?.[1] ?? resolveM?.[1];
    const repo = repoName ? byName.get(repoName) : undefined;
    if (!repo) return notFound('RepoNotFound', 'Repository not found');
    if (repo.requireToken && rec.authorization !== `Bearer ${repo.requireToken}`)
      return json(401, { error: 'Invalid credentials' });

    if (api && api[2] === 'revision') {
      const rev = decodeURIComponent(api[3]!);
      const r = findRevision(repo, rev === 'HEAD' ? 'main' : rev);
      if (!r) return notFound('RevisionNotFound', `Invalid rev id: ${rev}`);
      return json(200, {
        _id: fakeCommit(repo.name).slice(0, 24),
        id: repo.name,
        sha: opts.hostile?.sha ?? r.commit,
        private: false,
        gated: false,
        downloads: 0,
        likes: 0,
        lastModified: '2025-01-01T00:00:00.000Z',
      });
    }
    if (api && api[2] === 'tree') {
      // the client sends the revision unencoded: tree/<commit-or-branch>[/<path>]
      const rest = decodeURIComponent(api[3]!);
      let r: HubRevision | null = null;
      let sub = '';
      for (const name of [...Object.keys(repo.revisions), ...Object.values(repo.revisions).map((x) => x.commit)]) {
        if (rest === name || rest.startsWith(name + '/')) {
          r = findRevision(repo, name);
          sub = rest.slice(name.length + 1);
          break;
        }
      }
      if (!r) return notFound('RevisionNotFound', `Invalid rev id: ${rest}`);
      const recursive = u.searchParams.get('recursive') === 'true';
      const entries: unknown[] = [];
      const dirs = new Set<string>();
      for (const f of r.files) {
        if (sub && !f.path.startsWith(sub + '/')) continue;
        const rel = sub ? f.path.slice(sub.length + 1) : f.path;
        if (!recursive && rel.includes('/')) {
          dirs.add((sub ? sub + '/' : '') + rel.split('/')[0]);
          continue;
        }
        const lfs = f.path.endsWith('.parquet')
          ? { oid: sha256(f.content), size: f.content.length, pointerSize: 134 }
          : undefined;
        const entry: TreeFileEntry = {
          type: 'file',
          oid: gitOid(f.content),
          size: f.content.length,
          path: f.path,
          ...(lfs ? { lfs } : {}),
        };
        entries.push(opts.hostile?.entry ? opts.hostile.entry(entry) : entry);
      }
      if (recursive) {
        for (const f of r.files) {
          const parts = f.path.split('/');
          for (let i = 1; i < parts.length; i++) dirs.add(parts.slice(0, i).join('/'));
        }
      }
      for (const d of dirs) entries.push({ type: 'directory', oid: fakeCommit(d), size: 0, path: d });
      const cursor = Number(u.searchParams.get('cursor') ?? '0');
      const page = entries.slice(cursor, cursor + pageSize);
      const headers: Record<string, string> = {};
      if (cursor + pageSize < entries.length) {
        const next = new URL(u.toString());
        next.searchParams.set('cursor', String(cursor + pageSize));
        headers.Link = `<${opts.hostile?.link ? opts.hostile.link(next) : next.toString()}>; rel="next"`;
      }
      return json(200, page, headers);
    }
    if (resolveM) {
      const rev = decodeURIComponent(resolveM[2]!);
      const r = findRevision(repo, rev);
      if (!r) return notFound('RevisionNotFound', `Invalid rev id: ${rev}`);
      const path = decodeURIComponent(resolveM[3]!);
      // a hostile listing may name a path with `..` (which the client's URL normalises away): match by file name
      const base = (x: string) => x.slice(x.lastIndexOf('/') + 1);
      const found =
        r.files.find((x) => x.path === path) ??
        (opts.hostile ? r.files.find((x) => base(x.path) === base(path)) : undefined);
      if (!found) return notFound('EntryNotFound', `Entry not found: ${path}`);
      const f: HubFile = opts.hostile?.body ? { path: found.path, content: opts.hostile.body(found) } : found;
      const etag = f.path.endsWith('.parquet') ? sha256(found.content) : gitOid(found.content);
      const headers: Record<string, string> = {
        ETag: `"${etag}"`,
        'X-Repo-Commit': r.commit,
        'Accept-Ranges': 'bytes',
        'Content-Type': 'application/octet-stream',
      };
      if (f.path.endsWith('.parquet')) headers['X-Linked-Etag'] = `"${etag}"`;
      const range = rec.range ? /^bytes=(\d+)-(\d*)$/.exec(rec.range) : null;
      if (range) {
        const start = Number(range[1]);
        const end = range[2] ? Math.min(Number(range[2]), f.content.length - 1) : f.content.length - 1;
        if (start >= f.content.length) return send(416, '', { 'Content-Range': `bytes */${f.content.length}` });
        return send(206, f.content.subarray(start, end + 1), {
          ...headers,
          'Content-Range': `bytes ${start}-${end}/${f.content.length}`,
        });
      }
      if (req.method === 'HEAD') {
        rec.status = 200;
        res.writeHead(200, { ...headers, 'Content-Length': String(f.content.length) });
        return res.end();
      }
      return send(200, f.content, headers);
    }
    return notFound('NotFound', 'not found');
  };

  const server = createServer(handler);
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  const { port } = server.address() as AddressInfo;
  base = `http://127.0.0.1:${port}`;
  return {
    url: base,
    requests,
    close: () =>
      new Promise<void>((ok, ko) => {
        server.closeAllConnections();
        server.close((e) => (e ? ko(e) : ok()));
      }),
  };
}
