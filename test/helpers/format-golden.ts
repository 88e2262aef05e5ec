/** Readers for the golden vectors in test/golden (made with HF transformers; see its README). */
import { readFileSync } from 'node:fs';
import { packagePath } from '../../src/core/paths.js';

export interface GoldenPrompt {
  id: number;
  model: 'qwen2.5-vl' | 'qwen3-vl';
  format_prompt: 'none' | 'math' | 'r1v';
  problem: string;
  formatted: string;
  messages: unknown;
  rendered_prompt: string;
  text_ids: number[];
  image_sizes: Array<[number, number]>;
  expanded_len: number;
  image_grid_thw: Array<[number, number, number]>;
  image_tokens: number[];
  category: string;
}

export interface GoldenResponse {
  id: number;
  model: 'qwen2.5-vl' | 'qwen3-vl';
  text: string;
  ends_with_im_end: boolean;
  ids: number[];
  decoded: string;
}

function readJsonl<T>(file: string): T[] {
  return readFileSync(packagePath('test', 'golden', file), 'utf8')
    .split('\n')
    .filter((l) => l.length > 0)
    .map((l) => JSON.parse(l) as T);
}

export function goldenPrompts(): GoldenPrompt[] {
  return readJsonl<GoldenPrompt>('prompts_public.jsonl');
}

export function goldenResponses(): GoldenResponse[] {
  return readJsonl<GoldenResponse>('responses_public.jsonl');
}

export function goldenMeta(): {
  processors: Record<
    string,
    {
      chat_template_sha256: string;
      model_dir_files_sha256: Record<string, string>;
      min_pixels: number;
      max_pixels: number;
      patch_size: number;
      merge_size: number;
      eos_token: string;
      image_token_id: number;
    }
  >;
  format_prompts: Record<string, string | null>;
  counts: { prompt_lines: number; response_lines: number };
} {
  return JSON.parse(readFileSync(packagePath('test', 'golden', 'meta_public.json'), 'utf8'));
}
