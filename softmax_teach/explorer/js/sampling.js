// Tab 2, Sampling: temperature, top-k, top-p and min-p; the distribution before the filters (with
// its cumulative mass) and after them; seeded draws and their total variation from the exact
// distribution. Model keys: logits, labels, temperature, top_k (0 = off), top_p (1 = off),
// min_p (0 = off), draws, seed.
import { MAX_SEED, filterDistribution, draw, totalVariation, parseLogits, formatLogits } from "./core.js";
import { createFigure, barChart, shortNumber } from "./svg.js";
import { slider, textBox, button, readout, setLines, tabLayout, commit, watch, element, tidyNumber, temperatureControls, seedControl } from "./controls.js";

export const MAX_DRAWS = 2000;

export function tokenLabels(labels, n) {
  return Array.from({ length: n }, (_, i) => (labels && labels[i] !== undefined ? String(labels[i]) : String(i)));
}

function render({ model, el }) {
  const logitsBox = textBox({
    label: "logits",
    value: formatLogits(model.get("logits")),
    parse: parseLogits,
    onValue: (values) => {
      const changes = { logits: values };
      if (model.get("top_k") > values.length) changes.top_k = 0;
      commit(model, changes);
    },
    size: 22,
    className: "logits-text",
  });
  const temperature = temperatureControls(model);
  const live = (key) => ({ onInput: (v) => model.set(key, v), onCommit: () => model.save_changes() });
  const topK = slider({
    label: "top-k",
    min: 0,
    max: model.get("logits").length,
    step: 1,
    value: model.get("top_k"),
    valueText: (v) => (v === 0 ? "0 (off)" : String(v)),
    className: "top-k-slider",
    ...live("top_k"),
  });
  const topP = slider({
    label: "top-p",
    min: 0.01,
    max: 1,
    step: 0.01,
    value: model.get("top_p"),
    valueText: (v) => (v >= 1 ? "1 (off)" : v.toFixed(2)),
    className: "top-p-slider",
    ...live("top_p"),
  });
  const minP = slider({
    label: "min-p",
    min: 0,
    max: 1,
    step: 0.01,
    value: model.get("min_p"),
    valueText: (v) => (v <= 0 ? "0 (off)" : v.toFixed(2)),
    className: "min-p-slider",
    ...live("min_p"),
  });
  const drawsSlider = slider({
    label: "draws",
    min: 10,
    max: MAX_DRAWS,
    step: 10,
    value: model.get("draws"),
    className: "draws-slider",
    ...live("draws"),
  });
  const seedBox = seedControl(model);
  const again = button({
    label: "draw again",
    className: "draw-again-button",
    onClick: () => {
      const seed = model.get("seed");
      seedBox.reset(String(seed < MAX_SEED ? seed + 1 : 0));
      commit(model, { seed: seed < MAX_SEED ? seed + 1 : 0 });
    },
  });
  const seedRow = element("div", "explorer-row");
  seedRow.append(seedBox.root, again);
  const filtersFigure = createFigure("filter-plot");
  const drawsFigure = createFigure("draws-plot", { width: 480, height: 220 });
  const stats = readout("sampling-readout");
  tabLayout(
    el,
    "sampling-tab",
    [
      logitsBox.root,
      ...temperature.roots,
      topK.root,
      topP.root,
      minP.root,
      element("p", "control-help", "top-k keeps the k most probable tokens, top-p the smallest set holding mass p, min-p those with at least min-p × the top probability (0, 1 and 0 switch them off)"),
      drawsSlider.root,
      seedRow,
    ],
    [filtersFigure.root, drawsFigure.root, stats],
  );

  function redraw() {
    const logits = model.get("logits");
    const t = model.get("temperature");
    const k = model.get("top_k");
    const p = model.get("top_p");
    const m = model.get("min_p");
    const n = model.get("draws");
    const seed = model.get("seed");
    const labels = tokenLabels(model.get("labels"), logits.length);
    logitsBox.set(formatLogits(logits));
    temperature.show(t);
    topK.set(k, { max: logits.length });
    topP.set(p);
    minP.set(m);
    drawsSlider.set(n);
    seedBox.set(String(seed));
    const result = filterDistribution(logits, {
      temperature: t,
      topK: k > 0 ? k : null,
      topP: p < 1 ? p : null,
      minP: m > 0 ? m : null,
    });
    const drawn = draw(result.after, n, seed);
    const counts = new Array(logits.length).fill(0);
    for (const index of drawn) counts[index] += 1;
    const shares = counts.map((c) => c / n);
    const tv = totalVariation(shares, result.after);
    const list = (values) => values.map((v) => shortNumber(v)).join(", ");
    const cut = labels.filter((_, i) => !result.kept[i]);
    filtersFigure.update(
      (svg) =>
        barChart(svg, filtersFigure.width, filtersFigure.height, {
          series: [
            { values: result.before, cssClass: "series-1", label: "before the filters" },
            { values: result.after, cssClass: "series-0", label: "after (renormalised)" },
          ],
          labels,
          title: `softmax(z / T), T = ${tidyNumber(t)}: before and after the filters`,
          yLabel: "probability",
        }),
      `Bar chart of ${labels.length} tokens at T = ${tidyNumber(t)}: before the filters ${list(result.before)} ` +
        `(cumulative ${list(result.cumulative)}); after top-k ${k || "off"}, top-p ${p < 1 ? p : "off"}, min-p ${m > 0 ? m : "off"}: ${list(result.after)}` +
        (cut.length ? `; cut: ${cut.join(", ")}.` : "; nothing cut."),
    );
    drawsFigure.update(
      (svg) =>
        barChart(svg, drawsFigure.width, drawsFigure.height, {
          series: [
            { values: shares, cssClass: "series-2", label: `share of ${n} draws` },
            { values: result.after, cssClass: "series-0", label: "exact probability" },
          ],
          labels,
          title: `${n} draws with seed ${seed}`,
          yLabel: "share",
        }),
      `Bar chart of ${n} seeded draws (seed ${seed}): counts ${counts.join(", ")} for tokens ${labels.join(", ")}; total variation from the exact distribution ${tv.toFixed(3)}.`,
    );
    setLines(stats, [
      `kept ${result.kept.filter(Boolean).length} of ${labels.length} tokens${cut.length ? `; cut: ${cut.join(", ")}` : ""}`,
      `draws vs exact: total variation ${tv.toFixed(3)} (half the sum of |share − probability|)`,
    ]);
  }
  const stop = watch(model, ["logits", "labels", "temperature", "top_k", "top_p", "min_p", "draws", "seed"], redraw);
  redraw();
  return stop;
}

export default { render };
