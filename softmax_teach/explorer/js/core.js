/**
 * The Softmax Explorer's numbers, computed in the browser: pure functions, no DOM.
 *
 * Every function here mirrors the Python package so that what a learner sees on a page equals
 * what `softmax_teach` prints in a notebook. `tests/test_explorer_js.py` runs this module under
 * node on thousands of random cases and compares each result with `softmax_teach.numerics`
 * (to 1e-12) and each parser with `softmax_teach.explorer.parsing` (same accept/reject, same
 * message). The operations follow numpy's order on purpose (subtract the max, then divide by T;
 * numpy's pairwise sum), so results usually agree to the last bit; only `Math.exp` may differ
 * from numpy's `exp` by an ulp.
 *
 * Python twins: `softmax_teach/explorer/prng.py` (the PRNG and the draws) and
 * `softmax_teach/explorer/parsing.py` (the text boxes and links).
 *
 * @module core
 */

export const MIN_CLASSES = 2;
export const MAX_CLASSES = 8;
/** Logits beyond this cannot be shown on a slider; the overflow demonstration needs only ~710. */
export const MAX_ABS_LOGIT = 10000;
export const MIN_TEMPERATURE = 0.01;
export const MAX_TEMPERATURE = 100;
export const MAX_SEED = 4294967295; // 2**32 - 1

// ------------------------------------------------------------------------------------ sums

/**
 * numpy's pairwise summation (`np.sum` of a contiguous float64 row), reproduced step by step.
 *
 * Why: the normaliser of softmax, the entropy and the loss are sums; adding in numpy's order
 * keeps the JavaScript results bit-identical to the Python ones whenever the terms are.
 *
 * @param {ArrayLike<number>} values
 * @param {number} [start=0]
 * @param {number} [n=values.length - start]
 * @returns {number}
 */
export function pairwiseSum(values, start = 0, n = values.length - start) {
  if (n < 8) {
    let total = 0;
    for (let i = start; i < start + n; i++) total += values[i];
    return total;
  }
  if (n <= 128) {
    const r = [];
    for (let j = 0; j < 8; j++) r.push(values[start + j]);
    let i = 8;
    for (; i < n - (n % 8); i += 8) {
      for (let j = 0; j < 8; j++) r[j] += values[start + i + j];
    }
    let total = ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]));
    for (; i < n; i++) total += values[start + i];
    return total;
  }
  let half = Math.floor(n / 2);
  half -= half % 8;
  return pairwiseSum(values, start, half) + pairwiseSum(values, start + half, n - half);
}

/** Running sum, left to right (numpy's `cumsum`). @param {number[]} values @returns {number[]} */
export function cumulativeSum(values) {
  const out = [];
  let total = 0;
  for (const v of values) out.push((total += v));
  return out;
}

// ------------------------------------------------------------------------------------ softmax

/**
 * Limit of a row whose max is not finite, as `numerics.softmax` decides it: `nan` anywhere gives
 * all `nan`; `+inf` entries share the mass; a row of only `-inf` (fully masked) gives zeros.
 */
function specialRow(x) {
  if (x.some(Number.isNaN)) return x.map(() => NaN);
  const top = x.filter((v) => v === Infinity).length;
  return x.map((v) => (top > 0 ? (v === Infinity ? 1 / top : 0) : 0));
}

/**
 * softmax(z / T), the stable way by default, or the slide's formula with `stable: false`.
 *
 * Stable: `exp((z - max) / T) / Σ exp((z - max) / T)`, as `numerics.softmax` (never overflows).
 * Unstable: `exp(z / T) / Σ exp(z / T)` exactly as written on the slide, so `1000, 2000, 3000`
 * gives `NaN` (inf / inf) and `709, 709, 709` gives zeros (a finite exp over an infinite sum):
 * the caller shows the overflow ({@link softmaxOverflows}) instead of hiding it.
 *
 * @param {number[]} logits
 * @param {number} [temperature=1] T >= 0; 0 is the arg-max limit (ties share the mass).
 * @param {{stable?: boolean}} [options]
 * @returns {number[]} probabilities (or NaN/0 where the unstable formula broke)
 */
export function softmax(logits, temperature = 1, { stable = true } = {}) {
  const x = Array.from(logits, Number);
  if (x.length === 0) return [];
  if (!stable) {
    const e = x.map((v) => Math.exp(v / temperature));
    const total = pairwiseSum(e);
    return e.map((v) => v / total);
  }
  const max = Math.max(...x);
  if (!Number.isFinite(max)) return specialRow(x);
  if (temperature === 0) {
    const ties = x.filter((v) => v === max).length;
    return x.map((v) => (v === max ? 1 : 0) / ties);
  }
  // numpy subtracts the max first and divides by T only when T != 1: same order, same bits.
  const e = x.map((v) => Math.exp(temperature === 1 ? v - max : (v - max) / temperature));
  const total = pairwiseSum(e);
  return e.map((v) => v / total);
}

/**
 * Whether the slide's unstable formula overflows for these logits: some `exp(z / T)`, or their sum,
 * is infinite (`709, 709, 709`: each exp is finite, the sum is not).
 * @param {number[]} logits @param {number} [temperature=1] @returns {boolean}
 */
export function softmaxOverflows(logits, temperature = 1) {
  return !Number.isFinite(pairwiseSum(Array.from(logits, (v) => Math.exp(v / temperature))));
}

/**
 * Whether `p` is a probability vector: finite, non-negative, summing to 1 within numerics'
 * tolerance (`sqrt(eps) * max(1, sqrt(n))`). The unstable formula's broken rows are not.
 * @param {number[]} p @returns {boolean}
 */
export function isDistribution(p) {
  if (p.length === 0 || p.some((v) => !Number.isFinite(v) || v < 0)) return false;
  const tolerance = Math.sqrt(Number.EPSILON) * Math.max(1, Math.sqrt(p.length));
  return Math.abs(pairwiseSum(p) - 1) <= tolerance;
}

/**
 * Entropy `-Σ p log p` in nats (0 log 0 = 0), summed in numpy's order like `numerics.entropy`.
 * @param {number[]} p a distribution @returns {number}
 */
export function entropy(p) {
  return pairwiseSum(p.map((v) => (v > 0 ? -v * Math.log(v) : 0)));
}

/**
 * What the Temperature tab reads out about a distribution.
 *
 * A vector that is not a distribution (the unstable formula's `NaN`s or zeros) gives `NaN`
 * everywhere and `argmax: -1`, never an exception: the page then shows the overflow.
 *
 * @param {number[]} probs
 * @returns {{entropyNats: number, entropyBits: number, perplexity: number, maxProb: number,
 *   argmax: number, valid: boolean}}
 */
export function summarise(probs) {
  if (!isDistribution(probs)) {
    return { entropyNats: NaN, entropyBits: NaN, perplexity: NaN, maxProb: NaN, argmax: -1, valid: false };
  }
  const nats = entropy(probs);
  let argmax = 0;
  for (let i = 1; i < probs.length; i++) if (probs[i] > probs[argmax]) argmax = i;
  return {
    entropyNats: nats,
    entropyBits: nats / Math.log(2),
    perplexity: Math.exp(nats),
    maxProb: probs[argmax],
    argmax,
    valid: true,
  };
}

// ------------------------------------------------------------------------------------ filters

/** Divide by the pairwise sum, as numpy's `p /= p.sum()`. */
function renormalise(p) {
  const total = pairwiseSum(p);
  return p.map((v) => v / total);
}

/**
 * Class indices from most to least probable; equal probabilities keep index order (numpy's
 * stable `argsort(-p)`), so ties resolve the same way in both languages.
 * @param {number[]} p @returns {number[]}
 */
export function rankOrder(p) {
  return p.map((_, i) => i).sort((a, b) => (p[b] - p[a]) || (a - b));
}

/**
 * Temperature, then top-k, then top-p, then min-p, renormalising after each, exactly as
 * `numerics.sampling_probabilities`. The neutral values switch a filter off (as the tabs' sliders
 * do): `topK` 0 or null, `topP` 1 or null, `minP` 0 or null.
 *
 * top-k keeps every class tied with the k-th; top-p keeps the classes whose mass before them
 * (in rank order) is below `topP * (1 - 1e-12)`, so at least one; min-p keeps classes with at
 * least `minP` times the largest probability.
 *
 * @param {number[]} logits
 * @param {{temperature?: number, topK?: number|null, topP?: number|null, minP?: number|null}} [options]
 * @returns {{before: number[], order: number[], cumulative: number[], after: number[],
 *   kept: boolean[], cutBy: {topK: number[], topP: number[], minP: number[]}}}
 *   `before` is softmax(z / T); `order` ranks the classes by it; `cumulative[r]` is the mass of
 *   the `r + 1` most probable classes before filtering; `cutBy` lists the classes each filter
 *   itself removed (a class cut earlier is not repeated).
 */
export function filterDistribution(logits, { temperature = 1, topK = null, topP = null, minP = null } = {}) {
  const before = softmax(logits, temperature);
  const n = before.length;
  const order = rankOrder(before);
  const cumulative = cumulativeSum(order.map((i) => before[i]));
  let p = before;
  const cut = (previous, next) => next.flatMap((v, i) => (previous[i] > 0 && v === 0 ? [i] : []));
  const cutBy = { topK: [], topP: [], minP: [] };
  if (topK && topK < n) {
    const kth = p[order[topK - 1]];
    const next = renormalise(p.map((v) => (v >= kth ? v : 0)));
    cutBy.topK = cut(p, next);
    p = next;
  }
  if (topP !== null && topP !== undefined && topP < 1) {
    const sorted = order.map((i) => p[i]);
    const running = cumulativeSum(sorted);
    const keep = new Array(n).fill(false);
    order.forEach((i, rank) => {
      keep[i] = running[rank] - sorted[rank] < topP * (1 - 1e-12);
    });
    const next = renormalise(p.map((v, i) => (keep[i] ? v : 0)));
    cutBy.topP = cut(p, next);
    p = next;
  }
  if (minP) {
    const threshold = minP * Math.max(...p);
    const next = renormalise(p.map((v) => (v >= threshold ? v : 0)));
    cutBy.minP = cut(p, next);
    p = next;
  }
  return { before, order, cumulative, after: p, kept: p.map((v) => v > 0), cutBy };
}

/**
 * Total variation distance `½ Σ |p − q|`: the most any set of classes is over- or under-weighted.
 * @param {number[]} p @param {number[]} q @returns {number}
 */
export function totalVariation(p, q) {
  return 0.5 * pairwiseSum(p.map((v, i) => Math.abs(v - q[i])));
}

// ------------------------------------------------------------------------------------ randomness

/**
 * MurmurHash3's 32-bit finaliser `fmix32`: a bijection on 32-bit integers that spreads every
 * input bit over the output, so seeds 0, 1, 2 … start far apart.
 * @param {number} h @returns {number} unsigned 32-bit
 */
export function fmix32(h) {
  h >>>= 0;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

/**
 * A seeded uniform generator: mulberry32 (Tommy Ettinger, public domain), 32 bits of state.
 *
 * Why this one: it is a few lines of 32-bit integer arithmetic (`Math.imul`, shifts), so every
 * browser and the Python twin (`softmax_teach.explorer.prng.Random`) produce the same numbers
 * bit for bit, which `Math.random` cannot promise. Its period (2**32) and quality are ample for a
 * histogram of at most a few thousand draws; it is not for cryptography or simulation studies.
 *
 * Seeding: the state starts at `fmix32(seed ^ fmix32(stream ^ 0x9e3779b9))`, so a `stream`
 * (e.g. the position in a generated text) gives a separate sequence for the same seed.
 *
 * @param {number} seed whole number 0 … 2**32 − 1
 * @param {number} [stream=0] whole number 0 … 2**32 − 1
 * @returns {() => number} each call: the next uniform number in [0, 1), a multiple of 2**-32
 */
export function createRandom(seed, stream = 0) {
  let state = fmix32((seed >>> 0) ^ fmix32((stream >>> 0) ^ 0x9e3779b9));
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * `n` class indices drawn from `probs` by inverse transform: the first class whose cumulative
 * share (running sum divided by the total, as numpy's `choice`) exceeds a uniform number.
 * A class of probability 0 is never drawn.
 *
 * @param {number[]} probs non-negative weights with a positive sum
 * @param {number} n how many draws
 * @param {number} seed @param {number} [stream=0] see {@link createRandom}
 * @returns {number[]}
 */
export function draw(probs, n, seed, stream = 0) {
  const running = cumulativeSum(probs);
  const total = running[running.length - 1];
  const cdf = running.map((v) => v / total);
  const random = createRandom(seed, stream);
  const out = [];
  for (let k = 0; k < n; k++) {
    const u = random();
    let i = 0;
    while (i < cdf.length - 1 && !(u < cdf[i])) i++;
    out.push(i);
  }
  return out;
}

/**
 * The first `n` numbers of {@link createRandom}`(seed, stream)`: what the Python twin is checked against.
 * @returns {number[]}
 */
export function uniforms(seed, stream, n) {
  const random = createRandom(seed, stream);
  return Array.from({ length: n }, random);
}

/**
 * `n` draws from the filtered distribution of {@link filterDistribution}: the Sampling tab's
 * histogram and the Generate tab's next character.
 * @param {number[]} logits @param {object} options as for filterDistribution
 * @param {number} n @param {number} seed @param {number} [stream=0]
 * @returns {number[]}
 */
export function drawFiltered(logits, options, n, seed, stream = 0) {
  return draw(filterDistribution(logits, options).after, n, seed, stream);
}

/** Share of `draws` on each of `nClasses` classes. @returns {number[]} */
export function frequencies(draws, nClasses) {
  const counts = new Array(nClasses).fill(0);
  for (const i of draws) counts[i] += 1;
  return counts.map((c) => c / draws.length);
}

/**
 * Standard normal numbers by Box–Muller from {@link createRandom}: one number per two uniforms,
 * `sqrt(-2 ln(1 − u1)) · cos(2π u2)` (1 − u1 lies in (0, 1], so the log is finite).
 * @param {() => number} random @returns {number}
 */
export function normal(random) {
  const u1 = random();
  const u2 = random();
  return Math.sqrt(-2 * Math.log(1 - u1)) * Math.cos(2 * Math.PI * u2);
}

/**
 * New logits for the "randomise" button: N(0, 2²), rounded to one decimal (−0 becomes 0).
 * @param {number} n @param {number} seed @returns {number[]}
 */
export function randomLogits(n, seed) {
  const random = createRandom(seed);
  return Array.from({ length: n }, () => Math.round(2 * normal(random) * 10) / 10 + 0);
}

// ------------------------------------------------------------------------------------ losses

/**
 * Cross-entropy of a true class under softmax(logits), with label smoothing, as
 * `numerics.cross_entropy`: the target is `(1 − ε)·one_hot + ε / C`, the loss `−Σ y log p`
 * with `log p = (z − max) − log Σ exp(z − max)` (no log of an underflowed 0), and the gradient
 * with respect to the logits is `p − y`.
 *
 * @param {number[]} logits @param {number} trueClass @param {number} [smoothing=0] ε in [0, 1]
 * @returns {{probs: number[], target: number[], loss: number, gradient: number[]}}
 */
export function crossEntropy(logits, trueClass, smoothing = 0) {
  const n = logits.length;
  const probs = softmax(logits);
  const target = logits.map((_, i) => (1 - smoothing) * (i === trueClass ? 1 : 0) + smoothing / n);
  const max = Math.max(...logits);
  const shifted = logits.map((v) => v - max);
  const logTotal = Math.log(pairwiseSum(shifted.map(Math.exp)));
  const terms = shifted.map((v, i) => (target[i] > 0 ? target[i] * (v - logTotal) : 0));
  return { probs, target, loss: -pairwiseSum(terms), gradient: probs.map((v, i) => v - target[i]) };
}

// ------------------------------------------------------------------------------------ attention

/**
 * The Attention tab's example: a query and a key of length `d` per token, entries N(0, 1) from
 * {@link normal} with `seed` (all queries row by row, then all keys), so a dot product has
 * variance `d` and the 1/√d scale visibly matters.
 * @param {number} nTokens @param {number} d @param {number} seed
 * @returns {{queries: number[][], keys: number[][]}}
 */
export function queriesAndKeys(nTokens, d, seed) {
  const random = createRandom(seed);
  const matrix = () => Array.from({ length: nTokens }, () => Array.from({ length: d }, () => normal(random)));
  const queries = matrix();
  return { queries, keys: matrix() };
}

/**
 * Scaled dot-product attention weights: `softmax(Q Kᵀ / √d)` row by row, with the `1/√d`
 * optional and a causal mask (query i sees keys j ≤ i; masked scores are −∞, weight 0).
 *
 * @param {number[][]} queries @param {number[][]} keys
 * @param {{scale?: boolean, causal?: boolean}} [options]
 * @returns {{scores: number[][], weights: number[][], mask: boolean[][], entropyBits: number[]}}
 */
export function attention(queries, keys, { scale = true, causal = false } = {}) {
  const d = queries.length ? queries[0].length : 0;
  const root = Math.sqrt(d);
  const mask = queries.map((_, i) => keys.map((_, j) => !causal || j <= i));
  const scores = queries.map((q, i) =>
    keys.map((k, j) => {
      if (!mask[i][j]) return -Infinity;
      let dot = 0;
      for (let c = 0; c < d; c++) dot += q[c] * k[c];
      return scale ? dot / root : dot;
    }),
  );
  const weights = scores.map((row) => softmax(row));
  return { scores, weights, mask, entropyBits: weights.map((row) => entropy(row) / Math.log(2)) };
}

export * from "./parsing.js";
