/**
 * `gad-data export sft|prompts|rm` on the bundled GAD sample build, read back by independent readers
 * (test/helpers/recipe_check.py: Python json, HF datasets, Pillow, pyarrow for the build) with every
 * row's length recomputed by the test venv's transformers tokenizer over the model's chat template
 * rendered on the full conversation — for qwen3-vl and qwen2.5-vl.
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { packagePath } from '../../src/core/paths.js';
import { runCli } from '../helpers/gad-cli.js';
import { ensurePythonVenv, runPython } from '../helpers/python.js';

const python = await ensurePythonVenv(['pyarrow', 'datasets', 'Pillow', 'transformers', 'jinja2']);
const CHECK = readFileSync(packagePath('test', 'helpers', 'recipe_check.py'), 'utf8');
const students: Record<string, string> = Object.fromEntries(
  readFileSync(packagePath('fixtures', 'sample', 'student.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as { id: string; response: string })
    .map((o) => [o.id, o.response]),
);

let root: string;
const cli = async (args: string[]) => {
  const r = await runCli(args, { cwd: root, timeoutMs: 600_000 });
  assert.equal(r.status, 0, `gad-data ${args.join(' ')}: ${r.stderr}`);
  return r;
};
const check = async (build: string, exportDir: string, kind: string, model: string) => {
  const cfg = {
    build: join(root, build),
    export: join(root, exportDir),
    model_dir: packagePath('fixtures', 'models', model),
    kind,
    students,
  };
  return JSON.parse((await runPython(python!, CHECK, [JSON.stringify(cfg)])).trim().split('\n').pop()!) as {
    rows: number;
    written: number;
    dropped: number;
    images: number;
    reasons: string[];
  };
};

before(async () => {
  root = mkdtempSync(join(tmpdir(), 'gad-recipe-'));
  await cli(['build', '-q']);
});
after(() => rmSync(root, { recursive: true, force: true }));

describe(
  'export sft / prompts / rm from the bundled GAD sample',
  { skip: !python && 'no Python venv', timeout: 1_800_000 },
  () => {
    it('sft, ms-swift: every row, image and length as Python and transformers read them', async () => {
      const r = await cli(['export', 'sft', '--from', 'gad-data-out']);
      assert.match(r.stdout, /recommended/);
      assert.match(r.stdout, /67 teacher response\(s\) ended with <\|im_end\|>: removed/);
      const s = await check('gad-data-out', 'gad-data-out/sft-ms-swift', 'sft', 'qwen3-vl');
      assert.deepEqual([s.rows, s.written, s.dropped, s.images], [200, 200, 0, 200]);
    });

    it('sft, LLaMA-Factory sharegpt with --max-length: long rows dropped with the recomputed length', async () => {
      await cli(['export', 'sft', '--from', 'gad-data-out', '--format', 'llamafactory', '--max-length', '700']);
      const s = await check('gad-data-out', 'gad-data-out/sft-llamafactory', 'sft', 'qwen3-vl');
      assert.ok(s.dropped > 0 && s.written > 0, JSON.stringify(s));
      assert.deepEqual(s.reasons, ['too_long']);
      const rep = JSON.parse(readFileSync(join(root, 'gad-data-out/sft-llamafactory/report.json'), 'utf8'));
      assert.equal(rep.drops.too_long, s.dropped);
      assert.equal(rep.splits.all.rows, s.written);
    });

    it('prompts: ids, messages and images for sampling, prompt lengths with the generation prompt', async () => {
      await cli(['export', 'prompts', '--from', 'gad-data-out']);
      const s = await check('gad-data-out', 'gad-data-out/prompts', 'prompts', 'qwen3-vl');
      assert.deepEqual([s.written, s.dropped], [200, 0]);
    });

    it('rm, ms-swift, the bundled student answers: pairs with the same ending on both sides, drops with reasons', async () => {
      const r = await cli(['export', 'rm', '--from', 'gad-data-out']);
      assert.match(r.stdout, /chosen/);
      assert.match(r.stdout, /rejected/);
      const s = await check('gad-data-out', 'gad-data-out/rm-ms-swift', 'rm', 'qwen3-vl');
      assert.deepEqual(s.reasons, ['no_student_response', 'student_equals_teacher']);
      assert.equal(s.written + s.dropped, 200);
    });

    it('rm, LLaMA-Factory ranking with --max-length; a swift infer result file gives the same pairs', async () => {
      await cli(['export', 'rm', '--from', 'gad-data-out', '--format', 'llamafactory', '--max-length', '700']);
      const s = await check('gad-data-out', 'gad-data-out/rm-llamafactory', 'rm', 'qwen3-vl');
      assert.deepEqual(s.reasons, ['no_student_response', 'student_equals_teacher', 'too_long']);
      // The shape `swift infer --result_path` writes (with --remove_unused_columns false): response, labels,
      // logprobs, then the input row (id, messages with the answer appended, images).
      await cli(['export', 'prompts', '--from', 'gad-data-out', '-q']);
      const prompts = readFileSync(join(root, 'gad-data-out/prompts/train.jsonl'), 'utf8')
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l));
      const lines = prompts
        .filter((p) => students[p.id] !== undefined)
        .map((p) =>
          JSON.stringify({
            response: students[p.id],
            labels: null,
            logprobs: null,
            ...p,
            messages: [...p.messages, { role: 'assistant', content: students[p.id] }],
          }),
        );
      writeFileSync(join(root, 'swift-infer.jsonl'), `${lines.join('\n')}\n`);
      await cli(['export', 'rm', '--from', 'gad-data-out', '--student', 'swift-infer.jsonl', '--out', 'rm-from-infer']);
      await cli(['export', 'rm', '--from', 'gad-data-out', '--out', 'rm-default']);
      assert.equal(
        readFileSync(join(root, 'rm-from-infer/train.jsonl'), 'utf8'),
        readFileSync(join(root, 'rm-default/train.jsonl'), 'utf8'),
      );
    });

    it('qwen2.5-vl build: sft and rm lengths against its own chat template (default system turn) and 28-pixel factor', async () => {
      await cli(['build', '-q', '--model', 'qwen2.5-vl', '--out', 'q25']);
      const x = await cli(['export', 'sft', '--from', 'q25', '--json']);
      assert.deepEqual(JSON.parse(x.stdout).export.images.settings.env, { MIN_PIXELS: '3136', MAX_PIXELS: '12845056' });
      await check('q25', 'q25/sft-ms-swift', 'sft', 'qwen2.5-vl');
      await cli(['export', 'rm', '--from', 'q25']);
      await check('q25', 'q25/rm-ms-swift', 'rm', 'qwen2.5-vl');
    });

    it('an EasyR1-target build (raw problems) gives the same conversations: the export applies the build format prompt', async () => {
      await cli(['build', '-q', '--target', 'easyr1', '--out', 'e1']);
      await cli(['export', 'sft', '--from', 'e1', '-q']);
      await cli(['export', 'sft', '--from', 'gad-data-out', '-q', '--out', 'sft-verl']);
      const msgs = (f: string) =>
        readFileSync(join(root, f), 'utf8')
          .trim()
          .split('\n')
          .map((l) => JSON.parse(l).messages);
      assert.deepEqual(msgs('e1/sft-ms-swift/train.jsonl'), msgs('sft-verl/train.jsonl'));
      // Not the bundled sample: `export rm` needs the student file.
      const m = JSON.parse(readFileSync(join(root, 'e1/manifest.json'), 'utf8'));
      for (const s of m.sources) s.spec = `data/${s.split}.jsonl`;
      writeFileSync(join(root, 'e1/manifest.json'), JSON.stringify(m));
      const r = await runCli(['export', 'rm', '--from', 'e1'], { cwd: root });
      assert.equal(r.status, 2);
      assert.match(r.stderr, /no --student file given/);
    });

    it('bad student files stop with exit 2 naming the line and the fix; the previous export stays', async () => {
      await cli(['export', 'rm', '--from', 'gad-data-out', '-q']);
      const before_ = readFileSync(join(root, 'gad-data-out/rm-ms-swift/train.jsonl'), 'utf8');
      writeFileSync(join(root, 'noid.jsonl'), '{"response": "x"}\n');
      const a = await runCli(['export', 'rm', '--from', 'gad-data-out', '--student', 'noid.jsonl'], { cwd: root });
      assert.equal(a.status, 2);
      assert.match(a.stderr, /noid\.jsonl line 1 has no "id"/);
      assert.match(a.stderr, /--remove_unused_columns false/);
      writeFileSync(
        join(root, 'dup.jsonl'),
        '{"id": "geo-0000", "response": "a"}\n{"id": "geo-0000", "response": "b"}\n',
      );
      const b = await runCli(['export', 'rm', '--from', 'gad-data-out', '--student', 'dup.jsonl'], { cwd: root });
      assert.equal(b.status, 2);
      assert.match(b.stderr, /dup\.jsonl line 2: id geo-0000 appears twice/);
      assert.equal(readFileSync(join(root, 'gad-data-out/rm-ms-swift/train.jsonl'), 'utf8'), before_);
    });
  },
);

describe('export output folder', { timeout: 600_000 }, () => {
  it('refuses to replace the build or a folder that is not an export (exit 2, nothing touched)', async () => {
    const manifest = readFileSync(join(root, 'gad-data-out/manifest.json'), 'utf8');
    const a = await runCli(['export', 'sft', '--from', 'gad-data-out', '--out', 'gad-data-out'], { cwd: root });
    assert.equal(a.status, 2);
    assert.match(a.stderr, /is the build folder or holds it/);
    assert.equal(readFileSync(join(root, 'gad-data-out/manifest.json'), 'utf8'), manifest);
    const b = await runCli(['export', 'sft', '--from', 'gad-data-out', '--out', 'gad-data-out/data/sft'], {
      cwd: root,
    });
    assert.equal(b.status, 2);
    assert.match(b.stderr, /inside the build's data\/ folder/);
    mkdirSync(join(root, 'mine'));
    writeFileSync(join(root, 'mine/notes.txt'), 'keep me');
    const c = await runCli(['export', 'prompts', '--from', 'gad-data-out', '--out', 'mine'], { cwd: root });
    assert.equal(c.status, 2);
    assert.match(c.stderr, /exists and is not a gad-data export/);
    assert.equal(readFileSync(join(root, 'mine/notes.txt'), 'utf8'), 'keep me');
    // An earlier export is replaced.
    await cli(['export', 'prompts', '--from', 'gad-data-out', '--out', 'again', '-q']);
    await cli(['export', 'prompts', '--from', 'gad-data-out', '--out', 'again', '-q']);
  });
});
