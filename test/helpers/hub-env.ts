/**
 * process.env for a `gad-data` child run against a loopback Hub server: this machine's Hub token, offline flag,
 * caches and debug switch are dropped (with `clear`, more variables too), HF_ENDPOINT is the server, NO_COLOR is
 * set, and `set` adds the test's own variables (HF_HOME, HF_TOKEN ...) last.
 */
export function hubEnv(p: { endpoint: string; set?: Record<string, string>; clear?: string[] }): NodeJS.ProcessEnv {
  const e: NodeJS.ProcessEnv = { ...process.env };
  for (const k of [
    'HF_TOKEN',
    'HUGGING_FACE_HUB_TOKEN',
    'HF_TOKEN_PATH',
    'HF_HUB_OFFLINE',
    'HF_HUB_CACHE',
    'HUGGINGFACE_HUB_CACHE',
    'GAD_DATA_DEBUG',
    ...(p.clear ?? []),
  ])
    delete e[k];
  return { ...e, HF_ENDPOINT: p.endpoint, NO_COLOR: '1', ...p.set };
}
