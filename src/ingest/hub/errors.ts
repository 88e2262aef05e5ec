/** Errors of the Hub client: messages without secrets, hints by HTTP status, a misbehaving mirror named. */
import { GadError, describeError } from '../../core/errors.js';
import type { ResolvedHubOptions } from './options.js';

/** Strip anything token-like from a message (defence in depth: errors from the client carry URLs only). */
function scrub(msg: string, token: string | undefined): string {
  let m = msg;
  if (token) m = m.split(token).join('***');
  return m.replace(/hf_[A-Za-z0-9]{8,}/g, 'hf_***');
}

export function hubError(what: string, e: unknown, o: ResolvedHubOptions): GadError {
  const status = (e as { statusCode?: number }).statusCode;
  let hint: string | undefined;
  if (status === 401 || status === 403)
    hint = 'the dataset may be private or gated: set HF_TOKEN to a token that can read it';
  else if (status === 404) hint = 'check the dataset id and --revision';
  else if (status === undefined) hint = `cannot reach ${o.endpoint}; set HF_HUB_OFFLINE=1 to use the local cache only`;
  return new GadError(`${what}: ${scrub(describeError(e), o.token)}`, { hint, cause: e });
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
    hint: `${ep} is not behaving like the Hugging Face Hub (a broken or hostile mirror?): check HF_ENDPOINT / hub.endpoint, or unset it to use https://huggingface.co`,
  });
}

/** The repo itself cannot be reached (not found, refused, no network, not cached offline): the spec may have meant a local path. */
export class HubRepoUnreachable extends GadError {}
