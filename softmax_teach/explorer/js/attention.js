// Tab 4, Attention: a few tokens' queries and keys (seeded normal draws of dimension d), the
// 1/√d scale on or off, a causal mask, and the heatmap of softmax(Q Kᵀ) row by row.
// Model keys: tokens, d, scaled, causal, seed.
import { attention, queriesAndKeys } from "./core.js";
import { createFigure, heatmap, shortNumber } from "./svg.js";
import { checkbox, textBox, readout, setLines, tabLayout, commit, watch, element, seedControl } from "./controls.js";

export const D_CHOICES = [1, 2, 4, 8, 16, 32, 64, 128, 256, 512];


function render({ model, el }) {
  const dId = `explorer-attention-d-${Math.random().toString(36).slice(2, 8)}`;
  const dControl = element("div", "explorer-control explorer-select");
  const dLabel = element("label", "control-label", "dimension d");
  dLabel.htmlFor = dId;
  const dSelect = element("select", "d-select");
  dSelect.id = dId;
  for (const d of D_CHOICES) {
    const option = element("option", null, String(d));
    option.value = String(d);
    dSelect.append(option);
  }
  dSelect.addEventListener("change", () => commit(model, { d: Number(dSelect.value) }));
  dControl.append(dLabel, dSelect);
  const scaled = checkbox({
    label: "scale by 1/√d",
    checked: model.get("scaled"),
    className: "scale-toggle",
    onChange: (v) => commit(model, { scaled: v }),
  });
  const causal = checkbox({
    label: "causal mask",
    checked: model.get("causal"),
    className: "causal-toggle",
    onChange: (v) => commit(model, { causal: v }),
  });
  const seedBox = seedControl(model);
  const figure = createFigure("attention-plot", { width: 480, height: 400 });
  const stats = readout("attention-readout");
  tabLayout(
    el,
    "attention-tab",
    [
      dControl,
      scaled.root,
      causal.root,
      seedBox.root,
      element("p", "control-help", "Without the scale, Q·K grows like √d and softmax saturates: raise d with the box unticked."),
    ],
    [figure.root, stats],
  );

  function redraw() {
    const tokens = model.get("tokens");
    const d = model.get("d");
    const isScaled = model.get("scaled");
    const isCausal = model.get("causal");
    const seed = model.get("seed");
    dSelect.value = String(d);
    scaled.set(isScaled);
    causal.set(isCausal);
    seedBox.set(String(seed));
    const { queries, keys } = queriesAndKeys(tokens.length, d, seed);
    const { weights, mask, entropyBits: bits } = attention(queries, keys, { scale: isScaled, causal: isCausal });
    const shown = weights.map((row, i) => row.map((w, j) => (mask[i][j] ? w : NaN)));
    const rowText = weights.map((row, i) => `${tokens[i]}: ${row.map((w) => w.toFixed(2)).join(" ")}`).join("; ");
    figure.update(
      (svg) =>
        heatmap(svg, figure.width, figure.height, {
          matrix: shown,
          rowLabels: tokens.map((t, i) => `${i} ${t}`),
          columnLabels: tokens.map((t, i) => `${i} ${t}`),
          title: `softmax(Q Kᵀ${isScaled ? " / √d" : ""}), d = ${d}${isCausal ? ", causal" : ""}`,
        }),
      `Heatmap of attention weights, one row per query token (d = ${d}, ${isScaled ? "scaled by 1/√d" : "not scaled"}, ${isCausal ? "causal mask" : "no mask"}): ${rowText}.`,
    );
    setLines(stats, [
      `row entropy in bits (0: looks at one token): ${bits.map((b) => shortNumber(b, 2)).join(", ")}`,
      `largest weight ${shortNumber(Math.max(...weights.flat()), 3)}`,
    ]);
  }
  const stop = watch(model, ["tokens", "d", "scaled", "causal", "seed"], redraw);
  redraw();
  return stop;
}

export default { render };
