/**
 * The resume journal of a build, typed in one place: what the journal keeps of each input row (`RowNote`), the
 * image stamps that tell whether a reused row's image files changed, the settings hash that decides whether an
 * interrupted build may be resumed at all, and its parts (`.inputs.json`) that say what changed when it may not.
 */
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { sha256, stableStringify } from '../core/hash.js';
import { displayPath } from '../core/paths.js';
import type { Manifest, Sample } from '../core/types.js';
import type { ResolvedConfig } from '../config/config.js';
import { outputConfigOf } from '../config/output-config.js';
import type { ModelProfile } from '../model/model-profile.js';
import type { FormatPrompt } from '../model/chat-template.js';
import type { PipelineBounds } from '../images/resize.js';
import type { DropRecord, LengthRecord } from '../rules/filter-chain.js';
import { siblings } from '../output/commit.js';
import { VERSION } from '../core/version.js';
import type { OriginalsRecord } from './originals.js';

/** What the journal keeps of each input row (ShardWriter notes): enough to replay it on --resume. */
export interface RowNote {
  len?: LengthRecord;
  drop?: DropRecord;
  /** Dedupe key of a kept row. */
  key?: string;
  /** Teacher response ends with <|im_end|> (null: no teacher response). */
  te: boolean | null;
  /** Image files read by path: [path, size, mtimeMs] (see imageStamps). */
  img?: Array<[string, number, number]>;
  /** Where the images the build changed came from (originals.jsonl). */
  orig?: OriginalsRecord;
  /** A kept row's student answer from the input (rejected_response.jsonl: student-side-file.ts). */
  st?: string;
}

/** Image files read by path for one row: [path, size, mtimeMs] as read ([path, -1, -1]: missing), for --resume. */
export function imageStamps(sample: Sample): Array<[string, number, number]> | undefined {
  const out: Array<[string, number, number]> = [];
  for (const ref of sample.images) {
    if (ref.bytes || !ref.resolvedPath || ref.fileStat === undefined) continue;
    out.push([ref.resolvedPath, ref.fileStat?.size ?? -1, ref.fileStat?.mtimeMs ?? -1]);
  }
  return out.length ? out : undefined;
}

/**
 * The first image file of the reused rows that is not what it was when the interrupted build read it (size or
 * modification time differ, or it appeared or vanished); null when all are the same. One stat per distinct file.
 */
export async function changedImage(records: RowNote[]): Promise<string | null> {
  const seen = new Map<string, string>();
  for (const rec of records) {
    for (const [path, size, mtimeMs] of rec.img ?? []) {
      const was = `${size}:${mtimeMs}`;
      const known = seen.get(path);
      if (known !== undefined) {
        if (known !== was) return path; // read twice with different stamps: it changed during that build
        continue;
      }
      seen.set(path, was);
      let now = '-1:-1';
      try {
        const st = await stat(path);
        if (st.isFile()) now = `${st.size}:${st.mtimeMs}`;
      } catch {
        /* missing now */
      }
      if (now !== was) return path;
    }
  }
  return null;
}

/**
 * Everything that decides the bytes of the output, for --resume: the output config (`outputConfigOf`: every key
 * the config table, src/config/keys.ts, does not mark `affectsOutput: false`), then the
 * content of what the config names: the model files as they decide the counts (tokenizer.json, chat template, the
 * tokenizer config the template reads, image geometry), the format prompt text, and the teacher file's sha256. The
 * data files' sha256 come with the sources; image files read by path are checked per row on resume
 * (`changedImage`).
 */
export function settingsOf(
  cfg: ResolvedConfig,
  profile: ModelProfile,
  prompt: FormatPrompt,
  bounds: Required<PipelineBounds>,
  teacher: { sha256: string; bytes: number } | null,
) {
  return {
    version: VERSION,
    config: outputConfigOf(cfg),
    bounds,
    model: {
      family: profile.family,
      geometry: profile.geometry,
      tokenizer: profile.tokenizerSha256,
      chatTemplate: profile.chatTemplateSha256,
      tokenizerConfig: sha256(stableStringify(profile.tokenizerConfig)),
      templateTokens: profile.templateTokens,
      eosToken: profile.eosToken,
      specialTokens: profile.specialTokens,
    },
    formatPrompt: prompt.sha256,
    teacherFile: teacher,
  };
}

/** The parts of the resume hash, for saying which changed (not needed for correctness: the hash decides). */
export interface InputsDigest {
  settings: string;
  model: string;
  formatPrompt: string;
  teacher: { file: string; sha256: string } | null;
  data: Array<{ file: string; sha256: string }>;
}
/** The InputsDigest's file in the work folder (removed before the commit). */
export const INPUTS_FILE = '.inputs.json';

/** The settings hash of a build (`openOutput`'s `settingsHash`), and its parts. */
export function resumeKey(p: {
  cfg: ResolvedConfig;
  profile: ModelProfile;
  prompt: FormatPrompt;
  bounds: Required<PipelineBounds>;
  teacher: { file: string; sha256: string; bytes: number } | null;
  sources: Manifest['sources'];
}): { settingsHash: string; inputs: InputsDigest } {
  const settings = settingsOf(p.cfg, p.profile, p.prompt, p.bounds, p.teacher);
  const settingsHash = sha256(stableStringify({ settings, sources: p.sources }));
  // What the hash covers, part by part, kept in the work folder so a refused resume can say what changed.
  const inputs: InputsDigest = {
    settings: sha256(stableStringify(settings.config)),
    model: sha256(stableStringify({ model: settings.model, bounds: p.bounds, version: VERSION })),
    formatPrompt: p.prompt.sha256,
    teacher: p.teacher ? { file: displayPath(p.teacher.file), sha256: p.teacher.sha256 } : null,
    data: p.sources.flatMap((s) => s.files.map((f) => ({ file: f.path, sha256: f.sha256 }))),
  };
  return { settingsHash, inputs };
}

/** The digest an interrupted build left in its work folder (`.<OUT>.partial`, beside OUT's target), or null. */
export async function readInputsDigest(out: string): Promise<InputsDigest | null> {
  try {
    return JSON.parse(await readFile(join(siblings(out).work, INPUTS_FILE), 'utf8')) as InputsDigest;
  } catch {
    return null;
  }
}

/** What changed between the interrupted build's digest `a` and this build's `b`, or null. */
export function inputsChange(a: InputsDigest, b: InputsDigest): string | null {
  if (a.teacher?.sha256 !== b.teacher?.sha256) {
    return a.teacher && b.teacher && a.teacher.file === b.teacher.file
      ? `the teacher file ${b.teacher.file} changed (sha256 differs)`
      : 'the teacher file changed';
  }
  const was = new Map(a.data.map((d) => [d.file, d.sha256]));
  for (const d of b.data)
    if (was.has(d.file) && was.get(d.file) !== d.sha256) return `the data file ${d.file} changed (sha256 differs)`;
  if (a.data.length !== b.data.length || b.data.some((d) => !was.has(d.file))) return 'the data files changed';
  if (a.formatPrompt !== b.formatPrompt) return 'the format prompt changed';
  if (a.model !== b.model) return 'the model files changed';
  if (a.settings !== b.settings) return 'the settings changed';
  return null;
}
