/**
 * YAML for Python readers (PyYAML, which OmegaConf and the trainers use), written by the `yaml` library: a string
 * holding a tab, a control character or a Unicode line separator is written double-quoted with escapes, since
 * PyYAML refuses those characters in a plain scalar (or reads them as a line break).
 */
import YAML from 'yaml';

// eslint-disable-next-line no-control-regex
const NEEDS_QUOTES = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\ufeff]/;

/** `value` as a YAML document that PyYAML and the `yaml` library read back as the same value. */
export function yamlText(value: unknown): string {
  const doc = new YAML.Document(value);
  YAML.visit(doc, {
    Scalar(_key, node) {
      if (typeof node.value === 'string' && NEEDS_QUOTES.test(node.value)) node.type = 'QUOTE_DOUBLE';
    },
  });
  // Those characters only occur inside the double-quoted scalars made above; the library writes some of them raw.
  return doc
    .toString()
    .replace(/[\u0085\u2028\u2029\ufeff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
