/** Errors of the Hub client: messages without secrets, hints by HTTP status, a misbehaving mirror named. */
import { GadError, describeError, environmentErrorCode } from '../../core/errors.js';
import { hfDownloadHint } from '../../core/hf-hints.js';
import type { ResolvedHubOptions } from './hub-options.js';
import { errnoPathOf, isObject } from '../../core/guards.js';

/** Strip anything token-like from a message (defence in depth: errors from the client carry URLs only). */
function scrub(msg: string, token: string | undefined): string {
  let m = msg;
  if (token) m = m.split(token).join('***');
  return m.replace(/hf_[A-Za-z0-9]{8,}/g, 'hf_***');
}

/** The Hub (or a mirror) sent more than a limit allows (bytes, pages): stopped, exit 2. */
export class HubLimitError extends GadError {}

/** The fix of a network error: the mirror, the cache-only mode, a longer wait. */
export function networkHint(): string {
  return `check the network; ${hfDownloadHint()} (the dataset must have been downloaded once); to wait longer set HF_HUB_ETAG_TIMEOUT / HF_HUB_DOWNLOAD_TIMEOUT (seconds) or hub.timeout`;
}

/** Error codes of the network (undici's `fetch failed` carries them in its cause). */
const NET_CODES =
  /^(?:ECONNREFUSED|ECONNRESET|ENOTFOUND|EAI_AGAIN|ETIMEDOUT|EHOSTUNREACH|ENETUNREACH|EPIPE|UND_ERR_\w+|ERR_SSL_\w+|CERT_\w+|DEPTH_ZERO_SELF_SIGNED_CERT|UNABLE_TO_\w+|SELF_SIGNED_CERT_IN_CHAIN)$/;

/** The network error code of `e` or its causes (`ECONNREFUSED`, ...), or null. */
export function networkErrorCode(e: unknown): string | null {
  for (let x = e, d = 0; isObject(x) && d < 5; x = x.cause, d++) {
    const code = x.code;
    if (typeof code === 'string' && NET_CODES.test(code)) return code;
  }
  return null;
}

/** Our own errors (limits, time-outs, a misbehaving mirror, the disk) anywhere in `e`'s cause chain. */
function ownError(e: unknown): GadError | null {
  for (let x = e, d = 0; isObject(x) && d < 5; x = x.cause, d++) {
    if (x instanceof GadError) return x;
  }
  return null;
}

/** The HF cache's disk is full or not writable: name the path and the fix, never "cannot reach". */
export function cacheDiskError(e: unknown, o: ResolvedHubOptions, doing: string): GadError | null {
  const code = environmentErrorCode(e);
  if (!code) return null;
  const path = errnoPathOf(e) ?? o.cacheDir;
  const what =
    code === 'ENOSPC' ? 'no space left on the device' : code === 'EDQUOT' ? 'disk quota exceeded' : code.toLowerCase();
  const fix =
    code === 'ENOSPC' || code === 'EDQUOT'
      ? `free space on the disk holding ${o.cacheDir}, or point HF_HOME (or HF_HUB_CACHE) at a disk with room; then run again: the part already downloaded is resumed`
      : `make ${path} writable for this user, or point HF_HOME (or HF_HUB_CACHE) at a folder you can write`;
  return new GadError(`${doing}: the Hugging Face cache cannot be written: ${what} (${code}): ${path}`, {
    hint: fix,
    exitCode: 2,
    cause: e,
  });
}

export function hubError(what: string, e: unknown, o: ResolvedHubOptions): GadError {
  const own = ownError(e);
  if (own) return own;
  const disk = cacheDiskError(e, o, what);
  if (disk) return disk;
  const status = isObject(e) && typeof e.statusCode === 'number' ? e.statusCode : undefined;
  const message = `${what}: ${scrub(describeError(e), o.token)}`;
  if (status === 401 || status === 403)
    return new GadError(message, {
      hint: 'the dataset may be private or gated: set HF_TOKEN to a token that can read it',
      cause: e,
    });
  if (status === 404) return new GadError(message, { hint: 'check the dataset id and --revision', cause: e });
  const code = networkErrorCode(e);
  if (code || (e instanceof TypeError && /fetch failed/.test(e.message))) {
    return new HubNetworkError(
      `${what}: cannot reach ${shownEndpoint(o.endpoint)} (${code ?? scrub(describeError((isObject(e) ? e.cause : undefined) ?? e), o.token)})`,
      { hint: networkHint(), cause: e },
    );
  }
  if (status === undefined)
    return new GadError(message, {
      hint: `${shownEndpoint(o.endpoint)} answered something the Hugging Face Hub does not send; ${networkHint()}`,
      cause: e,
    });
  if (status >= 500)
    return new HubNetworkError(message, {
      hint: `the Hub answered ${status} (a server error); ${networkHint()}`,
      cause: e,
    });
  return new GadError(message, { cause: e });
}

/** The endpoint as shown in messages (any user:password@ in it removed). */
export function shownEndpoint(endpoint: string): string {
  try {
    const u = new URL(endpoint);
    u.username = '';
    u.password = '';
    return u.toString().replace(/\/+$/, '');
  } catch {
    return endpoint.replace(/\/\/[^/@]*@/, '//');
  }
}

/** A mirror (HF_ENDPOINT) answered something the Hub never sends: exit 2 naming it. */
export function mirrorError(o: ResolvedHubOptions, what: string): GadError {
  const ep = shownEndpoint(o.endpoint);
  return new GadError(`the Hub at ${ep} sent ${what}; refusing it (nothing was written outside the cache)`, {
    hint: `${ep} is not behaving like the Hugging Face Hub (a broken or hostile mirror?): check HF_ENDPOINT / hub.endpoint (e.g. HF_ENDPOINT=https://hf-mirror.com), or unset it to use https://huggingface.co; HF_HUB_OFFLINE=1 uses only the local cache`,
  });
}

/** The repo itself cannot be reached (not found, refused, no network, not cached offline): the spec may have meant a local path. */
export class HubRepoUnreachable extends GadError {}

/** An error of the network itself (no answer in time, refused, reset, no such host): the cache may still serve. */
export class HubNetworkError extends HubRepoUnreachable {}
