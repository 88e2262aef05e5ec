/** The endpoint URL a run is given: checked (http(s), no user info) and shown as `host[:port]`. */
import { GadError } from '../core/errors.js';

/** The endpoint as the output and the manifest show it: `host[:port]` (never user info, path or query). */
export function endpointHost(endpoint: string): string {
  return parseEndpoint(endpoint).host;
}

export function parseEndpoint(endpoint: string): URL {
  let u: URL;
  try {
    u = new URL(endpoint);
  } catch {
    throw new GadError(`--endpoint ${JSON.stringify(endpoint)} is not a URL`, {
      hint: 'give the base URL of the OpenAI-compatible API, e.g. http://127.0.0.1:8000/v1 or https://api.openai.com/v1',
      exitCode: 2,
    });
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') {
    throw new GadError(`--endpoint ${u.protocol} is not http(s)`, {
      hint: 'use an http:// or https:// URL',
      exitCode: 2,
    });
  }
  if (u.username || u.password) {
    throw new GadError('--endpoint holds user info (user:password@): the key belongs in the environment', {
      hint: 'put the key in OPENAI_API_KEY (or the variable named by --api-key-env) and give the URL without it',
      exitCode: 2,
    });
  }
  return u;
}
