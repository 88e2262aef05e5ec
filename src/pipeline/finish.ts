/**
 * The end of a build: the report of the booked rows, the manifest (src/output/build-manifest.ts) with the counts
 * from the one tally, the launch warnings, and the files written beside the shards.
 */
import type { Tally } from '../core/tally.js';
import type { Manifest, ShardInfo } from '../core/types.js';
import { launchWarnings } from '../core/verl-rewards.js';
import { trainerOfPipeline } from '../core/defaults.js';
import { type ResolvedConfig } from '../config/config.js';
import { displayPath } from '../core/paths.js';
import { buildManifest, pipelineBoundsFor, writeBuildFiles } from '../output/build-manifest.js';
import { type SchemaOptions } from '../output/parquet-schema.js';
import type { Report } from '../report/report.js';
import type { ReportBuilder } from '../report/report-builder.js';
import { renderReportHtml } from '../report/report-html.js';
import type { Prepared } from './prepare.js';
import type { BuildOutputs } from './outputs.js';

export async function finishBuild(p: {
  cfg: ResolvedConfig;
  prep: Prepared;
  sources: Manifest['sources'];
  schema: SchemaOptions & { kind: 'gad' | 'grpo'; promptKey: string; imageKey: string };
  splitOrder: string[];
  tally: Tally;
  outputs: BuildOutputs;
  shards: ShardInfo[];
  report: ReportBuilder;
  prompts: { messages: number; text: number };
  workDir: string;
  warn: (message: string) => void;
}): Promise<{ manifest: Manifest; report: Report }> {
  const { cfg, prep, schema } = p;
  const { profile, prompt } = prep;
  const { bounds } = prep.settings;
  const gad = schema.kind === 'gad';
  const report = p.report.build({
    title: 'gad-data build report',
    input: { kind: 'build', outDir: displayPath(cfg.out) },
    target: cfg.target,
    kind: schema.kind,
    model: {
      name: displayPath(profile.name),
      family: profile.family,
      factor: profile.geometry.factor,
      minPixels: profile.geometry.minPixels,
      maxPixels: profile.geometry.maxPixels,
    },
    pipeline: {
      name: cfg.pipeline,
      ...pipelineBoundsFor(cfg.pipeline, bounds, profile),
      trainer: trainerOfPipeline(cfg.pipeline),
    },
    maxPromptLength: cfg.data.max_prompt_length,
    maxResponseLength: gad ? cfg.data.max_response_length : null,
    keep: cfg.keep_ratio,
    splitOrder: p.splitOrder,
  });
  // Every prompt a message list and no format prompt asked for: none was applied.
  const noPromptApplied = p.prompts.text === 0 && p.prompts.messages > 0 && !cfg.formatPromptExplicit;
  const { teacher } = p.outputs;
  const manifest = await buildManifest({
    cfg,
    profile,
    modelSource: prep.modelSource,
    modelLocalDir: prep.modelLocalDir,
    chatTemplateOverride: !!prep.override,
    bounds,
    prompt,
    noPromptApplied,
    sources: p.sources,
    schema,
    passthrough: schema.passthrough ?? [],
    splits: Object.fromEntries(p.splitOrder.map((split) => [split, p.tally.summary(split)])),
    shards: p.shards,
    tokens: Object.fromEntries(Object.entries(report.splits).map(([k, v]) => [k, v.tokens])),
    teacher: gad
      ? {
          policy: prep.settings.teacherEnding,
          endingWithImEnd: teacher.endingWithImEnd,
          total: teacher.total,
        }
      : null,
    dataSources: p.outputs.dataSources,
  });
  const student = p.outputs.student();
  if (student) manifest.student = student;
  for (const w of launchWarnings(manifest)) p.warn(w);
  await writeBuildFiles({
    dir: p.workDir,
    manifest,
    promptText: noPromptApplied ? null : prompt.source,
    chatTemplate: prep.override?.text ?? null,
    report,
    reportHtml: renderReportHtml(report),
  });
  return { manifest, report };
}
