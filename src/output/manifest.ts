/**
 * manifest.json (deterministic: keys sorted, no timestamps) and the dataset card README.md generated
 * from it (HF card YAML front matter: license, configs/data_files, dataset_info features and splits).
 */
import { writeFile, rename } from 'node:fs/promises';
import { join } from 'node:path';
import YAML from 'yaml';
import type { Manifest } from '../core/types.js';
import { stableStringify } from '../core/hash.js';
import { columnSpecs, type SchemaOptions } from './parquet-schema.js';
import { fmtNum } from '../report/numbers.js';
import { isRecord, must } from '../core/guards.js';

/** Write `<dir>/manifest.json` (sorted keys, 2-space indent, trailing newline) atomically. */
export async function writeManifest(dir: string, manifest: Manifest): Promise<void> {
  const path = join(dir, 'manifest.json');
  await writeFile(path + '.tmp', stableStringify(manifest, 2) + '\n');
  await rename(path + '.tmp', path);
}

/** The schema options a manifest was written with. */
export function schemaOptionsOf(manifest: Manifest): SchemaOptions {
  return {
    target: manifest.target,
    kind: manifest.kind,
    promptKey: manifest.columns.prompt,
    answerKey: manifest.columns.answer,
    imageKey: manifest.columns.images,
    ...(manifest.columns.passthrough?.length ? { passthrough: manifest.columns.passthrough } : {}),
  };
}

/** HF card YAML feature list (the `dataset_info.features` form written by `datasets`). */
export function cardFeatures(opts: SchemaOptions): unknown[] {
  const inner = (feature: unknown, name?: string): Record<string, unknown> => {
    const named = name === undefined ? {} : { name };
    if (Array.isArray(feature)) {
      const el: Record<string, unknown> = isRecord(feature[0]) ? feature[0] : {};
      if (el._type === 'Image') return { ...named, list: 'image' };
      if (el._type === 'Value') return { ...named, list: el.dtype };
      return { ...named, list: Object.entries(el).map(([k, v]) => inner(v, k)) };
    }
    const f: Record<string, unknown> = isRecord(feature) ? feature : {};
    if (f._type === 'Value') return { ...named, dtype: f.dtype };
    if (f._type === 'Image') return { ...named, dtype: 'image' };
    if (f._type === 'ClassLabel' && Array.isArray(f.names))
      return {
        ...named,
        dtype: { class_label: { names: Object.fromEntries(f.names.map((n, i) => [String(i), n])) } },
      };
    if (f._type === 'Sequence' || f._type === 'List') {
      const el = inner(f.feature);
      return {
        ...named,
        [f._type === 'List' ? 'list' : 'sequence']: 'dtype' in el && Object.keys(el).length === 1 ? el.dtype : el,
      };
    }
    return { ...named, struct: Object.entries(f).map(([k, v]) => inner(v, k)) };
  };
  return columnSpecs(opts).map((c) => inner(c.feature, c.name));
}

function licenseOf(manifest: Manifest): string | null {
  const l = manifest.config.license;
  return typeof l === 'string' && l.trim() ? l.trim() : null;
}

/** README.md with HF card front matter, generated from the manifest only. */
export function renderDatasetCard(manifest: Manifest): string {
  const opts = schemaOptionsOf(manifest);
  const splits = Object.keys(manifest.splits).sort();
  const shardsOf = (split: string) => manifest.shards.filter((s) => s.split === split);
  const front: Record<string, unknown> = {};
  const license = licenseOf(manifest);
  if (license) front.license = license;
  front.task_categories = ['image-text-to-text'];
  front.tags = ['gad-data', manifest.target, manifest.kind, manifest.model.family];
  front.configs = [
    {
      config_name: 'default',
      data_files: splits.map((s) => ({ split: s, path: `data/${s}-*` })),
    },
  ];
  front.dataset_info = {
    features: cardFeatures(opts),
    splits: splits.map((s) => ({
      name: s,
      num_bytes: shardsOf(s).reduce((a, x) => a + x.bytes, 0),
      num_examples: splitOf(manifest, s).rowsOut,
    })),
    download_size: manifest.shards.reduce((a, x) => a + x.bytes, 0),
    dataset_size: manifest.shards.reduce((a, x) => a + x.bytes, 0),
  };
  const yaml = YAML.stringify(front, { lineWidth: 0 });

  const lines: string[] = [];
  lines.push('---', yaml.trimEnd(), '---', '');
  lines.push(`# ${manifest.model.name} ${manifest.kind.toUpperCase()} data for ${manifest.target}`, '');
  lines.push(
    `Made by ${manifest.tool.name} ${manifest.tool.version} for **${manifest.target}** (${manifest.kind === 'gad' ? 'GAD: rows carry `teacher_response`' : 'GRPO'}), ` +
      `model ${manifest.model.name} (${manifest.model.family}, factor ${manifest.model.factor}).`,
    '',
  );
  lines.push(
    '## Splits',
    '',
    '| split | rows in | rows out | dropped | shards | bytes |',
    '|---|---:|---:|---:|---:|---:|',
  );
  for (const s of splits) {
    const sp = splitOf(manifest, s);
    const dropped = Object.values(sp.dropped).reduce((a, b) => a + b, 0);
    const sh = shardsOf(s);
    lines.push(
      `| ${s} | ${sp.rowsIn} | ${sp.rowsOut} | ${dropped} | ${sh.length} | ${sh.reduce((a, x) => a + x.bytes, 0)} |`,
    );
  }
  lines.push('');
  const reasons = new Map<string, number>();
  for (const s of splits)
    for (const [r, n] of Object.entries(splitOf(manifest, s).dropped)) reasons.set(r, (reasons.get(r) ?? 0) + n);
  if ([...reasons.values()].some((n) => n > 0)) {
    lines.push(
      'Dropped rows by reason: ' +
        [...reasons.entries()]
          .filter(([, n]) => n > 0)
          .sort()
          .map(([r, n]) => `${r} ${n}`)
          .join(', ') +
        '.',
      '',
    );
  }
  lines.push('## Images and prompt length', '');
  lines.push(
    `Images are embedded (bytes). ${imagePolicyText(manifest.resize)} Token counts are those of the **${manifest.resize.pipeline}** ` +
      `pipeline (${manifest.resize.trainer}), pixel bounds ${manifest.resize.minPixels}–${manifest.resize.maxPixels}. ` +
      `Maximum prompt length ${manifest.limits.maxPromptLength} tokens, maximum response length ${manifest.limits.maxResponseLength}.`,
    '',
  );
  const tokenSplits = Object.entries(manifest.tokens).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  if (tokenSplits.length) {
    lines.push(
      '| split | prompt tokens p50 | p95 | max | response tokens p50 | p95 | max |',
      '|---|---:|---:|---:|---:|---:|---:|',
    );
    for (const [s, t] of tokenSplits) {
      const r = t.response;
      lines.push(
        `| ${s} | ${fmtNum(t.prompt.p50)} | ${fmtNum(t.prompt.p95)} | ${fmtNum(t.prompt.max)} | ${r ? fmtNum(r.p50) : '–'} | ${r ? fmtNum(r.p95) : '–'} | ${r ? fmtNum(r.max) : '–'} |`,
      );
    }
    lines.push('');
  }
  lines.push('## Columns', '');
  for (const c of columnSpecs(opts)) lines.push(`- \`${c.name}\`: ${String(c.type)}`);
  lines.push('');
  lines.push('## Sources', '');
  for (const src of manifest.sources) {
    const rev = src.commit ?? src.revision;
    lines.push(`- ${src.split}: \`${src.spec}\`${rev ? ` @ ${rev}` : ''} (${src.files.length} file(s))`);
  }
  lines.push('');
  lines.push('## Files', '');
  lines.push('| file | rows | bytes | sha256 |', '|---|---:|---:|---|');
  for (const s of manifest.shards) lines.push(`| ${s.file} | ${s.rows} | ${s.bytes} | ${s.sha256} |`);
  lines.push('');
  lines.push(`License: ${license ?? 'unknown (see the sources)'}.`, '');
  lines.push('The full resolved configuration, digests and statistics are in `manifest.json`.', '');
  return lines.join('\n');
}

/** The image policy in a sentence for the dataset card. */
function imagePolicyText(resize: Manifest['resize']): string {
  const converted =
    'EXIF orientation, alpha (flattened on white), 16-bit, CMYK, animated and other formats are converted to 8-bit RGB PNG/JPEG';
  if (resize.policy === 'never')
    return `Every image keeps its original size and, where nothing must change, its original bytes; ${converted}.`;
  if (resize.policy === 'auto') {
    return (
      `Images keep their original size and, where nothing must change, their original bytes (the trainer resizes them ` +
      `exactly as it would resize the source data); images over the pipeline's max_pixels are shrunk, with Pillow's bicubic, ` +
      `to the size the trainer's own first resize gives, so it leaves them unchanged; ${converted}.`
    );
  }
  return `Images are RGB, already at the size the pipeline gives them (Pillow's bicubic), so the trainer's own resize leaves them unchanged.`;
}

/** The manifest's counts of split `s`, one of its own splits. */
function splitOf(manifest: Manifest, s: string): Manifest['splits'][string] {
  return must(manifest.splits[s], `the manifest has no counts of its split ${s}`);
}
