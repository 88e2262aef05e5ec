/**
 * Azure OpenAI: which endpoint is Azure's and in which of its two URL forms, and the key and api-version it
 * takes. Azure is used when asked (`--azure`) or when the endpoint's host is an Azure OpenAI resource
 * (`*.openai.azure.com`, `*.cognitiveservices.azure.com`). The key goes in the `api-key` header (not
 * `Authorization: Bearer`), from AZURE_OPENAI_API_KEY unless another variable is named.
 *
 * - `deployments`: `{endpoint}/openai/deployments/{deployment}/chat/completions?api-version=V` — the dated API
 *   the `openai` package's AzureOpenAI client speaks; the deployment is `--model` (or the one in the URL).
 * - `v1`: `{endpoint}/openai/v1/chat/completions` — the v1 API (the deployment name as `model`, no dated
 *   api-version needed; one given is sent).
 */
import { GadError } from '../core/errors.js';
import { parseEndpoint } from './endpoint.js';

/** The client's base URL: `.../openai` or `.../openai/deployments/NAME` (deployments), `.../openai/v1` (v1). */
export type AzureTarget =
  | { form: 'deployments'; baseURL: string; apiVersion: string }
  | { form: 'v1'; baseURL: string; apiVersion: string | undefined };

export interface Connection {
  endpoint: string;
  /** The variable the key was read from (named in errors; the key itself never is). */
  keyEnv: string;
  apiKey: string;
  azure: AzureTarget | null;
}

const AZURE_HOST = /\.(openai\.azure\.com|cognitiveservices\.azure\.com)$/i;

export function isAzureHost(endpoint: string): boolean {
  return AZURE_HOST.test(parseEndpoint(endpoint).hostname);
}

/** The Azure form and base URL of an endpoint (`--model` is the deployment name). */
export function azureTarget(endpoint: string, model: string, apiVersion: string | undefined): AzureTarget {
  const u = parseEndpoint(endpoint);
  if (u.search || u.hash)
    throw new GadError(`--endpoint ${u.origin}${u.pathname} has a query or fragment`, {
      hint: 'give the api-version with --api-version (or OPENAI_API_VERSION), not in the URL',
      exitCode: 2,
    });
  const path = u.pathname.replace(/\/+$/, '');
  const base = `${u.origin}${path}`;
  if (/\/openai\/v1$/.test(path)) return { form: 'v1', baseURL: base, apiVersion };
  if (!apiVersion)
    throw new GadError('Azure OpenAI needs an api-version', {
      hint: 'give --api-version (e.g. 2024-10-21) or set OPENAI_API_VERSION; or use the v1 API: --endpoint https://RESOURCE.openai.azure.com/openai/v1',
      exitCode: 2,
    });
  const dep = /\/openai\/deployments\/([^/]+)$/.exec(path)?.[1];
  if (dep !== undefined && decodeURIComponent(dep) !== model)
    throw new GadError(
      `--endpoint names the deployment ${JSON.stringify(decodeURIComponent(dep))} but --model is ${JSON.stringify(model)}`,
      {
        hint: 'on Azure the model is the deployment name: give the same name to --model, or end --endpoint at the resource (https://RESOURCE.openai.azure.com)',
        exitCode: 2,
      },
    );
  return { form: 'deployments', baseURL: path === '' ? `${u.origin}/openai` : base, apiVersion };
}

/**
 * The endpoint, the key and the Azure target of a live run. Endpoint: `--endpoint`, else AZURE_OPENAI_ENDPOINT
 * (with `--azure`), else OPENAI_BASE_URL. Key: the variable `--api-key-env` names, else AZURE_OPENAI_API_KEY
 * (Azure) or OPENAI_API_KEY; without one, `EMPTY` (a local server without a key) — Azure always needs one.
 */
export function resolveConnection(o: {
  endpoint?: string;
  model: string;
  azure?: boolean;
  apiVersion?: string;
  apiKeyEnv?: string;
  env: NodeJS.ProcessEnv;
}): Connection | null {
  const endpoint = o.endpoint || (o.azure ? o.env.AZURE_OPENAI_ENDPOINT : undefined) || o.env.OPENAI_BASE_URL;
  if (!endpoint) return null;
  const azure = o.azure || isAzureHost(endpoint);
  const keyEnv = o.apiKeyEnv ?? (azure ? 'AZURE_OPENAI_API_KEY' : 'OPENAI_API_KEY');
  const key = o.env[keyEnv];
  if (azure && !key)
    throw new GadError(`Azure OpenAI needs a key: ${keyEnv} is not set`, {
      hint: `export ${keyEnv}=... (the resource's key), or name another variable with --api-key-env NAME`,
      exitCode: 2,
    });
  return {
    endpoint,
    keyEnv,
    apiKey: key || 'EMPTY',
    azure: azure ? azureTarget(endpoint, o.model, o.apiVersion || o.env.OPENAI_API_VERSION || undefined) : null,
  };
}

/** The `url` of a Batch API input line: Azure's dated API reads `/chat/completions`, OpenAI and Azure v1 `/v1/...`. */
export function batchUrl(o: { endpoint?: string; azure?: boolean }): string {
  const azure = o.azure || (o.endpoint ? isAzureHost(o.endpoint) : false);
  if (!azure) return '/v1/chat/completions';
  const path = o.endpoint ? parseEndpoint(o.endpoint).pathname.replace(/\/+$/, '') : '';
  return /\/openai\/v1$/.test(path) ? '/v1/chat/completions' : '/chat/completions';
}
