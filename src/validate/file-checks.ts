/** File-level checks of a parquet file's schema against what verl / EasyR1 read: columns, types, nested fields. */
import type { Target } from '../core/types.js';
import type { ParquetColumn, ParquetSchemaInfo } from '../ingest/parquet.js';
import type { Columns } from './context.js';

/** The column `name` of the file, if any. */
export function col(schema: ParquetSchemaInfo, name: string): ParquetColumn | undefined {
  return schema.columns.find((c) => c.name === name);
}

function field(c: ParquetColumn | undefined, name: string): ParquetColumn | undefined {
  return c?.children.find((x) => x.name === name);
}

/** File-level checks: columns, types, nested fields. Returns problems (severity) in reading order. */
export function checkSchema(
  schema: ParquetSchemaInfo,
  target: Target,
  cols: Columns,
): Array<{ severity: 'error' | 'warning'; problem: string }> {
  const out: Array<{ severity: 'error' | 'warning'; problem: string }> = [];
  const err = (problem: string) => out.push({ severity: 'error', problem });
  const warn = (problem: string) => out.push({ severity: 'warning', problem });
  const names = schema.columns.map((c) => `${c.name}: ${c.type}`).join(', ');
  const prompt = col(schema, cols.prompt);
  if (!prompt)
    err(
      `no prompt column \`${cols.prompt}\` (columns: ${names})${target === 'verl' ? '; verl reads data.prompt_key (default `prompt`)' : '; set --prompt-key to EasyR1 data.prompt_key'}`,
    );
  else if (target === 'verl') {
    const el = prompt.kind === 'list' ? prompt.children[0] : undefined;
    if (!el || el.kind !== 'struct' || field(el, 'role')?.type !== 'string' || field(el, 'content')?.type !== 'string')
      err(
        `column \`${cols.prompt}\` is ${prompt.type}; verl needs list<struct<role: string, content: string>> (chat messages)`,
      );
  } else if (prompt.type !== 'string')
    err(`column \`${cols.prompt}\` is ${prompt.type}; EasyR1's prompt_key column must be a string`);

  const images = col(schema, cols.images);
  if (!images) err(`no image column \`${cols.images}\` (columns: ${names})`);
  else {
    const el = images.kind === 'list' ? images.children[0] : undefined;
    const isStruct = el?.kind === 'struct' && field(el, 'bytes')?.type === 'binary';
    const isPathList = el?.type === 'string';
    if (!isStruct) {
      if (target === 'easyr1' && isPathList)
        warn(
          `column \`${cols.images}\` holds path strings: EasyR1 needs data.image_dir to find them, and the paths must exist on the training machine`,
        );
      else
        err(
          `column \`${cols.images}\` is ${images.type}; ${target} needs list<struct<bytes: binary, path: string>> with the image bytes embedded`,
        );
    } else if (field(el, 'path') === undefined)
      warn(
        `column \`${cols.images}\` has no \`path\` field in its struct (HF datasets' Image feature is struct<bytes, path>)`,
      );
  }
  if (target === 'verl') {
    const ds = col(schema, 'data_source');
    if (!ds) err('no `data_source` column: verl picks the reward function by it');
    else if (ds.type !== 'string') err(`column \`data_source\` is ${ds.type}; verl needs a string`);
    const rm = col(schema, 'reward_model');
    const teacher = col(schema, 'teacher_response');
    if (!rm)
      (teacher ? warn : err)(
        `no \`reward_model\` column (struct<style, ground_truth>)${teacher ? ': GAD does not need it, GRPO reward functions do' : ': verl reward functions read reward_model.ground_truth'}`,
      );
    else if (rm.kind !== 'struct' || !field(rm, 'ground_truth'))
      err(`column \`reward_model\` is ${rm.type}; verl needs struct<style: string, ground_truth: string>`);
    if (teacher && teacher.type !== 'string') err(`column \`teacher_response\` is ${teacher.type}; GAD needs a string`);
    const ei = col(schema, 'extra_info');
    if (ei && ei.kind !== 'struct') warn(`column \`extra_info\` is ${ei.type}; verl expects a struct`);
  } else {
    const ans = col(schema, cols.answer);
    if (!ans) err(`no answer column \`${cols.answer}\` (EasyR1 data.answer_key; set --answer-key)`);
    else if (ans.type !== 'string') warn(`column \`${cols.answer}\` is ${ans.type}; EasyR1 compares it as a string`);
  }
  return out;
}
