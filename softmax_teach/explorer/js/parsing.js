/**
 * What the Explorer's text boxes and links accept, and what they say when they refuse.
 *
 * The JavaScript twin of `softmax_teach/explorer/parsing.py`: same rules, same messages, checked
 * by `tests/test_explorer_js.py` on thousands of random strings. Every parser returns
 * `{value}` or `{error: "message for the page"}` and never throws, so bad text leaves the state
 * as it was and the message goes next to the box.
 *
 * A number is written in a small explicit grammar, the same in both languages
 * (`[+-]digits[.digits][e[+-]digits]`, or `inf`/`nan` words, which are then refused as not
 * finite); nothing depends on `parseFloat`'s leniency or Python's Unicode digits.
 *
 * @module parsing
 */

const MIN_CLASSES = 2;
const MAX_CLASSES = 8;
const MAX_ABS_LOGIT = 10000;
const MIN_TEMPERATURE = 0.01;
const MAX_TEMPERATURE = 100;
const MAX_SEED = 4294967295;

/** Python's white space (`str.isspace`, and `\s` in its `re`), which differs from JavaScript's `\s`. */
const SPACE = "\\t\\n\\v\\f\\r\\x1c-\\x20\\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000";
const SEPARATORS = new RegExp(`[,;${SPACE}]+`);
const EDGE_SPACE = new RegExp(`^[${SPACE}]+|[${SPACE}]+$`, "g");
const NUMBER = /^[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?$/;
const NOT_FINITE = /^[+-]?(?:inf|infinity|nan)$/i;
const WHOLE = /^\+?[0-9]+$/;

/** Python's `str.strip()`. @param {string} text */
export function strip(text) {
  return String(text).replace(EDGE_SPACE, "");
}

/** Strip the characters of `chars` from both ends, like Python's `str.strip(chars)`. */
function stripChars(text, chars) {
  let start = 0;
  let end = text.length;
  while (start < end && chars.includes(text[start])) start++;
  while (end > start && chars.includes(text[end - 1])) end--;
  return text.slice(start, end);
}

/** At most `limit` characters (code points, as Python counts), then "…". */
export function short(text, limit = 14) {
  const chars = Array.from(strip(text));
  return chars.length <= limit ? chars.join("") : chars.slice(0, limit).join("") + "…";
}

/**
 * A number in the shared grammar, `Infinity`/`NaN` for the words `inf`, `infinity`, `nan`, or
 * `null` for anything else (`"1_000"`, `"0x10"`, `"٣"`, `""`).
 * @param {string} word @returns {number|null}
 */
export function readNumber(word) {
  if (NUMBER.test(word)) return Number(word);
  if (NOT_FINITE.test(word)) return /nan/i.test(word) ? NaN : word.startsWith("-") ? -Infinity : Infinity;
  return null;
}

// ------------------------------------------------------------------------------------ formatting

/** Python's `f"{value:g}"` (6 significant digits, trailing zeros dropped). @param {number} value */
export function formatG(value) {
  if (Number.isNaN(value)) return "nan";
  if (!Number.isFinite(value)) return value > 0 ? "inf" : "-inf";
  if (value === 0) return Object.is(value, -0) ? "-0" : "0";
  const [mantissa, exponentText] = value.toExponential(5).split("e");
  const exponent = Number(exponentText);
  if (exponent < -4 || exponent >= 6) {
    const digits = mantissa.replace(/\.?0+$/, "");
    return `${digits}e${exponent < 0 ? "-" : "+"}${String(Math.abs(exponent)).padStart(2, "0")}`;
  }
  const fixed = value.toFixed(Math.max(0, 5 - exponent));
  return fixed.includes(".") ? fixed.replace(/\.?0+$/, "") : fixed;
}

/** Python's `repr(float(value))`: the shortest text that reads back as `value`. */
export function formatRepr(value) {
  if (Number.isNaN(value)) return "nan";
  if (!Number.isFinite(value)) return value > 0 ? "inf" : "-inf";
  if (value === 0) return Object.is(value, -0) ? "-0.0" : "0.0";
  const [mantissa, exponentText] = value.toExponential().split("e");
  const exponent = Number(exponentText);
  const sign = mantissa.startsWith("-") ? "-" : "";
  const digits = mantissa.replace(/^-/, "").replace(".", "");
  if (exponent < -4 || exponent >= 16) {
    const body = digits.length > 1 ? `${digits[0]}.${digits.slice(1)}` : digits;
    return `${sign}${body}e${exponent < 0 ? "-" : "+"}${String(Math.abs(exponent)).padStart(2, "0")}`;
  }
  if (exponent < 0) return `${sign}0.${"0".repeat(-exponent - 1)}${digits}`;
  const whole = digits.slice(0, exponent + 1).padEnd(exponent + 1, "0");
  const fraction = digits.slice(exponent + 1) || "0";
  return `${sign}${whole}.${fraction}`;
}

/** The box form of a number: `0.5`, `1000`, `0.1` (`:g` when exact, else the shortest repr). */
export function formatNumber(value) {
  const g = formatG(value);
  return Number(g) === value ? g : formatRepr(value);
}

/** The box form of logits: `"2, 1, 0.1"`. @param {number[]} logits @param {string} [separator] */
export function formatLogits(logits, separator = ", ") {
  return Array.from(logits, formatNumber).join(separator);
}

// ------------------------------------------------------------------------------------ boxes

/**
 * Logits typed or pasted by a learner: `"2, 1, 0.1"`, `"[2 1 0.1]"`, separated by commas,
 * semicolons or white space, optionally in brackets; 2 to 8 finite numbers within ±10000.
 * @param {string} text
 * @param {{minClasses?: number, maxClasses?: number}} [limits]
 * @returns {{value: number[]}|{error: string}}
 */
export function parseLogits(text, { minClasses = MIN_CLASSES, maxClasses = MAX_CLASSES } = {}) {
  if (typeof text !== "string") return { error: `text must be a string, got ${String(text)}` };
  const stripped = strip(stripChars(strip(text), "[]()"));
  if (!stripped) return { error: `Type at least ${minClasses} numbers, e.g. 2, 1, 0.1` };
  const values = [];
  for (const word of stripped.split(SEPARATORS)) {
    if (!word) continue;
    const value = readNumber(word);
    if (value === null) {
      const chars = Array.from(word);
      const shown = chars.length <= 12 ? word : chars.slice(0, 12).join("") + "…";
      return { error: `'${shown}' is not a number: type numbers like 2, 1, 0.1` };
    }
    if (!Number.isFinite(value)) return { error: `'${word}' is not a finite number: logits must be finite` };
    if (Math.abs(value) > MAX_ABS_LOGIT) {
      return {
        error:
          `'${short(word)}' is out of range: logits must lie between -${MAX_ABS_LOGIT} and ` +
          `${MAX_ABS_LOGIT} (exp already overflows past 709.8)`,
      };
    }
    values.push(value);
  }
  if (values.length < minClasses) return { error: `Need at least ${minClasses} numbers, got ${values.length}` };
  if (values.length > maxClasses) return { error: `At most ${maxClasses} classes, got ${values.length}` };
  return { value: values };
}

/** A typed temperature from 0.01 to 100, kept exactly. @returns {{value: number}|{error: string}} */
export function parseTemperature(text) {
  const word = strip(text);
  const low = formatG(MIN_TEMPERATURE);
  const high = formatG(MAX_TEMPERATURE);
  if (!word) return { error: `Type a temperature from ${low} to ${high}, e.g. 0.5` };
  const value = readNumber(word);
  if (value === null) return { error: `'${short(word)}' is not a number: type a temperature like 0.5` };
  if (!Number.isFinite(value) || !(MIN_TEMPERATURE <= value && value <= MAX_TEMPERATURE)) {
    return { error: `T = ${short(word)} is out of range: T must be from ${low} to ${high}` };
  }
  return { value };
}

/** A seed: a whole number from 0 to 2**32 − 1 (`"3.7"` and `"1e3"` are refused). */
export function parseSeed(text) {
  const word = strip(text);
  if (!WHOLE.test(word) || BigInt(word) > BigInt(MAX_SEED)) {
    return { error: `seed must be a whole number from 0 to ${MAX_SEED}, got '${short(word)}'` };
  }
  return { value: Number(word) };
}

const ROUND_MANTISSAS = [1, 1.5, 2, 2.5, 3, 4, 5, 6, 7, 8, 9];

/**
 * The temperature a log-slider position stands for: a position within half a step of a round
 * value (1, 1.5, 2, 2.5, 3, 4 … 9 times a power of ten) is that value exactly, so the class sees
 * T = 0.5 rather than 10**−0.3 = 0.501; any other position is 10**x to 3 significant digits.
 * @param {number} log10Value @param {number} [step=0.01] @returns {number}
 */
export function roundTemperature(log10Value, step = 0.01) {
  const floor = Math.floor(log10Value);
  for (let exponent = floor - 1; exponent <= floor + 1; exponent++) {
    for (const mantissa of ROUND_MANTISSAS) {
      const candidate = Number(`${mantissa}e${exponent}`);
      if (Math.abs(Math.log10(candidate) - log10Value) <= step / 2 + 1e-12) return candidate;
    }
  }
  return Number((10 ** log10Value).toPrecision(3));
}

// ------------------------------------------------------------------------------------ links

/** Percent-decode `text` as UTF-8, invalid bytes becoming U+FFFD (Python's `unquote`). */
function unquote(text) {
  if (!text.includes("%")) return text;
  const bytes = [];
  const encoder = new TextEncoder();
  for (let i = 0; i < text.length; ) {
    if (text[i] === "%" && /^[0-9a-fA-F]{2}$/.test(text.slice(i + 1, i + 3))) {
      bytes.push(parseInt(text.slice(i + 1, i + 3), 16));
      i += 3;
    } else {
      const point = text.codePointAt(i);
      const char = String.fromCodePoint(point);
      bytes.push(...encoder.encode(char));
      i += char.length;
    }
  }
  return new TextDecoder("utf-8").decode(new Uint8Array(bytes));
}

/**
 * `"?a=1&b=x"` as an object (Python's `parse_qsl` with blank values kept): `+` is a space,
 * `%xx` is decoded as UTF-8, a part without `=` has the value `""`, the last value of a key wins.
 * @param {string} search e.g. `window.location.search`
 * @returns {Object<string, string>} a prototype-free object
 */
export function parseQuery(search) {
  const params = Object.create(null);
  const text = String(search ?? "").replace(/^\?+/, "");
  for (const part of text.split("&")) {
    if (!part) continue;
    const at = part.indexOf("=");
    const [key, value] = at < 0 ? [part, ""] : [part.slice(0, at), part.slice(at + 1)];
    params[unquote(key.replace(/\+/g, " "))] = unquote(value.replace(/\+/g, " "));
  }
  return params;
}

/** Python's `quote(text, safe)`: UTF-8 percent-encoding, keeping letters, digits, `_.-~` and `safe`. */
function quote(text, safe) {
  let out = "";
  for (const byte of new TextEncoder().encode(text)) {
    const char = String.fromCharCode(byte);
    out += /[A-Za-z0-9_.\-~]/.test(char) || safe.includes(char) ? char : `%${byte.toString(16).toUpperCase().padStart(2, "0")}`;
  }
  return out;
}

/** `[["tab", "sampling"], ["logits", "3,2.5"]]` as `"tab=sampling&logits=3,2.5"` (commas kept). */
export function formatQuery(items) {
  return items.map(([key, value]) => `${quote(String(key), "/")}=${quote(String(value), ",.-")}`).join("&");
}

const FLAGS = { 1: true, true: true, yes: true, on: true, 0: false, false: false, no: false, off: false };

/** `1/0`, `true/false`, `yes/no`, `on/off`. @returns {{value: boolean}|{error: string}} */
export function parseFlag(name, text) {
  const word = strip(text).toLowerCase();
  if (!Object.hasOwn(FLAGS, word)) return { error: `${name} must be 1 (on) or 0 (off), got '${short(text)}'` };
  return { value: FLAGS[word] };
}

/** A whole number from `low` to `high` (`"3.7"`, `"1e3"` and words are refused). */
export function parseWhole(name, text, low, high) {
  const word = strip(text);
  if (!WHOLE.test(word) || !(BigInt(low) <= BigInt(word) && BigInt(word) <= BigInt(high))) {
    return { error: `${name} must be a whole number from ${low} to ${high}, got '${short(word)}'` };
  }
  return { value: Number(word) };
}

/** A number from `low` to `high` with at most `decimals` decimals (the slider's step). */
export function parseFraction(name, text, low, high, { decimals = 2 } = {}) {
  const word = strip(text);
  const value = readNumber(word);
  if (value === null) return { error: `${name}: '${short(word)}' is not a number` };
  if (!Number.isFinite(value) || !(low <= value && value <= high)) {
    return { error: `${name} must be from ${formatG(low)} to ${formatG(high)}, got '${short(word)}'` };
  }
  const rounded = Number(value.toFixed(decimals));
  if (Math.abs(rounded - value) > 1e-12) {
    return { error: `${name} must have at most ${decimals} decimals (the slider's step), got '${short(word)}'` };
  }
  return { value: rounded };
}
