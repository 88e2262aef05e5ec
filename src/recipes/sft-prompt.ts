/**
 * The prompt of an SFT line: what ms-swift's `messages` and LLaMA-Factory's sharegpt turns can hold exactly. A
 * system turn and one user turn are written as they are. A prompt with earlier assistant turns (a multi-round
 * conversation kept as context by the build) is not: both trainers learn every assistant turn of a line by default
 * (ms-swift's loss on all responses, LLaMA-Factory without mask_history), so the context turns would become
 * training targets. Such a row is dropped by the export with its reason (`multi_turn_prompt`), counted in a note.
 */
export type SftPrompt = { system: string | null; user: string } | { refused: string };

export function sftPrompt(messages: ReadonlyArray<{ role: string; content: string }>): SftPrompt {
  const system = messages[0]?.role === 'system' ? messages[0].content : null;
  const rest = system === null ? messages : messages.slice(1);
  if (rest.length === 1 && rest[0]!.role === 'user') return { system, user: rest[0]!.content };
  return {
    refused: `the prompt has ${messages.length} turns (${messages.map((m) => m.role).join(', ')}): an SFT line holds a system turn and one user turn exactly; the earlier assistant turns would become training targets of ms-swift / LLaMA-Factory, so the row is not written`,
  };
}
