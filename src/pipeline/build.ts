/**
 * `build`: ingest → format → validate → export, streamed with bounded concurrency. This is the typed library
 * API under `gad-data build`; the CLI only parses flags into a config and prints what this returns.
 *
 * `build()` prepares what it needs before reading a row (src/pipeline/prepare.ts), opens the input (the ingest step)
 * and the output session (resumed when possible, src/pipeline/session.ts), then runs the steps
 * normalize → precheck → format → filter → write over every row (src/pipeline/steps.ts, run by src/pipeline/runner.ts),
 * and finishes with the report, the manifest and the commit (src/pipeline/finish.ts).
 */
import { silentProgress, type ProgressSink } from '../core/progress.js';
import { Tally } from '../core/tally.js';
import { warnOnceBy } from '../core/warn-once.js';
import { testHold } from '../core/test-hold.js';
import type { Manifest } from '../core/types.js';
import { resolveConfig, type ConfigInput, type ResolvedConfig } from '../config/config.js';
import { FilterChain } from '../rules/filter-chain.js';
import { ReportBuilder } from '../report/report-builder.js';
import { type Report } from '../report/report.js';
import { renderReportTerminal } from '../report/terminal.js';
import type { RowHook } from './row-hook.js';
import { resumeKey, type RowNote } from './build-journal.js';
import { prepare } from './prepare.js';
import type { BuildSettings } from './build-settings.js';
import { commitBuild, failBuild, openBuildSession, restoreOutput } from './session.js';
import { openOutputs, outputSchema } from './outputs.js';
import { runSteps, type Step } from './runner.js';
import { finishBuild } from './finish.js';
import { splitProblems, type SplitProblem } from './split-check.js';
import type { IdsInfo } from '../ingest/ingest.js';
import { openBuildIngest } from './build-ingest.js';
import { normalizeStep, partitionStep, precheckStep, formatStep, filterStep, writeStep } from './steps.js';
import { originalsOf } from './originals.js';

export { publicConfig } from '../output/build-manifest.js';

export interface BuildHooks {
  progress?: ProgressSink;
  onWarning?: (message: string) => void;
  /** Reuse finished shards of an interrupted build with the same inputs and settings. */
  resume?: boolean;
  /** Scale-out (src/partition): a part of a partitioned build, or a merge of the parts. */
  rows?: RowHook;
}

export interface BuildResult {
  outDir: string;
  manifest: Manifest;
  report: Report;
  /** Rows in/out and drops per split. */
  splits: Manifest['splits'];
  dropRatio: number;
  /**
   * 0 ok; 1 when more rows were dropped than max_drop_ratio allows, or a split has a problem (`problems`); the
   * output is still written.
   */
  exitCode: 0 | 1;
  /** Splits the trainer cannot use as they are: empty, or most rows dropped for one reason (src/pipeline/split-check.ts). */
  problems: SplitProblem[];
  /** The id key, and whether its values recur across splits (they need only be unique within a split). */
  ids: IdsInfo | null;
  /** The input format line (`input format: NAME (why)`) and rows counted by what the format did with them. */
  input: { format: string; counts: Record<string, number> };
  /** The report as the terminal table, no colour. */
  summary: string;
  config: ResolvedConfig;
}

/** Build a dataset. `input` is a config object (as in gad-data.yaml) or an already resolved config. */
export async function build(input: ConfigInput | ResolvedConfig = {}, hooks: BuildHooks = {}): Promise<BuildResult> {
  const cfg: ResolvedConfig =
    'baseDir' in input ? (input as ResolvedConfig) : resolveConfig({ flags: input as Record<string, unknown> });
  const progress = hooks.progress ?? silentProgress;
  const warn = hooks.onWarning ?? ((m: string) => progress.log(`warning: ${m}`));
  await restoreOutput(cfg.out, progress);
  const prep = await prepare(cfg, { progress, warn });
  const { ingest, inputs, sources, publicDrop } = await openBuildIngest(cfg, { progress, warn });
  const { settingsHash, inputs: digest } = resumeKey({
    cfg,
    ...prep,
    bounds: prep.settings.bounds,
    teacher: ingest.teacher,
    sources,
  });
  const resume = !!hooks.resume;
  const session = await openBuildSession({ out: cfg.out, settingsHash, inputs: digest, resume, progress });
  try {
    await hooks.rows?.begin({ settingsHash, workDir: session.workDir, resumed: !!session.resumed });
    const splitOrder = cfg.test_ratio ? ['train', 'test'] : inputs.map((s) => s.split);
    const schema = outputSchema(cfg, prep.settings.gad, ingest.passthrough, warn);
    const tally = new Tally();
    const chain = filterChainOf(cfg, prep.settings, tally);
    const report = new ReportBuilder(tally);
    const outputs = openOutputs({
      splits: splitOrder,
      session,
      schema,
      shardSize: cfg.shard_size,
      report,
      progress,
      studentColumn: ingest.studentColumn,
    });
    const warnOnce = warnOnceBy(warn);
    const normalize = normalizeStep<RowNote>({ cfg, prompt: prep.prompt, warnOnce });
    const steps: Array<Step<RowNote>> = [
      normalize,
      ...(hooks.rows ? [partitionStep<RowNote>(hooks.rows)] : []),
      precheckStep(chain),
      formatStep({
        ...prep,
        concurrency: cfg.concurrency ?? undefined,
        formatPromptExplicit: cfg.formatPromptExplicit,
        warnOnce,
        format: hooks.rows?.format?.bind(hooks.rows),
      }),
      filterStep({
        chain,
        dedupe: cfg.dedupe,
        publicDrop,
        onFormatted: hooks.rows?.formatted?.bind(hooks.rows),
        teacherEnding: prep.settings.teacherEnding,
        original: originalsOf(cfg, ingest.sources),
      }),
      writeStep(outputs.writers),
    ];
    await runSteps({
      inputs: inputs.map(({ split }) => ({ split, rows: ingest.rowCount[split] ?? null })),
      source: (split) => ingest.rows(split),
      steps,
      window: Math.max(4, (cfg.concurrency ?? 4) * 4),
      journal: outputs.journal,
      book: async (row, replayed) => {
        await outputs.book(row);
        if (!replayed) await hooks.rows?.booked?.(row.sample, !row.note.drop);
      },
      progress,
    });
    const shards = await outputs.close(progress);
    const done = { splitOrder, tally, outputs, shards, report, prompts: normalize.prompts, workDir: session.workDir };
    const { manifest, report: built } = await finishBuild({ cfg, prep, sources, schema, ...done, warn });
    await hooks.rows?.finish(session.workDir, manifest);
    await testHold('before-commit');
    const committed = await commitBuild(session);
    if (committed) warn(committed);
    const problems = splitProblems({
      splits: manifest.splits,
      firstDrops: outputs.firstDrops,
      maxShare: cfg.max_split_drop_ratio,
    });
    const input = { format: ingest.inputFormat, counts: ingest.formatCounts() };
    return resultOf(cfg, manifest, built, { problems, ids: ingest.ids(), input });
  } catch (e) {
    await hooks.rows?.abort?.().catch(() => undefined);
    throw await failBuild(e, session);
  }
}

/** The standard filter chain of a build, counting each row's outcome in `tally`. */
function filterChainOf(cfg: ResolvedConfig, settings: BuildSettings, tally: Tally): FilterChain {
  const options = {
    maxPromptLength: settings.maxPromptLength ?? Number.POSITIVE_INFINITY,
    maxResponseLength: settings.maxResponseLength ?? Number.POSITIVE_INFINITY,
    singleImage: cfg.single_image,
    requireImage: cfg.require_image,
    requireTeacher: settings.gad,
    dedupe: cfg.dedupe,
    leakCheck: cfg.dedupe,
  };
  return FilterChain.standard(options, tally);
}

function resultOf(
  cfg: ResolvedConfig,
  manifest: Manifest,
  report: Report,
  checked: Pick<BuildResult, 'problems' | 'ids' | 'input'>,
): BuildResult {
  const splits = manifest.splits;
  const totalIn = Object.values(splits).reduce((a, s) => a + s.rowsIn, 0);
  const totalOut = Object.values(splits).reduce((a, s) => a + s.rowsOut, 0);
  const dropRatio = totalIn ? (totalIn - totalOut) / totalIn : 0;
  const exitCode: 0 | 1 = dropRatio > cfg.max_drop_ratio || checked.problems.length ? 1 : 0;
  const summary = renderReportTerminal(report, { color: false });
  return { outDir: cfg.out, manifest, report, splits, dropRatio, exitCode, summary, config: cfg, ...checked };
}
