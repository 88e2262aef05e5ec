/**
 * The `fetch` handed to every `@huggingface/hub` call (its `fetch` parameter): what the Hub — or a mirror posing as
 * one — may make gad-data wait for, hold in memory or write, and where the token may go.
 * - Time-outs as huggingface_hub's (`HF_HUB_ETAG_TIMEOUT` for API answers, `HF_HUB_DOWNLOAD_TIMEOUT` for files, 10 s
 *   each by default): to connect and get the answer's headers, then between two pieces of its body. Node's own
 *   fetch waits 300 s for headers and forever for a body.
 * - A byte cap on every body, counted after any transparent decompression (a gzip bomb is cut at the cap, not
 *   inflated in full), shared across the pages of one listing, and a page limit (an endless `Link: next` chain).
 * - The token only to the endpoint's origin (or an allow-listed host): a mirror's `Link` header (the next listing
 *   page, xet's `xet-auth` URL) may name any host, and `@huggingface/hub` sends the token to it. Redirects are
 *   already safe (fetch drops `Authorization` on a cross-origin redirect).
 */
import type { ResolvedHubOptions } from './hub-options.js';
import { HubLimitError, HubNetworkError, networkHint } from './hub-errors.js';

export interface HubFetchParams {
  o: ResolvedHubOptions;
  /** `api`: JSON answers (info, listing pages); `download`: file bytes. Decides the time-out. */
  kind: 'api' | 'download';
  /** What is fetched, for messages (`the file listing of owner/name@1a2b3c4d`). */
  what: string;
  /** Most body bytes: per answer, or for all answers together when `shared`. */
  maxBytes: number;
  /** What sets `maxBytes`, for the message (`hub.max_answer_mb`, `its listed size`). */
  limit: string;
  /** The end of the fix when the cap is hit (`for a real listing that large, raise hub.max_answer_mb`). */
  raise: string;
  /** One budget for every answer of this fetch (the pages of one listing). */
  shared?: boolean;
  /** Most requests (pages) this fetch may make; a URL asked twice is a loop. */
  maxPages?: number;
}

/** `1.7 MB`, `64 MB`, `512 B` */
export function shownBytes(n: number): string {
  if (n >= 1024 * 1024) return `${(n / 1024 / 1024).toFixed(n >= 10 * 1024 * 1024 ? 0 : 1)} MB`;
  if (n >= 1024) return `${(n / 1024).toFixed(1)} kB`;
  return `${n} B`;
}

/** The token may go to the endpoint's origin and to the hosts the user allowed, nowhere else. */
export function tokenAllowed(o: ResolvedHubOptions, url: URL): boolean {
  try {
    if (url.origin === new URL(o.endpoint).origin) return true;
  } catch {
    /* an endpoint that is no URL: nothing matches it */
  }
  return o.tokenHosts.includes(url.host.toLowerCase()) || o.tokenHosts.includes(url.hostname.toLowerCase());
}

function mirrorFix(o: ResolvedHubOptions, raise: string): string {
  return `the server is not behaving like the Hugging Face Hub (a broken or hostile mirror?): check HF_ENDPOINT / hub.endpoint (now ${new URL(o.endpoint).origin}), e.g. HF_ENDPOINT=https://hf-mirror.com, or unset it; HF_HUB_OFFLINE=1 uses only the local cache; ${raise}`;
}

/** A `fetch` for the Hub client, remembering the last limit or time-out it raised (some callers lose the error). */
export type HubFetch = typeof fetch & { failure: Error | null };

/** A `fetch` with the limits above for one operation. */
export function hubFetch(p: HubFetchParams): HubFetch {
  const { o, kind } = p;
  const seconds = kind === 'api' ? o.timeouts.api : o.timeouts.download;
  const timeoutVar = kind === 'api' ? 'HF_HUB_ETAG_TIMEOUT' : 'HF_HUB_DOWNLOAD_TIMEOUT';
  const budget = { used: 0 };
  const seen = new Set<string>();
  let pages = 0;
  const timeoutError = (origin: string, during: string) =>
    new HubNetworkError(`the Hub at ${origin} ${during} ${seconds} s (${p.what})`, {
      hint: `${networkHint()} (now ${timeoutVar}=${seconds})`,
    });

  const fail = <E extends Error>(e: E): E => {
    f.failure = e;
    return e;
  };
  const f: HubFetch = Object.assign(
    async (input: Parameters<typeof fetch>[0], init: RequestInit = {}) => {
      const url = new URL(input instanceof Request ? input.url : String(input));
      const origin = url.origin;
      if (p.maxPages !== undefined) {
        if (seen.has(url.href))
          throw fail(
            new HubLimitError(`the Hub at ${origin} sent a page link that loops back to an earlier page (${p.what})`, {
              hint: mirrorFix(o, 'nothing to raise: a listing never repeats a page'),
            }),
          );
        seen.add(url.href);
        if (++pages > p.maxPages)
          throw fail(
            new HubLimitError(`the Hub at ${origin} kept sending pages: more than ${p.maxPages} (${p.what}); stopped`, {
              hint: mirrorFix(o, `for a real repo with more files, raise hub.max_pages (now ${p.maxPages})`),
            }),
          );
      }
      const headers = new Headers(input instanceof Request ? input.headers : undefined);
      new Headers(init.headers).forEach((v, k) => headers.set(k, v));
      if (o.token && headers.get('authorization') === `Bearer ${o.token}` && !tokenAllowed(o, url)) {
        headers.delete('authorization');
        o.note?.(
          `token:${url.host}`,
          `not sending HF_TOKEN to ${origin} (named by the Hub at ${new URL(o.endpoint).origin}, another host); list it in hub.token_hosts to allow it`,
        );
      }
      const ctl = new AbortController();
      const signal = init.signal ? AbortSignal.any([init.signal, ctl.signal]) : ctl.signal;
      let timer = setTimeout(() => ctl.abort(timeoutError(origin, 'did not answer within')), seconds * 1000);
      let res: Response;
      try {
        res = await fetch(url, { ...init, headers, signal });
      } catch (e) {
        if (ctl.signal.aborted && ctl.signal.reason instanceof HubNetworkError) throw fail(ctl.signal.reason);
        throw e;
      } finally {
        clearTimeout(timer);
      }
      if (!res.body) return res;
      const reader = res.body.getReader();
      const max = p.maxBytes;
      const used = p.shared ? budget : { used: 0 };
      const body = new ReadableStream<Uint8Array>(
        {
          async pull(controller) {
            let r: Awaited<ReturnType<typeof reader.read>>;
            try {
              r = await new Promise<Awaited<ReturnType<typeof reader.read>>>((ok, ko) => {
                timer = setTimeout(() => ko(timeoutError(origin, 'sent nothing more for')), seconds * 1000);
                reader.read().then(ok, ko);
              });
            } catch (e) {
              ctl.abort(e);
              void reader.cancel(e).catch(() => {});
              const err = e instanceof HubNetworkError || e instanceof HubLimitError ? fail(e) : e;
              controller.error(err);
              return;
            } finally {
              clearTimeout(timer);
            }
            if (r.done) return controller.close();
            used.used += r.value.byteLength;
            if (used.used > max) {
              const err = fail(
                new HubLimitError(
                  `the Hub at ${origin} sent more than ${shownBytes(max)} (${p.limit}) for ${p.what}; stopped`,
                  { hint: mirrorFix(o, p.raise) },
                ),
              );
              ctl.abort(err);
              void reader.cancel(err).catch(() => {});
              controller.error(err);
              return;
            }
            controller.enqueue(r.value);
          },
          cancel(reason) {
            ctl.abort(reason);
            return reader.cancel(reason).catch(() => {});
          },
        },
        // pulled only when read: a body nobody reads (the library's size probe) starts no read time-out
        { highWaterMark: 0 },
      );
      const out = new Response(body, { status: res.status, statusText: res.statusText, headers: res.headers });
      // the library compares the final URL's origin with the endpoint's (fileDownloadInfo): keep it
      Object.defineProperty(out, 'url', { value: res.url });
      return out;
    },
    { failure: null as Error | null },
  );
  return f;
}
