// Tab 5, Generate: notebook 14's character GRU (charlm.js, from the shipped weights) reads a text
// and shows its most probable next characters as bars, with T, top-k, top-p and min-p; "next
// character" and "generate 40" draw seeded characters (a draw depends on the seed and the text's
// length), with the drawn character's probability and the perplexity of what was generated.
// Model keys: text, temperature, top_k (0 = off), top_p (1 = off), min_p (0 = off), seed.
import { filterDistribution } from "./core.js";
import { loadCharLM, generate, parseText } from "./charlm.js";
import { createFigure, barChart, shortNumber } from "./svg.js";
import { slider, textBox, button, readout, setLines, tabLayout, commit, watch, element, tidyNumber, temperatureControls, seedControl } from "./controls.js";

export const SHOWN = 8;
export const MAX_TOP_K = 40;
const VISIBLE = { " ": "␣ space", "\n": "⏎ newline" };

export function characterLabel(character) {
  return VISIBLE[character] ?? character;
}

async function render({ model, el }) {
  el.replaceChildren(element("p", "explorer-loading", "Loading the character model…"));
  const lm = await loadCharLM(model);
  const live = (key) => ({ onInput: (v) => model.set(key, v), onCommit: () => model.save_changes() });
  let generated = []; // log-probabilities of the characters drawn since the text was typed
  let last = null;
  const textArea = textBox({
    label: "text",
    value: model.get("text"),
    parse: (text) => parseText(text, lm.chars),
    onValue: (text) => {
      generated = [];
      last = null;
      commit(model, { text });
    },
    size: 40,
    rows: 4,
    className: "generate-text",
  });
  const temperature = temperatureControls(model);
  const topK = slider({ label: "top-k", min: 0, max: MAX_TOP_K, step: 1, value: model.get("top_k"), valueText: (v) => (v === 0 ? "0 (off)" : String(v)), ...live("top_k") });
  const topP = slider({ label: "top-p", min: 0.01, max: 1, step: 0.01, value: model.get("top_p"), valueText: (v) => (v >= 1 ? "1 (off)" : v.toFixed(2)), ...live("top_p") });
  const minP = slider({ label: "min-p", min: 0, max: 1, step: 0.01, value: model.get("min_p"), valueText: (v) => (v <= 0 ? "0 (off)" : v.toFixed(2)), ...live("min_p") });
  const seedBox = seedControl(model);
  const options = () => {
    const k = model.get("top_k");
    const p = model.get("top_p");
    const m = model.get("min_p");
    return { temperature: model.get("temperature"), topK: k > 0 ? k : null, topP: p < 1 ? p : null, minP: m > 0 ? m : null };
  };
  let cache = { text: null, logits: null };
  const logitsFor = (text) => {
    if (cache.text !== text) cache = { text, logits: lm.nextLogits(text) };
    return cache.logits;
  };
  function drawCharacters(n) {
    // Each draw uses the seed and stream = the text's length: the same seed and text, the same characters.
    const result = generate(lm, model.get("text"), n, options(), model.get("seed"));
    generated.push(...result.probabilities.map(Math.log));
    last = [result.drawn.at(-1), result.probabilities.at(-1)];
    textArea.reset(result.text);
    commit(model, { text: result.text });
  }
  const next = button({ label: "next character", className: "next-character", onClick: () => drawCharacters(1) });
  const more = button({ label: "generate 40", className: "generate-40", onClick: () => drawCharacters(40) });
  const row = element("div", "explorer-row");
  row.append(next, more);
  const plot = createFigure("generate-plot");
  const stats = readout("generate-readout");
  tabLayout(
    el,
    "generate-tab",
    [textArea.root, element("p", "control-help", "lowercase letters, space, newline (Shift+Enter) and , - . :; Enter reads the text"), ...temperature.roots, topK.root, topP.root, minP.root, seedBox.root, row],
    [plot.root, stats],
  );

  function redraw() {
    const text = model.get("text");
    const t = model.get("temperature");
    textArea.set(text);
    temperature.show(t);
    topK.set(model.get("top_k"));
    topP.set(model.get("top_p"));
    minP.set(model.get("min_p"));
    seedBox.set(String(model.get("seed")));
    const result = filterDistribution(logitsFor(text), options());
    const order = result.order.slice(0, SHOWN);
    const labels = order.map((i) => characterLabel(lm.chars[i]));
    const shown = order.map((i) => result.after[i]);
    const before = order.map((i) => result.before[i]);
    const tail = JSON.stringify(text.slice(-20));
    plot.update(
      (svg) =>
        barChart(svg, plot.width, plot.height, {
          series: [
            { values: before, cssClass: "series-1", label: "before the filters" },
            { values: shown, cssClass: "series-0", label: "after (renormalised)" },
          ],
          labels,
          title: `next character after …${text.slice(-16).replace(/\n/g, "⏎")}`,
          yLabel: "probability",
        }),
      `Bar chart of the ${SHOWN} most probable next characters after ${tail} at T = ${tidyNumber(t)}: ` +
        labels.map((label, i) => `${label} ${shortNumber(shown[i])}`).join(", ") + ".",
    );
    const lines = [`${result.kept.filter(Boolean).length} of ${lm.chars.length} characters can be drawn`];
    if (last) lines.push(`last drawn: ${characterLabel(last[0])} with probability ${shortNumber(last[1])}`);
    if (generated.length) {
      const mean = generated.reduce((a, b) => a + b, 0) / generated.length;
      lines.push(`perplexity of the ${generated.length} generated characters: ${shortNumber(Math.exp(-mean))}`);
    }
    setLines(stats, lines);
  }
  const stop = watch(model, ["text", "temperature", "top_k", "top_p", "min_p", "seed"], redraw);
  redraw();
  return stop;
}

export default { render };
