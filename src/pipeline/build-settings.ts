/**
 * The settings a build's steps read, derived once from the resolved config (by prepare.ts) so each is decided in
 * one place: GAD or GRPO, the length limits rows are dropped over, the teacher-ending policy and the pixel bounds.
 */
import { defaultTeacherEnding, type ResolvedConfig } from '../config/config.js';
import type { PipelineBounds } from '../images/resize.js';
import type { TeacherEnding } from '../model/token-counts.js';

export interface BuildSettings {
  /** A GAD build (a teacher file or column): rows carry a teacher response; else GRPO. */
  gad: boolean;
  /** Rows whose prompt is over this many tokens are dropped (data.filter_overlong_prompts); undefined: none. */
  maxPromptLength: number | undefined;
  /** Rows whose teacher response is over this many tokens are dropped (GAD builds); undefined: none. */
  maxResponseLength: number | undefined;
  /** teacher.ending: the policy the teacher response is written (and counted) with. */
  teacherEnding: TeacherEnding;
  /** The trainer's pre-resize pixel bounds, resolved against the model's processor. */
  bounds: Required<PipelineBounds>;
}

export function buildSettingsOf(cfg: ResolvedConfig, bounds: Required<PipelineBounds>): BuildSettings {
  const gad = !!(cfg.teacher && (cfg.teacher.file || cfg.teacher.column));
  return {
    gad,
    maxPromptLength: cfg.data.filter_overlong_prompts ? cfg.data.max_prompt_length : undefined,
    maxResponseLength: gad ? cfg.data.max_response_length : undefined,
    teacherEnding: cfg.teacher?.ending ?? defaultTeacherEnding(),
    bounds,
  };
}
