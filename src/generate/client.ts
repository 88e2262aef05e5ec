/**
 * The OpenAI client for a run: the official `openai` package with the endpoint as baseURL, a per-request
 * time-out and its retries (429 / 408 / 409 / 5xx / time-outs / broken connections, honouring Retry-After).
 * The key travels only to the endpoint's host: every request is checked against it and redirects are refused
 * (a redirect to another host would otherwise carry the Authorization header there).
 */
import OpenAI, { AzureOpenAI } from 'openai';
import type { AzureTarget } from './azure.js';
import { parseEndpoint } from './endpoint.js';

export function makeClient(o: {
  endpoint: string;
  apiKey: string;
  timeoutMs: number;
  retries: number;
  azure?: AzureTarget | null;
}): OpenAI {
  const base = parseEndpoint(o.endpoint);
  const guarded: typeof fetch = (input, init) => {
    const url = new URL(input instanceof Request ? input.url : String(input));
    if (url.host !== base.host || url.protocol !== base.protocol) {
      return Promise.reject(new Error(`refused to send a request to ${url.host}: only ${base.host} gets the key`));
    }
    return fetch(input, { ...init, redirect: 'error' });
  };
  const common = { timeout: o.timeoutMs, maxRetries: o.retries, fetch: guarded, logLevel: 'off' as const };
  const az = o.azure;
  // Azure's dated API: the package's own client (api-key header, /deployments/{model}, ?api-version=).
  if (az?.form === 'deployments')
    return new AzureOpenAI({
      ...common,
      apiKey: o.apiKey,
      baseURL: az.baseURL,
      apiVersion: az.apiVersion,
      organization: null,
      project: null,
    });
  // Azure's v1 API is OpenAI's URL shape, with the key in the api-key header instead of Authorization.
  if (az)
    return new OpenAI({
      ...common,
      apiKey: o.apiKey,
      baseURL: az.baseURL,
      defaultHeaders: { authorization: null, 'api-key': o.apiKey },
      ...(az.apiVersion ? { defaultQuery: { 'api-version': az.apiVersion } } : {}),
      organization: null,
      project: null,
    });
  return new OpenAI({
    ...common,
    apiKey: o.apiKey,
    baseURL: base.href.replace(/\/$/, ''),
    organization: null,
    project: null,
  });
}

/** Replace every occurrence of the key in a text (an error message a server may have echoed it into). */
export function redact(text: string, key: string): string {
  return key.length >= 4 ? text.split(key).join('***') : text;
}
