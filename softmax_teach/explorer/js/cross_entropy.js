// Tab 3, Cross-entropy: the true class, label smoothing, the loss and its gradient p − y.
// Model keys: logits, true_class, label_smoothing.
import { MAX_CLASSES, crossEntropy, summarise } from "./core.js";
import { createFigure, barChart, shortNumber } from "./svg.js";
import { slider, radioGroup, readout, setLines, tabLayout, commit, watch } from "./controls.js";
import { logitsEditor, classNames } from "./temperature.js";

function render({ model, el }) {
  const editor = logitsEditor(model, {
    onLogits: (values) => {
      if (model.get("true_class") >= values.length) model.set("true_class", values.length - 1);
    },
  });
  const trueClass = radioGroup({
    legend: "true class",
    labels: classNames(MAX_CLASSES),
    hiddenPrefix: "true class ",
    selected: model.get("true_class"),
    className: "true-class",
    onChange: (i) => commit(model, { true_class: i }),
  });
  const smoothing = slider({
    label: "label smoothing",
    min: 0,
    max: 1,
    step: 0.01,
    value: model.get("label_smoothing"),
    valueText: (v) => `ε = ${v.toFixed(2)}`,
    className: "smoothing-slider",
    onInput: (v) => model.set("label_smoothing", v),
    onCommit: () => model.save_changes(),
  });
  const probabilityFigure = createFigure("cross-entropy-plot");
  const gradientFigure = createFigure("gradient-plot", { width: 480, height: 220 });
  const stats = readout("loss-readout");
  tabLayout(el, "cross-entropy-tab", [editor.root, trueClass.root, smoothing.root], [probabilityFigure.root, gradientFigure.root, stats]);

  function redraw() {
    const logits = model.get("logits");
    const y = model.get("true_class");
    const eps = model.get("label_smoothing");
    editor.sync();
    trueClass.set(y, logits.length);
    smoothing.set(eps);
    const result = crossEntropy(logits, y, eps);
    const labels = classNames(logits.length);
    const list = (values) => values.map((v) => shortNumber(v)).join(", ");
    probabilityFigure.update(
      (svg) =>
        barChart(svg, probabilityFigure.width, probabilityFigure.height, {
          series: [
            { values: result.probs, cssClass: "series-0", label: "p = softmax(z)" },
            { values: result.target, cssClass: "series-1", label: "target y" },
          ],
          labels,
          title: `true class ${y}, label smoothing ${eps.toFixed(2)}: loss ${shortNumber(result.loss, 4)} nats`,
          yLabel: "probability",
        }),
      `Bar chart: softmax of logits gives p = ${list(result.probs)}; the target y = ${list(result.target)} (true class ${y}, smoothing ${eps.toFixed(2)}); cross-entropy loss ${shortNumber(result.loss, 4)} nats.`,
    );
    const biggest = Math.max(0.05, ...result.gradient.map(Math.abs));
    const limit = biggest > 0.5 ? 1 : biggest > 0.25 ? 0.5 : 0.25;
    gradientFigure.update(
      (svg) =>
        barChart(svg, gradientFigure.width, gradientFigure.height, {
          series: [{ values: result.gradient, cssClass: "series-2", label: "p − y" }],
          labels,
          title: "gradient of the loss: d loss / d z = p − y",
          yMin: -limit,
          yMax: limit,
          ticks: [-limit, 0, limit],
          yLabel: "p − y",
        }),
      `Bar chart of the gradient p − y: ${list(result.gradient)} (negative: gradient descent raises that logit).`,
    );
    setLines(stats, [
      `loss = −Σ y log p = ${shortNumber(result.loss, 4)} nats`,
      `lowest reachable loss with this target (its entropy): ${shortNumber(summarise(result.target).entropyNats, 4)} nats`,
      `p(true class) = ${shortNumber(result.probs[y], 4)}`,
    ]);
  }
  const stop = watch(model, ["logits", "true_class", "label_smoothing"], redraw);
  redraw();
  return stop;
}

export default { render };
