/**
 * Notebook 14's character language model in the browser: the GRU of `softmax_teach.tiny_lm`,
 * read from the shipped weights (`charlm_weights.bin`, see `softmax_teach/explorer/charlm.py`).
 *
 * Why in JavaScript: the Generate tab then answers a key press without a kernel, on a static page
 * too. `tests/test_explorer_js.py` checks the logits against the numpy model to 1e-5.
 *
 * The GRU step follows PyTorch's `nn.GRU` (gates in the order reset, update, new):
 *
 *     r = σ(W_ir x + b_ir + W_hr h + b_hr)
 *     z = σ(W_iz x + b_iz + W_hz h + b_hz)
 *     n = tanh(W_in x + b_in + r ⊙ (W_hn h + b_hn))
 *     h = (1 − z) ⊙ n + z ⊙ h
 *
 * and the logits of the next character are `W_fc h + b_fc`. The weights are float32; the
 * arithmetic here is float64, which the 1e-5 agreement allows for.
 *
 * @module charlm
 */

import { filterDistribution, draw } from "./core.js";

/** Characters of text the model reads: it re-reads all of them whenever the window slides. */
export const MAX_TEXT = 400;

const PARAMETERS = [
  "embedding.weight",
  "rnn.weight_ih_l0",
  "rnn.weight_hh_l0",
  "rnn.bias_ih_l0",
  "rnn.bias_hh_l0",
  "fc.weight",
  "fc.bias",
];

/** Whether this machine stores numbers little-endian, as the file does (then the bytes are copied as they are). */
const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** Bytes as a DataView, whatever container anywidget or a fetch handed over. */
function asDataView(data) {
  if (data instanceof DataView) return data;
  if (data instanceof ArrayBuffer) return new DataView(data);
  if (ArrayBuffer.isView(data)) return new DataView(data.buffer, data.byteOffset, data.byteLength);
  throw new Error("the model's weights must be bytes (an ArrayBuffer, a typed array or a DataView)");
}

/**
 * Read the safetensors-layout file: a little-endian u64 header length, a JSON header, then the
 * little-endian float32 tensors (copied, so the file's alignment never matters; read value by value
 * on a big-endian machine).
 * @param {ArrayBuffer|ArrayBufferView} data
 * @returns {{vocabulary: string, tensors: Object<string, {shape: number[], data: Float32Array}>}}
 */
export function readWeights(data) {
  const view = asDataView(data);
  const length = Number(view.getBigUint64(0, true));
  const header = JSON.parse(new TextDecoder().decode(new Uint8Array(view.buffer, view.byteOffset + 8, length)));
  const tensors = {};
  for (const name of PARAMETERS) {
    const { shape, data_offsets: [start, end] } = header[name];
    const from = view.byteOffset + 8 + length + start;
    let values;
    if (LITTLE_ENDIAN) {
      values = new Float32Array(view.buffer.slice(from, view.byteOffset + 8 + length + end)); // a copy, aligned
    } else {
      values = new Float32Array((end - start) / 4);
      for (let i = 0; i < values.length; i++) values[i] = view.getFloat32(8 + length + start + 4 * i, true);
    }
    tensors[name] = { shape, data: values };
  }
  return { vocabulary: header.__metadata__.vocabulary, tensors };
}

/** `W x + b` for a row-major `W` of `rows × cols`, in float64. */
function affine(weight, bias, x, rows, cols) {
  const out = new Float64Array(rows);
  for (let r = 0; r < rows; r++) {
    let total = 0;
    const base = r * cols;
    for (let c = 0; c < cols; c++) total += weight[base + c] * x[c];
    out[r] = total + bias[r];
  }
  return out;
}

/** σ(x) without overflow: exp(−|x|) is at most 1. */
function sigmoid(x) {
  const e = Math.exp(-Math.abs(x));
  return x >= 0 ? 1 / (1 + e) : e / (1 + e);
}

/** The GRU character model: `chars`, `encode`, `step`, `logits(text)`, `nextLogits(text)`. */
export class CharLM {
  /** @param {{vocabulary: string, tensors: Object}} weights from {@link readWeights} */
  constructor({ vocabulary, tensors }) {
    this.chars = Array.from(vocabulary);
    this.tensors = tensors;
    this.hidden = tensors["rnn.weight_hh_l0"].shape[1];
    this.embedding = tensors["embedding.weight"].shape[1];
    // W_ih x + b_ih depends on the character only: computed once per character, not per step.
    const e = this.embedding;
    this._inputGates = this.chars.map((_, id) =>
      affine(tensors["rnn.weight_ih_l0"].data, tensors["rnn.bias_ih_l0"].data,
        tensors["embedding.weight"].data.subarray(id * e, (id + 1) * e), 3 * this.hidden, e),
    );
    this._cache = { text: "", state: null };
  }

  /** Character ids of `text`; an unknown character throws (the tab checks the text first). */
  encode(text) {
    return Array.from(text, (c) => {
      const id = this.chars.indexOf(c);
      if (id < 0) throw new Error(`the model does not know ${JSON.stringify(c)}`);
      return id;
    });
  }

  /** Read one character: the new state (a Float64Array). */
  advance(id, state) {
    const t = this.tensors;
    const h = this.hidden;
    const gx = this._inputGates[id];
    const gh = affine(t["rnn.weight_hh_l0"].data, t["rnn.bias_hh_l0"].data, state, 3 * h, h);
    const next = new Float64Array(h);
    for (let i = 0; i < h; i++) {
      const reset = sigmoid(gx[i] + gh[i]);
      const update = sigmoid(gx[h + i] + gh[h + i]);
      const candidate = Math.tanh(gx[2 * h + i] + reset * gh[2 * h + i]);
      next[i] = (1 - update) * candidate + update * state[i];
    }
    return next;
  }

  /** The logits of the next character in state `state`: `W_fc h + b_fc`. */
  readout(state) {
    const t = this.tensors;
    return Array.from(affine(t["fc.weight"].data, t["fc.bias"].data, state, this.chars.length, this.hidden));
  }

  /** Read one character: the logits of the next one and the new state. */
  step(id, state) {
    const next = this.advance(id, state);
    return { logits: this.readout(next), state: next };
  }

  /** Logits after each character of `text` (row t scores character t + 1), from the zero state. */
  logits(text) {
    let state = new Float64Array(this.hidden);
    const rows = [];
    for (const id of this.encode(text)) {
      const result = this.step(id, state);
      rows.push(result.logits);
      state = result.state;
    }
    return rows;
  }

  /**
   * The logits of the character after `text`. Remembers the last text's state, so a text that
   * only grew (typing, "generate 40") costs one step per new character, not a re-read.
   * @param {string} text at least one known character @returns {number[]}
   */
  nextLogits(text) {
    if (!text) throw new Error("text must hold at least one character");
    const cache = this._cache;
    let start = 0;
    let state = new Float64Array(this.hidden);
    if (cache.state && text.startsWith(cache.text)) {
      state = cache.state;
      start = cache.text.length;
    }
    for (const id of this.encode(text.slice(start))) state = this.advance(id, state);
    this._cache = { text, state };
    return this.readout(state);
  }
}

/**
 * Python's `repr` of one character, so a message names it exactly as the Python tab does:
 * `'a'`, `"'"`, a tab as `'\t'`, a bell as `'\x07'`; printable characters as they are.
 * @param {string} c one code point @returns {string}
 */
export function reprCharacter(c) {
  const escapes = { "\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r" };
  if (c === "'") return `"'"`;
  if (escapes[c]) return `'${escapes[c]}'`;
  const point = c.codePointAt(0);
  if (point !== 32 && /^[\p{C}\p{Z}]$/u.test(c)) {
    const hex = point.toString(16);
    if (point < 0x100) return `'\\x${hex.padStart(2, "0")}'`;
    if (point < 0x10000) return `'\\u${hex.padStart(4, "0")}'`;
    return `'\\U${hex.padStart(8, "0")}'`;
  }
  return `'${c}'`;
}

/**
 * A typed text the model can read: at least one character, each one it knows; the last
 * {@link MAX_TEXT} are kept. Same rules and message as the Python tab (`generate.check_text`).
 * @param {string} text @param {string[]} chars the model's characters
 * @returns {{value: string}|{error: string}}
 */
export function parseText(text, chars) {
  if (!text) return { error: "type at least one character" };
  const known = new Set(chars);
  const unknown = [...new Set(Array.from(text).filter((c) => !known.has(c)))];
  if (unknown.length) {
    unknown.sort((a, b) => a.codePointAt(0) - b.codePointAt(0));
    const named = unknown.map(reprCharacter).join(", ");
    return { error: `the model does not know ${named}: it knows lowercase letters, space, newline and , - . :` };
  }
  return { value: Array.from(text).slice(-MAX_TEXT).join("") };
}

const loaded = new WeakMap();

/**
 * The model from a widget's `weights` trait (bytes), from bytes, or from a URL of the file.
 * The same bytes object gives the same (cached) model.
 * @param {{get: (key: string) => any}|ArrayBuffer|ArrayBufferView|string} source
 * @returns {Promise<CharLM>}
 */
export async function loadCharLM(source) {
  let data = source;
  if (source && typeof source.get === "function") data = source.get("weights");
  if (typeof data === "string") data = await (await fetch(data)).arrayBuffer();
  const key = ArrayBuffer.isView(data) ? data.buffer : data;
  if (!loaded.has(key)) loaded.set(key, new CharLM(readWeights(data)));
  return loaded.get(key);
}

/** Logits of `text` with the model read from `data`: for tests and notebooks (no cache kept). */
export function textLogits(data, text) {
  return new CharLM(readWeights(data)).logits(text);
}

/**
 * Draw `n` characters after `text`, one at a time, each from the filtered next-character
 * distribution with the seed and stream = the text's length at that point, so the same seed and
 * text always give the same characters (the Python twin: `GenerateTab.generate`).
 *
 * @param {CharLM} lm
 * @param {string} text known characters
 * @param {number} n
 * @param {{temperature?: number, topK?: number|null, topP?: number|null, minP?: number|null}} options
 * @param {number} seed
 * @returns {{text: string, drawn: string, probabilities: number[]}} the text after the draws (its
 *   last {@link MAX_TEXT} characters), the characters drawn and the probability each had
 */
export function generate(lm, text, n, options, seed) {
  let drawn = "";
  const probabilities = [];
  for (let k = 0; k < n; k++) {
    const p = filterDistribution(lm.nextLogits(text), options).after;
    const [index] = draw(p, 1, seed, text.length);
    drawn += lm.chars[index];
    probabilities.push(p[index]);
    text = (text + lm.chars[index]).slice(-MAX_TEXT);
  }
  return { text, drawn, probabilities };
}

/** {@link generate} with the model read from `data` (for tests). */
export function generateFrom(data, text, n, options, seed) {
  return generate(new CharLM(readWeights(data)), text, n, options, seed);
}
