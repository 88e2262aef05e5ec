/**
 * The files of a finished run, from its journal in the build's row order (whatever order the answers came
 * in), so a rerun or a resumed run writes the same bytes: the answer file(s), the dropped file and the
 * run's manifest (settings, counts, the kept answers' length distribution in the student's tokens).
 * Each file is written beside its place and renamed into it.
 */
import { createHash } from 'node:crypto';
import { closeSync, openSync, renameSync, writeFileSync, writeSync } from 'node:fs';
import { basename, dirname, relative } from 'node:path';
import { sha256 } from '../core/hash.js';
import type { Stats } from '../core/types.js';
import { summarize } from '../report/stats.js';
import { VERSION } from '../core/version.js';
import type { Journal } from './answer-journal.js';
import type { GeneratePaths } from './run-files.js';
import type { AnswerLine, GenerateDropReason, GenerateSettings } from './generate-types.js';
import { must } from '../core/guards.js';

export interface RowRef {
  key: string;
  id: string;
  split: string;
}

/** `<base>.generate.json` */
export interface GenerateManifest {
  format: 'gad-data-generate';
  version: 1;
  tool: { name: 'gad-data'; version: string };
  settings: GenerateSettings;
  /** The build folder the prompts came from, relative to this file. */
  from: string;
  rows: number;
  kept: number;
  dropped: Partial<Record<GenerateDropReason, number>>;
  /** Kept answers' length in the student's tokens. */
  lengths: Stats;
  usage: { prompt_tokens: number; completion_tokens: number; total_tokens: number };
  files: Array<{ file: string; lines: number; sha256: string }>;
}

/** A file written line by line beside its place (`.partial`), hashed as it goes, and renamed into it. */
class LineFile {
  private fd: number;
  private hash = createHash('sha256');
  lines = 0;
  constructor(readonly file: string) {
    this.fd = openSync(`${file}.partial`, 'w');
  }
  push(line: string): void {
    const text = `${line}\n`;
    writeSync(this.fd, text);
    this.hash.update(text);
    this.lines++;
  }
  commit(): { file: string; lines: number; sha256: string } {
    closeSync(this.fd);
    renameSync(`${this.file}.partial`, this.file);
    return { file: basename(this.file), lines: this.lines, sha256: this.hash.digest('hex') };
  }
}

function writeAtomic(file: string, text: string): { sha256: string } {
  const tmp = `${file}.partial`;
  writeFileSync(tmp, text);
  renameSync(tmp, file);
  return { sha256: sha256(text) };
}

export function finishRun(p: {
  journal: Journal;
  rows: RowRef[];
  paths: GeneratePaths;
  settings: GenerateSettings;
  from: string;
}): GenerateManifest {
  const n = p.paths.outputs.length;
  // streamed in row order: only one row's entry is in memory at a time
  const outs = p.paths.outputs.map((f) => new LineFile(f));
  const dropped = new LineFile(p.paths.dropped);
  const counts: GenerateManifest['dropped'] = {};
  const lengths: number[] = [];
  const usage = { prompt_tokens: 0, completion_tokens: 0, total_tokens: 0 };
  for (const r of p.rows) {
    const e = must(p.journal.get(r.key), `the journal holds an entry for every row (${r.key})`);
    if (e.usage) {
      usage.prompt_tokens += e.usage.prompt_tokens;
      usage.completion_tokens += e.usage.completion_tokens;
      usage.total_tokens += e.usage.total_tokens;
    }
    for (const c of e.choices) {
      const sample = n > 1 ? { sample: c.index } : {};
      if (c.drop) {
        counts[c.drop.reason] = (counts[c.drop.reason] ?? 0) + 1;
        dropped.push(
          JSON.stringify({
            id: r.id,
            split: r.split,
            ...sample,
            reason: c.drop.reason,
            detail: c.drop.detail,
            finish_reason: c.finish_reason,
            tokens: c.tokens,
            request_hash: e.request_hash,
          }),
        );
        continue;
      }
      lengths.push(c.tokens);
      const line: AnswerLine = {
        id: r.id,
        split: r.split,
        ...sample,
        response: c.response,
        finish_reason: c.finish_reason,
        tokens: c.tokens,
        usage: e.usage,
        model: e.model,
        endpoint: p.settings.endpoint,
        request_hash: e.request_hash,
      };
      must(outs[Math.min(c.index, n - 1)], 'an output file per sample').push(JSON.stringify(line));
    }
  }
  const files: GenerateManifest['files'] = [...outs, dropped].map((f) => f.commit());
  p.journal.close();
  const manifest: GenerateManifest = {
    format: 'gad-data-generate',
    version: 1,
    tool: { name: 'gad-data', version: VERSION },
    settings: p.settings,
    from: relative(dirname(p.paths.manifest), p.from) || '.',
    rows: p.rows.length,
    kept: lengths.length,
    dropped: counts,
    lengths: summarize(lengths),
    usage,
    files,
  };
  writeAtomic(p.paths.manifest, `${JSON.stringify(manifest, null, 2)}\n`);
  return manifest;
}
