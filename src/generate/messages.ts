/**
 * A build row's prompt as OpenAI chat messages: every turn the trainer renders (system included), each `<image>`
 * replaced by an `image_url` part holding the build's stored bytes as a `data:` URL, in order. The text is split
 * on `<image>` as verl's and EasyR1's datasets split it (empty segments left out), so the server's chat template
 * renders the same turns the trainer does.
 */
import { GadError } from '../core/errors.js';
import type { BuildRow } from '../recipes/build-rows.js';

export type ContentPart = { type: 'text'; text: string } | { type: 'image_url'; image_url: { url: string } };
export interface ChatMessage {
  role: string;
  content: string | ContentPart[];
}

/** The image's MIME type from its first bytes (the formats a build stores). */
export function imageMime(bytes: Uint8Array): string {
  const b = Buffer.from(bytes.buffer, bytes.byteOffset, Math.min(bytes.byteLength, 12));
  if (b[0] === 0x89 && b.toString('latin1', 1, 4) === 'PNG') return 'image/png';
  if (b[0] === 0xff && b[1] === 0xd8) return 'image/jpeg';
  if (b.toString('latin1', 0, 4) === 'RIFF' && b.toString('latin1', 8, 12) === 'WEBP') return 'image/webp';
  if (b.toString('latin1', 0, 3) === 'GIF') return 'image/gif';
  if (b.toString('latin1', 0, 2) === 'BM') return 'image/bmp';
  return 'application/octet-stream';
}

export function dataUrl(bytes: Uint8Array): string {
  return `data:${imageMime(bytes)};base64,${Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64')}`;
}

export function rowMessages(row: Pick<BuildRow, 'messages' | 'images' | 'id' | 'split'>): ChatMessage[] {
  let next = 0;
  const out = row.messages.map((m) => {
    if (!m.content.includes('<image>')) return { role: m.role, content: m.content };
    const parts: ContentPart[] = [];
    for (const seg of m.content.split(/(<image>)/)) {
      if (seg === '') continue;
      if (seg !== '<image>') {
        parts.push({ type: 'text', text: seg });
        continue;
      }
      const img = row.images[next++];
      if (!img) break;
      parts.push({ type: 'image_url', image_url: { url: dataUrl(img.bytes) } });
    }
    return { role: m.role, content: parts };
  });
  if (next !== row.images.length) {
    throw new GadError(
      `row ${row.id} (${row.split}): the prompt has ${next} <image> tag(s) for ${row.images.length} image(s)`,
      { hint: 'the build folder is inconsistent: rebuild it' },
    );
  }
  return out;
}
