/** `gad-data report OUT_DIR`: a Report from a build folder's lengths.jsonl, dropped.jsonl and manifest.json. */
import { createReadStream, existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { GadError, describeError } from '../core/errors.js';
import { displayPath } from '../core/paths.js';
import { DROP_REASONS, type Manifest } from '../core/types.js';
import type { DropRecord } from '../rules/filter-chain.js';
import { ReportBuilder } from './report-builder.js';
import type { Report, ReportMeta } from './report.js';

// The records are checked field by field where they are read.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
async function* jsonLines(path: string): AsyncGenerator<{ line: number; value: any }> {
  const rl = createInterface({ input: createReadStream(path, { encoding: 'utf8' }), crlfDelay: Infinity });
  let n = 0;
  for await (const line of rl) {
    n++;
    if (line.trim() === '') continue;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch (e) {
      throw new GadError(`${path}: line ${n} is not valid JSON (${describeError(e)})`, {
        hint: 'The file is damaged: rebuild the output folder.',
        exitCode: 2,
      });
    }
    yield { line: n, value };
  }
}

/** Report metadata from a manifest.json (as export writes it). */
export function metaFromManifest(m: Partial<Manifest>): ReportMeta {
  // the build's own `keep_ratio` (its report.json recommends with it); the multiple has no key (always 256)
  const cfg: Record<string, unknown> = m.config ?? {};
  return {
    target: m.target ?? null,
    kind: m.kind ?? null,
    model: m.model
      ? {
          name: m.model.name,
          family: m.model.family,
          factor: m.model.factor,
          minPixels: m.model.minPixels,
          maxPixels: m.model.maxPixels,
        }
      : null,
    pipeline: m.resize
      ? {
          name: m.resize.pipeline,
          minPixels: m.resize.minPixels,
          maxPixels: m.resize.maxPixels,
          trainer: m.resize.trainer,
        }
      : null,
    maxPromptLength: m.limits?.maxPromptLength ?? null,
    maxResponseLength: m.limits?.maxResponseLength ?? null,
    keep: typeof cfg.keep_ratio === 'number' ? cfg.keep_ratio : undefined,
  };
}

/**
 * `gad-data report OUT_DIR`: reads OUT_DIR/lengths.jsonl, OUT_DIR/dropped.jsonl (optional) and
 * OUT_DIR/manifest.json (optional: model, pipeline and limits).
 */
export async function reportFromOutDir(
  outDir: string,
  opts: { keep?: number; multiple?: number } = {},
): Promise<Report> {
  const lengths = join(outDir, 'lengths.jsonl');
  if (!existsSync(lengths))
    throw new GadError(`${outDir}: no lengths.jsonl here, so this is not a gad-data output folder`, {
      hint: 'Pass the folder a `gad-data build` wrote, or use `gad-data report FILES... --model M` for parquet files made elsewhere.',
      exitCode: 2,
    });
  let meta: ReportMeta = {};
  const manifestPath = join(outDir, 'manifest.json');
  if (existsSync(manifestPath)) {
    try {
      meta = metaFromManifest(JSON.parse(await readFile(manifestPath, 'utf8')) as Partial<Manifest>);
    } catch (e) {
      throw new GadError(`${manifestPath}: cannot read it (${describeError(e)})`, {
        hint: 'Rebuild the output folder.',
        exitCode: 2,
      });
    }
  }
  const b = new ReportBuilder();
  for await (const { line, value } of jsonLines(lengths)) {
    if (!value || typeof value.split !== 'string' || typeof value.prompt_tokens !== 'number')
      throw new GadError(`${lengths}: line ${line} is not a lengths record (needs split and prompt_tokens)`, {
        exitCode: 2,
      });
    b.add({
      split: value.split,
      prompt_tokens: value.prompt_tokens,
      text_tokens:
        typeof value.text_tokens === 'number' ? value.text_tokens : value.prompt_tokens - (value.image_tokens ?? 0),
      image_tokens: typeof value.image_tokens === 'number' ? value.image_tokens : 0,
      response_tokens: typeof value.response_tokens === 'number' ? value.response_tokens : null,
    });
  }
  const dropped = join(outDir, 'dropped.jsonl');
  if (existsSync(dropped)) {
    for await (const { line, value } of jsonLines(dropped)) {
      if (!value || typeof value.split !== 'string' || !DROP_REASONS.some((r) => r === value.reason))
        throw new GadError(`${dropped}: line ${line} is not a drop record (needs split and a known reason)`, {
          exitCode: 2,
        });
      b.addDrop(value as DropRecord);
    }
  }
  return b.build({
    ...meta,
    keep: opts.keep ?? meta.keep,
    multiple: opts.multiple ?? meta.multiple,
    title: `gad-data report: ${outDir.split(/[\\/]/).filter(Boolean).pop() ?? outDir}`,
    input: { kind: 'build', outDir: displayPath(resolve(outDir)) },
  });
}
