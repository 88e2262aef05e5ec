/**
 * The two READMEs and docs/: the Chinese README carries the same commands as the English one (its prose is its
 * own; the command blocks are the same text, comments aside), links each other on the first line, and no relative
 * link in either README or under docs/ points at a file that does not exist (GitHub would show a 404).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { packagePath } from '../../src/core/paths.js';

const root = packagePath();
const read = (rel: string) => readFileSync(join(root, rel), 'utf8');

/** The command lines of a markdown file's ```sh blocks, without comment lines or trailing comments. */
function shellCommands(md: string): string[] {
  const out: string[] = [];
  for (const m of md.matchAll(/^```(?:sh|bash)\n([\s\S]*?)^```/gm)) {
    for (const line of m[1]!.split('\n')) {
      const cmd = line.replace(/\s+#\s.*$/, '').trimEnd();
      if (cmd.trim() === '' || cmd.trimStart().startsWith('#')) continue;
      out.push(cmd);
    }
  }
  return out;
}

test('README.zh-CN.md has exactly the command lines of README.md, in order', () => {
  const en = shellCommands(read('README.md'));
  const zh = shellCommands(read('README.zh-CN.md'));
  assert.ok(en.length >= 8, `README.md has its command blocks (${en.length} lines)`);
  assert.deepEqual(zh, en);
});

test('each README links the other on its first screen and says what GAD is, with the paper', () => {
  const en = read('README.md').split('\n').slice(0, 12).join('\n');
  const zh = read('README.zh-CN.md').split('\n').slice(0, 12).join('\n');
  assert.match(en, /\]\(README\.zh-CN\.md\)/);
  assert.match(zh, /\]\(README\.md\)/);
  for (const head of [en, zh]) assert.match(head, /arxiv\.org\/abs\/2511\.10643/);
});

function markdownFiles(dir: string, out: string[] = []): string[] {
  for (const e of readdirSync(dir)) {
    const p = join(dir, e);
    if (statSync(p).isDirectory()) markdownFiles(p, out);
    else if (e.endsWith('.md')) out.push(p);
  }
  return out;
}

test('every relative link in the READMEs and docs/ points at a file that exists', () => {
  const files = [join(root, 'README.md'), join(root, 'README.zh-CN.md'), ...markdownFiles(join(root, 'docs'))];
  const broken: string[] = [];
  let checked = 0;
  for (const file of files) {
    const text = readFileSync(file, 'utf8').replace(/^```[\s\S]*?^```/gm, '');
    for (const m of text.matchAll(/\]\(([^)\s]+)(?:\s+"[^"]*")?\)/g)) {
      const target = m[1]!;
      if (/^[a-z][a-z0-9+.-]*:/i.test(target) || target.startsWith('#')) continue;
      const path = decodeURIComponent(target.split('#')[0]!);
      checked++;
      if (!existsSync(join(dirname(file), path))) broken.push(`${relative(root, file)}: ${target}`);
    }
  }
  assert.ok(checked > 50, `links were found (${checked})`);
  assert.deepEqual(broken, []);
});
