/**
 * The `normalize` step: rewrites each input row as the output records it, before anything else looks at it: the
 * source as displayed (no machine paths in outputs), `data_source`, the --test-ratio split, EasyR1's single text
 * prompt in place of a message list; and counts the message-list and text prompts (with their warnings).
 */
import { displayPath } from '../../core/paths.js';
import type { ResolvedConfig } from '../../config.js';
import type { FormatPrompt } from '../../format/template.js';
import { assignSplit } from '../../validate/split.js';
import type { Step } from '../runner.js';

export interface NormalizeStep<N> extends Step<N> {
  /** Prompts seen: message lists and text prompts. */
  readonly prompts: { messages: number; text: number };
}

export function normalizeStep<N>(p: {
  cfg: ResolvedConfig;
  prompt: FormatPrompt;
  warnOnce: (key: string, message: string) => void;
}): NormalizeStep<N> {
  const { cfg, prompt, warnOnce } = p;
  const displayed = new Map<string, string>();
  const prompts = { messages: 0, text: 0 };
  return {
    name: 'normalize',
    shapes: true,
    prompts,
    run(row) {
      const sample = row.sample;
      // Record the source as displayed (no machine paths in outputs); a row without an id column is named
      // after it, so its id (and the --test-ratio split drawn from it) is the same on every machine.
      const raw = sample.source;
      let shown = displayed.get(raw);
      if (shown === undefined) displayed.set(raw, (shown = displayPath(raw)));
      sample.source = shown;
      if (sample.id.startsWith(`${raw}#`)) sample.id = shown + sample.id.slice(raw.length);
      if (cfg.data_source) sample.dataSource = cfg.data_source;
      if (cfg.test_ratio) sample.split = assignSplit(sample.id, cfg.data.seed, cfg.test_ratio);
      if (sample.messages && cfg.target === 'easyr1') {
        // EasyR1 reads one text prompt (prompt_key) and makes one user message of it, with its format prompt.
        if (sample.messages.length > 1) {
          warnOnce(
            'easyr1-turns',
            `${sample.source}: the prompt is a message list with ${sample.messages.length} turns; EasyR1 reads one text prompt, so only the user message is written and counted (the other turns, e.g. a system prompt, are NOT kept for target easyr1)`,
          );
        }
        delete sample.messages;
        delete sample.promptMessage;
      }
      if (sample.messages) prompts.messages++;
      else prompts.text++;
      if (sample.messages && !cfg.formatPromptExplicit && prompt.name !== 'none') {
        warnOnce(
          'messages-no-format',
          `${sample.source}: the prompt is a message list, kept as it is with every turn; no format prompt is applied to it (the default '${prompt.name}' applies to text prompts only; pass --format-prompt to apply one)`,
        );
      }
      return row;
    },
  };
}
