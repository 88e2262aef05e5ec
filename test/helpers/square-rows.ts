import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { flat } from './bad-corpus.js';

/**
 * A small local dataset in `dir`: `count` (default 6) flat-colour PNG squares img/0.png … (64+8i × 48 pixels, colour
 * i) and train.jsonl with one row each ({ id: r<i>, problem: `<image>${prompt(i)}`, answer: i, images }).
 * Returns the path of train.jsonl.
 */
export async function writeSquareRows(p: { dir: string; prompt: (i: number) => string; count?: number }) {
  await mkdir(join(p.dir, 'img'), { recursive: true });
  const lines: string[] = [];
  for (let i = 0; i < (p.count ?? 6); i++) {
    await flat(64 + 8 * i, 48, i)
      .png()
      .toFile(join(p.dir, 'img', `${i}.png`));
    lines.push(
      JSON.stringify({ id: `r${i}`, problem: `<image>${p.prompt(i)}`, answer: String(i), images: [`img/${i}.png`] }),
    );
  }
  const train = join(p.dir, 'train.jsonl');
  await writeFile(train, `${lines.join('\n')}\n`);
  return train;
}
