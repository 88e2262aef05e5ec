/**
 * Test helper for `generate`: the bundled sample built without teacher answers (what the teacher is asked
 * about), and a check of each request against the build's shards read directly (the prompt message list
 * and the stored image bytes), independent of the code under test.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { asyncBufferFromFile, parquetReadObjects } from 'hyparquet';
import { compressors } from 'hyparquet-compressors';
import { runCli } from './gad-cli.js';
import type { ChatBody } from './openai-server.js';

export const SAMPLE_BUILD_ARGS = [
  'build',
  '--train',
  'fixtures/sample/train.jsonl',
  '--val',
  'fixtures/sample/test.jsonl',
  '--prompt-key',
  'problem',
  '--id-key',
  'id',
  '--format-prompt',
  'math',
  '--model',
  'qwen3-vl',
];

export async function buildSample(out: string, cwd: string, extra: string[] = []): Promise<void> {
  const r = await runCli([...SAMPLE_BUILD_ARGS, ...extra, '--out', out, '-q'], { cwd, timeoutMs: 300_000 });
  if (r.status !== 0) throw new Error(`build failed: ${r.stderr}`);
}

const text = (b: Uint8Array | string) =>
  typeof b === 'string' ? b : new TextDecoder('utf-8', { fatal: true }).decode(b);
const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

/** Rows of a build: its messages (with `<image>` tags) and image sha256s, in shard order, with ids from lengths.jsonl. */
export interface BuildRowView {
  id: string;
  split: string;
  messages: Array<{ role: string; content: string }>;
  images: string[];
}

export async function buildRows(dir: string): Promise<BuildRowView[]> {
  const m = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as {
    shards: Array<{ file: string; split: string }>;
  };
  const ids = readFileSync(join(dir, 'lengths.jsonl'), 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as { id: string; split: string });
  const out: BuildRowView[] = [];
  for (const s of m.shards) {
    const rows = (await parquetReadObjects({
      file: await asyncBufferFromFile(join(dir, s.file)),
      compressors,
      utf8: false,
    })) as Array<{
      prompt: Array<{ role: Uint8Array; content: Uint8Array }>;
      images: Array<{ bytes: Uint8Array }>;
    }>;
    for (const r of rows) {
      const rec = ids[out.length]!;
      out.push({
        id: rec.id,
        split: rec.split,
        messages: r.prompt.map((x) => ({ role: text(x.role), content: text(x.content) })),
        images: r.images.map((i) => sha(i.bytes)),
      });
    }
  }
  return out;
}

/** A request's messages as text with `<image>` tags, and its images' sha256 decoded from the data: URLs. */
export function requestView(body: ChatBody): { messages: Array<{ role: string; content: string }>; images: string[] } {
  const images: string[] = [];
  const messages = body.messages.map((m) => ({
    role: m.role,
    content:
      typeof m.content === 'string'
        ? m.content
        : m.content
            .map((p) => {
              if (p.type === 'text') return p.text!;
              const url = p.image_url!.url;
              const comma = url.indexOf(',');
              if (!url.startsWith('data:image/') || !url.slice(0, comma).endsWith(';base64'))
                throw new Error(`not a base64 image data: URL: ${url.slice(0, 40)}`);
              images.push(sha(Buffer.from(url.slice(comma + 1), 'base64')));
              return '<image>';
            })
            .join(''),
  }));
  return { messages, images };
}

/** The server's check: the request's text and images equal one row of the build exactly. */
export function checkerFor(rows: BuildRowView[]): (body: ChatBody) => string | null {
  // rows with the same text (different images) are all candidates
  const byText = new Map<string, typeof rows>();
  for (const r of rows) byText.set(JSON.stringify(r.messages), [...(byText.get(JSON.stringify(r.messages)) ?? []), r]);
  return (body) => {
    const v = requestView(body);
    const same = byText.get(JSON.stringify(v.messages));
    if (!same) return `request text matches no row of the build: ${JSON.stringify(v.messages).slice(0, 200)}`;
    if (!same.some((row) => JSON.stringify(row.images) === JSON.stringify(v.images)))
      return `row ${same[0]!.id}: the image bytes differ from the build's`;
    return null;
  };
}
