/**
 * POSIX shell: a word (`'…'`, a `'` written as `'"'"'`), and text for a `#` comment line (bash ends a comment at the
 * first line break, so a value holding one is shown escaped rather than letting its next line run as a command).
 */

const SHELL_SAFE = /^[A-Za-z0-9_@%+=:,./-]+$/;

/** A string as one POSIX shell word: as it is when it holds only safe characters, else single-quoted. */
export function shellWord(word: string): string {
  if (word.length > 0 && SHELL_SAFE.test(word)) return word;
  return "'" + word.replace(/'/g, `'"'"'`) + "'";
}

/**
 * Text that stays on one comment line (shell `#`, YAML `#`): line breaks and other control characters are written
 * as escapes (`\n`, `\u2028`), backslashes doubled, so the comment reads the value exactly and ends where it should.
 */
export function commentText(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/[\\\u0000-\u001f\u007f\u0085\u2028\u2029]/g, (c) => {
    if (c === '\\') return '\\\\';
    if (c === '\n') return '\\n';
    if (c === '\r') return '\\r';
    if (c === '\t') return '\\t';
    return `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`;
  });
}
