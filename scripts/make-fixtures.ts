/**
 * Generates the bundled sample dataset in fixtures/sample/ (run: `npx tsx scripts/make-fixtures.ts`).
 * Deterministic: a seeded PRNG, sharp-rendered SVG diagrams, no timestamps. The output is committed so that
 * `gad-data build` works on a fresh clone with no network; rerunning this script rewrites the same bytes.
 *
 * About 200 geometry-style rows (EasyR1 layout: problem / answer / images as paths relative to the file),
 * images of varied sizes and formats (PNG, JPEG, RGBA PNG, an EXIF-rotated JPEG, WebP, GIF), a separate
 * teacher.jsonl for GAD, student.jsonl (sampled student answers for `gad-data export rm`), and a few rows that
 * are bad on purpose (see BAD below).
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { packagePath } from '../src/core/paths.js';

const out = packagePath('fixtures', 'sample');

function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const rand = mulberry32(20261122);
const int = (lo: number, hi: number) => lo + Math.floor(rand() * (hi - lo + 1));
const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!;

interface Problem {
  text: string;
  answer: string;
  draw: (w: number, h: number) => string;
  reasoning: string;
}

const LETTERS = ['A', 'B', 'C', 'D', 'E', 'F', 'G', 'H', 'J', 'K', 'L', 'M', 'N', 'P', 'Q', 'R', 'S', 'T'];

function triangleSvg(labels: string[], sides: string[]) {
  return (w: number, h: number) => {
    const m = Math.min(w, h) * 0.12;
    const pts: Array<[number, number]> = [
      [m, h - m],
      [w - m, h - m],
      [m + (w - 2 * m) * (0.2 + rand() * 0.5), m],
    ];
    const fs = Math.max(12, Math.round(Math.min(w, h) / 14));
    const label = (p: [number, number], s: string, dx: number, dy: number) =>
      `<text x="${(p[0] + dx).toFixed(1)}" y="${(p[1] + dy).toFixed(1)}" font-size="${fs}" font-family="sans-serif">${s}</text>`;
    const mid = (a: [number, number], b: [number, number]): [number, number] => [(a[0] + b[0]) / 2, (a[1] + b[1]) / 2];
    return `<svg xmlns="http://www.w3.org/2000/svg" width="${w}" height="${h}">
<rect width="100%" height="100%" fill="white"/>
<polygon points="${pts.map((p) => p.join(',')).join(' ')}" fill="none" stroke="black" stroke-width="${Math.max(2, fs / 6)}"/>
${label(pts[0]!, labels[0]!, -fs, fs / 2)}${label(pts[1]!, labels[1]!, fs / 3, fs / 2)}${label(pts[2]!, labels[2]!, -fs / 3, -fs / 3)}
${label(mid(pts[0]!, pts[1]!), sides[0]!, 0, fs)}${label(mid(pts[1]!, pts[2]!), sides[1]!, fs / 2, 0)}${label(mid(pts[0]!, pts[2]!), sides[2]!, -fs * 2, 0)}
</svg>`;
  };
}

function circleSvg(center: string, r: string) {
  return (w: number, h: number) => {
    const c = [w / 2, h / 2];
    const rad = Math.min(w, h) * 0.35;
    const fs = Math.max(12, Math.round(Math.min(w, h) / 14));
    return `<svg xmlns="http://www.w3.org/2000/svg" width="${w}" height="${h}">
<rect width="100%" height="100%" fill="white"/>
<circle cx="${c[0]}" cy="${c[1]}" r="${rad.toFixed(1)}" fill="none" stroke="black" stroke-width="${Math.max(2, fs / 6)}"/>
<line x1="${c[0]}" y1="${c[1]}" x2="${(c[0]! + rad).toFixed(1)}" y2="${c[1]}" stroke="blue" stroke-width="2"/>
<circle cx="${c[0]}" cy="${c[1]}" r="3" fill="black"/>
<text x="${c[0]! - fs}" y="${c[1]! - fs / 2}" font-size="${fs}" font-family="sans-serif">${center}</text>
<text x="${(c[0]! + rad / 3).toFixed(1)}" y="${c[1]! - fs / 3}" font-size="${fs}" font-family="sans-serif">${r}</text>
</svg>`;
  };
}

function rectSvg(a: string, b: string) {
  return (w: number, h: number) => {
    const m = Math.min(w, h) * 0.15;
    const fs = Math.max(12, Math.round(Math.min(w, h) / 14));
    return `<svg xmlns="http://www.w3.org/2000/svg" width="${w}" height="${h}">
<rect width="100%" height="100%" fill="#fffdf5"/>
<rect x="${m}" y="${m}" width="${w - 2 * m}" height="${h - 2 * m}" fill="none" stroke="black" stroke-width="${Math.max(2, fs / 6)}"/>
<line x1="${m}" y1="${m}" x2="${w - m}" y2="${h - m}" stroke="gray" stroke-dasharray="6,4" stroke-width="2"/>
<text x="${w / 2 - fs}" y="${h - m + fs * 1.1}" font-size="${fs}" font-family="sans-serif">${a}</text>
<text x="${w - m + 4}" y="${h / 2}" font-size="${fs}" font-family="sans-serif">${b}</text>
</svg>`;
  };
}

function makeProblem(i: number): Problem {
  const kind = i % 4;
  const L = [...LETTERS].sort(() => rand() - 0.5).slice(0, 3);
  if (kind === 0) {
    const a = int(3, 20),
      b = int(3, 20);
    const c = Math.sqrt(a * a + b * b);
    return {
      text: `In right triangle ${L.join('')}, the right angle is at ${L[1]}. ${L[0]}${L[1]} = ${a} and ${L[1]}${L[2]} = ${b}. Find ${L[0]}${L[2]}. Round to the nearest tenth.`,
      answer: c.toFixed(1),
      draw: triangleSvg(L, [String(a), String(b), 'x']),
      reasoning: `By the Pythagorean theorem, ${L[0]}${L[2]}^2 = ${a}^2 + ${b}^2 = ${a * a + b * b}, so ${L[0]}${L[2]} = \\sqrt{${a * a + b * b}} \\approx ${c.toFixed(1)}.`,
    };
  }
  if (kind === 1) {
    const r = int(2, 15);
    return {
      text: `Find the area of circle ${L[0]} with radius ${r}. Round to the nearest hundredth.`,
      answer: (Math.PI * r * r).toFixed(2),
      draw: circleSvg(L[0]!, String(r)),
      reasoning: `The area is \\pi r^2 = \\pi \\cdot ${r}^2 = ${r * r}\\pi \\approx ${(Math.PI * r * r).toFixed(2)}.`,
    };
  }
  if (kind === 2) {
    const a = int(2, 30),
      b = int(2, 30);
    return {
      text: `The rectangle has sides ${a} and ${b}. Find the length of its diagonal. Round to the nearest tenth.`,
      answer: Math.sqrt(a * a + b * b).toFixed(1),
      draw: rectSvg(String(a), String(b)),
      reasoning: `The diagonal is \\sqrt{${a}^2 + ${b}^2} = \\sqrt{${a * a + b * b}} \\approx ${Math.sqrt(a * a + b * b).toFixed(1)}.`,
    };
  }
  const x = int(20, 80),
    y = int(20, 80);
  return {
    text: `In triangle ${L.join('')}, m\\angle ${L[0]} = ${x} and m\\angle ${L[1]} = ${y}. Find m\\angle ${L[2]}.`,
    answer: String(180 - x - y),
    draw: triangleSvg(L, [`${x}°`, `${y}°`, '?']),
    reasoning: `The angles of a triangle sum to 180, so m\\angle ${L[2]} = 180 - ${x} - ${y} = ${180 - x - y}.`,
  };
}

type Fmt = 'png' | 'jpg' | 'rgba.png' | 'exif.jpg' | 'webp' | 'gif';
const FORMATS: Fmt[] = ['png', 'png', 'png', 'jpg', 'jpg', 'rgba.png', 'webp', 'exif.jpg', 'gif'];
const SIZES: Array<[number, number]> = [
  [400, 300],
  [320, 240],
  [640, 480],
  [512, 512],
  [800, 600],
  [1024, 768],
  [300, 420],
  [224, 224],
  [1200, 900],
  [700, 350],
];

async function renderImage(svg: string, fmt: Fmt): Promise<Buffer> {
  const base = sharp(Buffer.from(svg));
  switch (fmt) {
    case 'png':
      return base.png({ palette: true, compressionLevel: 9 }).toBuffer();
    case 'jpg':
      return base.jpeg({ quality: 85 }).toBuffer();
    case 'rgba.png':
      return base.ensureAlpha(0.0).png({ compressionLevel: 9 }).toBuffer();
    case 'webp':
      return base.webp({ quality: 80 }).toBuffer();
    case 'gif':
      return base.gif().toBuffer();
    case 'exif.jpg': {
      // Stored rotated by 90°: EXIF orientation 6 tells viewers to rotate it back upright.
      const rotated = await base.rotate(-90).jpeg({ quality: 85 }).toBuffer();
      return sharp(rotated).withMetadata({ orientation: 6 }).jpeg({ quality: 85 }).toBuffer();
    }
  }
}

async function main() {
  rmSync(out, { recursive: true, force: true });
  mkdirSync(join(out, 'images'), { recursive: true });
  const train: object[] = [];
  const test: object[] = [];
  const teacher: object[] = [];
  const student: object[] = [];
  const N = 200;
  const TEST_EVERY = 10; // every 10th row goes to test: 20 test rows
  for (let i = 0; i < N; i++) {
    const id = `geo-${String(i).padStart(4, '0')}`;
    const p = makeProblem(i);
    const [w, h] = pick(SIZES);
    const fmt = FORMATS[i % FORMATS.length]!;
    const ext = fmt.endsWith('png') ? 'png' : fmt.endsWith('jpg') ? 'jpg' : fmt;
    const file = `images/${id}.${ext}`;
    // EXIF images are stored with swapped dimensions; the svg is drawn upright.
    writeFileSync(join(out, file), await renderImage(p.draw(w, h), fmt));
    const row: Record<string, unknown> = { id, problem: `<image>${p.text}`, answer: p.answer, images: [file] };
    (i % TEST_EVERY === 9 ? test : train).push(row);
    const response = `<think>\n${p.reasoning}\n</think>\nThe answer is \\boxed{${p.answer}}.`;
    teacher.push({ id, response: i % 3 === 0 ? `${response}<|im_end|>` : response });
    // The student (no random numbers drawn, so the other fixtures stay byte-identical): a terser, often wrong
    // answer; every 10th row answers as the teacher did, every 25th has no sample, every 7th ends with
    // <|im_end|> (a sampler run with skip_special_tokens=False), and every 40th rambles on.
    if (i % 25 !== 24) {
      let s =
        i % 10 === 4
          ? response
          : `<think>\nI think it is about ${p.text.split(' ').slice(0, 4).join(' ').toLowerCase()}\n</think>\nThe answer is \\boxed{${i % 3 === 0 ? p.answer : `${p.answer}1`}}.`;
      if (i % 40 === 11)
        s = `<think>\n${'Let me look at the figure again. '.repeat(60)}\n</think>\nThe answer is \\boxed{0}.`;
      student.push({ id, response: i % 7 === 0 ? `${s}<|im_end|>` : s });
    }
  }

  // BAD: rows that are wrong on purpose, each caught with its own reason.
  const bad = (id: string, row: Record<string, unknown>, withTeacher = true) => {
    train.push({ id, ...row });
    if (withTeacher) teacher.push({ id, response: '<think>\nIt cannot be solved as given.\n</think>\n\\boxed{0}' });
  };
  writeFileSync(
    join(out, 'images/bad-truncated.png'),
    (await renderImage(makeProblem(1).draw(400, 300), 'png')).subarray(0, 700),
  );
  bad('bad-truncated-image', {
    problem: '<image>Find x in the figure.',
    answer: '3',
    images: ['images/bad-truncated.png'],
  });
  writeFileSync(join(out, 'images/bad-empty.jpg'), Buffer.alloc(0));
  bad('bad-zero-bytes', { problem: '<image>Find the perimeter.', answer: '12', images: ['images/bad-empty.jpg'] });
  writeFileSync(join(out, 'images/bad-not-an-image.png'), Buffer.from('this is a text file named like a PNG\n'));
  bad('bad-not-an-image', { problem: '<image>Find y.', answer: '4', images: ['images/bad-not-an-image.png'] });
  writeFileSync(
    join(out, 'images/bad-thin.png'),
    await sharp({ create: { width: 3000, height: 10, channels: 3, background: '#ffffff' } })
      .png()
      .toBuffer(),
  );
  bad('bad-aspect-ratio', {
    problem: '<image>How long is the segment?',
    answer: '10',
    images: ['images/bad-thin.png'],
  });
  bad('bad-two-tags-one-image', {
    problem: '<image>Compare the two figures <image> and find x.',
    answer: '5',
    images: ['images/geo-0000.png'],
  });
  bad('bad-empty-prompt', { problem: '   ', answer: '1', images: ['images/geo-0001.png'] });
  bad('bad-missing-image-file', { problem: '<image>Find z.', answer: '2', images: ['images/does-not-exist.png'] });
  bad(
    'bad-no-teacher',
    {
      problem: '<image>Find the area of the shaded region in this figure with no teacher answer.',
      answer: '8',
      images: ['images/geo-0002.png'],
    },
    false,
  );
  const first = train[0] as Record<string, unknown>;
  bad('bad-duplicate-of-geo-0000', { problem: first.problem, answer: first.answer, images: first.images });
  const long = Array.from(
    { length: 60 },
    (_, k) => `Step ${k + 1}: the segment ${pick(LETTERS)}${pick(LETTERS)} has length ${int(1, 99)}.`,
  ).join(' ');
  bad('bad-overlong-prompt', {
    problem: `<image>${long.repeat(4)} Find the total length.`,
    answer: '42',
    images: (train[3] as Record<string, unknown>).images,
  });
  // A test row equal to a train row: a leak.
  const t0 = train[5] as Record<string, unknown>;
  test.push({ id: 'bad-leak-of-geo-0005', problem: t0.problem, answer: t0.answer, images: t0.images });
  teacher.push({ id: 'bad-leak-of-geo-0005', response: '<think>\nLeaked.\n</think>\n\\boxed{1}' });

  const jsonl = (rows: object[]) => rows.map((r) => JSON.stringify(r)).join('\n') + '\n';
  writeFileSync(join(out, 'train.jsonl'), jsonl(train));
  writeFileSync(join(out, 'test.jsonl'), jsonl(test));
  writeFileSync(join(out, 'teacher.jsonl'), jsonl(teacher));
  writeFileSync(join(out, 'student.jsonl'), jsonl(student));
  console.log(
    `fixtures/sample: ${train.length} train rows, ${test.length} test rows, ${teacher.length} teacher responses, ${student.length} student responses`,
  );
}

await main();
