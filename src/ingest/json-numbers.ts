/**
 * JSON numbers exactly as written, rendered as the Python trainers see them.
 *
 * verl and EasyR1 read a jsonl with Python's `json`: an integer is a Python `int` (any size), a number with a
 * fraction or an exponent is a `float`, and `str()` of it is what a preprocessing script writes. `JSON.parse`
 * turns every number into a double, so `9007199254740993` became `9007199254740992` and `1.0` became `1`.
 * Here a line is parsed with `JSON.parse` when it holds no number whose text could be lost, and with
 * lossless-json (which keeps each number's text) otherwise. A number is left a plain JS `number` when
 * `String(n)` is already Python's `str()` of it; else it becomes a `JsonNumber` holding both texts.
 */
import { parse as losslessParse } from 'lossless-json';
import { pyFloatRepr } from '../core/py-float.js';

/** Python's `sys.int_info.default_max_str_digits`: `json.loads` refuses longer integers (ValueError). */
export const PY_INT_MAX_STR_DIGITS = 4300;

/** A JSON number whose Python rendering a JS number cannot carry (a big integer, `1.0`, `1e5`, `1e-05`). */
export class JsonNumber {
  constructor(
    /** The number's text as written in the file. */
    readonly source: string,
    /** Python's `str()` of the value `json.loads` gives (`"1.0"`, `"100000.0"`, `"9007199254740993"`). */
    readonly text: string,
    /** An integer for Python (no fraction, no exponent). */
    readonly isInt: boolean,
  ) {}
  toString(): string {
    return this.text;
  }
  /** As a JSON value: the number when a double holds it exactly, else Python's text. */
  toJSON(): number | string {
    const n = Number(this.source);
    return Number.isFinite(n) && (!this.isInt || Number.isSafeInteger(n)) ? n : this.text;
  }
}

const INT = /^-?(?:0|[1-9]\d*)$/;

/** Python's `str()` of what `json.loads` makes of a JSON number text. Throws for an integer Python refuses. */
export function pyNumberText(source: string): { text: string; isInt: boolean } {
  if (INT.test(source)) {
    const digits = source.replace(/^-/, '').length;
    if (digits > PY_INT_MAX_STR_DIGITS) {
      throw new Error(`an integer with ${digits} digits (Python's json refuses more than ${PY_INT_MAX_STR_DIGITS})`);
    }
    return { text: BigInt(source).toString(), isInt: true };
  }
  return { text: pyFloatRepr(Number(source)), isInt: false };
}

/** True when the plain JS number of a JSON number text is what Python's str() makes of it. */
function plainIsExact(source: string): boolean {
  // An integer literal of at most 15 digits: a double holds it, String() writes its digits ("-0" → "0", as Python).
  if (SHORT_INT.test(source)) return true;
  // A non-integral double in [1e-4, 2^53): both write the shortest round-trip digits in fixed notation.
  const n = Number(source);
  if (!Number.isInteger(n) && Number.isFinite(n) && Math.abs(n) >= 1e-4) return true;
  return String(n) === pyNumberText(source).text;
}
const SHORT_INT = /^-?\d{1,15}$/;

/** A JSON number text → a plain number when `String(n)` is Python's text, else a JsonNumber. */
export function parseJsonNumber(source: string): number | JsonNumber {
  if (SHORT_INT.test(source)) return Number(source);
  const { text, isInt } = pyNumberText(source);
  const n = Number(source);
  if (String(n) === text) return n;
  return new JsonNumber(source, text, isInt);
}

/**
 * A double read from a file (a parquet float cell) → the plain number when `String(x)` is Python's `str()` of it,
 * else a JsonNumber whose source gives back the same double (`Number(source)`, as JSON Python reads): Python's
 * repr for a finite value (`"1.0"`, `"-0.0"`, `"1e+16"`), `Infinity` / `-Infinity` / `NaN` (Python's `json.dumps`).
 */
export function floatNumber(x: number): number | JsonNumber {
  const text = pyFloatRepr(x);
  if (text === String(x)) return x;
  return new JsonNumber(Number.isFinite(x) ? text : String(x), text, false);
}

const MAYBE_RISKY = /\d[.eE]|\d{16}/;
const JSON_STRING = /"[^"\\]*(?:\\.[^"\\]*)*"/g;
const JSON_NUMBER = /-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?/g;

/**
 * Does `line` hold a number whose plain JS value would not carry Python's text? Only numbers with a fraction,
 * an exponent or 16+ digits can; their texts are looked at outside strings. Exact for valid JSON (an invalid
 * line fails in the parser either way).
 */
export function hasRiskyNumber(line: string): boolean {
  if (!MAYBE_RISKY.test(line)) return false;
  const numbers = line.replace(JSON_STRING, '""').match(JSON_NUMBER);
  if (!numbers) return false;
  for (const t of numbers) if (!plainIsExact(t)) return true;
  return false;
}

const keepLast = ({ newValue }: { newValue: unknown }) => newValue;

/**
 * `JSON.parse` with numbers kept as Python reads them: `JSON.parse` when every number's plain value already
 * renders as Python's `str()` (nearly every line), lossless-json otherwise. Duplicate keys: the last wins, as
 * in Python's `json` and `JSON.parse`. Throws SyntaxError (or Error for an over-long integer) like JSON.parse.
 */
export function parseJsonExact(text: string): unknown {
  if (!MAYBE_RISKY.test(text)) return JSON.parse(text);
  const v: unknown = JSON.parse(text);
  // Most rows hold only strings (and lists of them): no number text to keep, nothing more to look at.
  if (!holdsNumber(v, 0) || !hasRiskyNumber(text)) return v;
  return losslessParse(text, null, { parseNumber: parseJsonNumber, onDuplicateKey: keepLast });
}

function holdsNumber(v: unknown, depth: number): boolean {
  if (typeof v === 'number') return true;
  if (v === null || typeof v !== 'object') return false;
  if (depth > 64) return true; // deep nesting: let the exact path decide
  if (Array.isArray(v)) {
    for (const x of v) if (holdsNumber(x, depth + 1)) return true;
    return false;
  }
  // JSON.parse's objects: own enumerable keys only, so `for in` visits what Object.values would, without a list.
  const o = v as Record<string, unknown>;
  for (const k in o) if (holdsNumber(o[k], depth + 1)) return true;
  return false;
}
