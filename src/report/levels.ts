/** The colour of the configured max_prompt_length (terminal table and report.html), judged against keep_ratio. */

/**
 * How the configured max_prompt_length row is coloured: `fine` when it keeps every measured row, `warn` when
 * it loses rows but keeps at least `keep` (keep_ratio, the share the recommendation aims at), `error` when it
 * keeps less than that.
 */
export type ConfiguredLevel = 'fine' | 'warn' | 'error';
export function configuredLevel(row: { total: number; fraction: number }, keep: number): ConfiguredLevel {
  if (row.fraction >= 1) return 'fine';
  return row.fraction >= keep ? 'warn' : 'error';
}
export const CONFIGURED_LEVEL_TEXT: Record<ConfiguredLevel, string> = {
  fine: 'keeps every row whose length was measured',
  warn: 'loses some rows but keeps at least keep_ratio of them',
  error: 'keeps less than keep_ratio of the rows',
};
