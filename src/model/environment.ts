/**
 * `gad-data doctor`: where gad-data looks for datasets and models on this machine and whether it will use the
 * network, as the Hub client and the model lookup resolve them (the same functions, so what it prints is what a
 * build does).
 */
import { hfHubCacheDir } from '../core/hf-paths.js';
import type { ModelSource } from '../core/defaults.js';
import { HF_MIRROR_EXAMPLE } from '../core/hf-hints.js';
import { resolveHubOptions } from '../ingest/hub/hub-options.js';
import { modelscopeCacheDir } from './modelscope-cache.js';
import { locateModel } from './model-locate.js';
import { tokenizerCacheDir } from './tokenizer-cache.js';

export interface EnvironmentReport {
  /** The Hub endpoint datasets are read from (`HF_ENDPOINT`, else https://huggingface.co). */
  endpoint: string;
  /** Whether HF_ENDPOINT set it. */
  endpointFromEnv: boolean;
  /** HF_HUB_OFFLINE: the cache only, no network. */
  offline: boolean;
  /** Whether a Hub token is set (never the token). */
  token: boolean;
  /** The Hugging Face cache (datasets and models). */
  hfCache: string;
  /** The ModelScope cache (models). */
  modelscopeCache: string;
  /** gad-data's cache of parsed tokenizers (`GAD_DATA_CACHE_DIR`, else under XDG_CACHE_HOME / ~/.cache), or null: off. */
  tokenizerCache: string | null;
  /** Where `model` was found, or why not. */
  model?: { name: string; found: true; from: string } | { name: string; found: false; error: string; hint?: string };
  /** Lines worth acting on. */
  notes: string[];
}

export interface EnvironmentParams {
  env?: NodeJS.ProcessEnv;
  /** A model to look up as `--model` would. */
  model?: string;
  modelSource?: ModelSource;
  cwd?: string;
}

export async function describeEnvironment(params: EnvironmentParams = {}): Promise<EnvironmentReport> {
  const env = params.env ?? process.env;
  const hub = await resolveHubOptions({}, env);
  const report: EnvironmentReport = {
    endpoint: hub.endpoint,
    endpointFromEnv: !!env.HF_ENDPOINT,
    offline: hub.offline,
    token: !!hub.token,
    hfCache: hfHubCacheDir(env),
    modelscopeCache: modelscopeCacheDir(env),
    tokenizerCache: tokenizerCacheDir(env),
    notes: [],
  };
  if (params.model) {
    try {
      const m = locateModel(params.model, { env, cwd: params.cwd, source: params.modelSource });
      report.model = { name: params.model, found: true, from: m.from };
    } catch (e) {
      const err = e as Error & { hint?: string };
      report.model = { name: params.model, found: false, error: err.message, hint: err.hint };
    }
  }
  if (!report.offline && !report.endpointFromEnv)
    report.notes.push(
      `datasets given as Hub ids are read from ${report.endpoint}; where it is unreachable, set HF_ENDPOINT=${HF_MIRROR_EXAMPLE} (a mirror) or HF_HUB_OFFLINE=1 (the cache only)`,
    );
  return report;
}

/** The report as the lines `gad-data doctor` prints. */
export function renderEnvironment(r: EnvironmentReport): string {
  const lines = [
    `Hub endpoint      ${r.endpoint}${r.endpointFromEnv ? ' (HF_ENDPOINT)' : ''}`,
    `offline mode      ${r.offline ? 'on (HF_HUB_OFFLINE): the cache only, no network' : 'off'}`,
    `Hub token         ${r.token ? 'set' : 'not set'}`,
    `HF cache          ${r.hfCache}`,
    `ModelScope cache  ${r.modelscopeCache}`,
    `tokenizer cache   ${r.tokenizerCache ?? 'off (GAD_DATA_CACHE_DIR=off)'}`,
  ];
  if (r.model) {
    lines.push(
      r.model.found
        ? `model             ${r.model.name}: ${r.model.from}`
        : `model             ${r.model.name}: not found: ${r.model.error}`,
    );
    if (!r.model.found && r.model.hint) lines.push(`  fix: ${r.model.hint}`);
  }
  for (const n of r.notes) lines.push(`note: ${n}`);
  return lines.join('\n') + '\n';
}
