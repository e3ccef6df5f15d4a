// Tab 1, Temperature & logits: softmax(z / T) with the stable toggle, entropy, perplexity,
// max probability and arg-max, predict-then-reveal, reset and randomise. anywidget interface:
// the model holds `logits` (2 to 8 numbers), `temperature` and `stable`.
import { MIN_CLASSES, MAX_CLASSES, softmax, softmaxOverflows, summarise, parseLogits, formatLogits, formatNumber, randomLogits } from "./core.js";
import { createFigure, barChart, shortNumber } from "./svg.js";
import { slider, textBox, checkbox, button, readout, setLines, tabLayout, commit, watch, element, tidyNumber, temperatureControls } from "./controls.js";


/** The largest |logit| a logit slider reaches: 10, or the largest logit rounded up to a ten. */
export function sliderLimit(logits) {
  const biggest = Math.max(...logits.map(Math.abs));
  return Math.max(10, Math.ceil(biggest / 10) * 10);
}

export function classNames(n) {
  return Array.from({ length: n }, (_, i) => String(i));
}

/**
 * Overflow of the slide's formula: Σ exp(z / T) is infinite (one exp already is, as for 1000,
 * 2000, 3000; or each is finite and only their sum is not, as for 709, 709, 709).
 */
export function overflowed(logits, temperature, stable) {
  return !stable && softmaxOverflows(logits, temperature);
}

/**
 * The logits editor shared by tabs 1 to 3: the "logits" box, one slider per logit ("logit 0" …)
 * and the "classes" slider. `set(logits)` is called with a new array (never mutated in place).
 */
export function logitsEditor(model, { onLogits } = {}) {
  const get = () => model.get("logits");
  const setLogits = (values, final) => {
    model.set("logits", values);
    if (final) model.save_changes();
    if (onLogits) onLogits(values);
  };
  const box = textBox({
    label: "logits",
    value: formatLogits(get()),
    parse: parseLogits,
    onValue: (values) => setLogits(values, true),
    size: 22,
    className: "logits-text",
  });
  const limit = () => sliderLimit(get());
  const sliders = Array.from({ length: MAX_CLASSES }, (_, i) =>
    slider({
      label: `logit ${i}`,
      min: -limit(),
      max: limit(),
      step: 0.1,
      value: get()[i] ?? 0,
      valueText: (v) => formatNumber(v),
      className: `logit-slider logit-slider-${i}`,
      onInput: (v) => {
        const values = get().slice();
        values[i] = Math.round(v * 10) / 10;
        setLogits(values, false);
      },
      onCommit: () => model.save_changes(),
    }),
  );
  const classes = slider({
    label: "classes",
    min: MIN_CLASSES,
    max: MAX_CLASSES,
    step: 1,
    value: get().length,
    className: "classes-slider",
    onInput: (n) => {
      const values = get().concat(Array(MAX_CLASSES).fill(0)).slice(0, n);
      setLogits(values, false);
    },
    onCommit: () => model.save_changes(),
  });
  const root = element("div", "logits-editor");
  const sliderBox = element("div", "logit-sliders");
  sliderBox.append(...sliders.map((s) => s.root));
  root.append(box.root, classes.root, sliderBox);
  const sync = () => {
    const values = get();
    const lim = limit();
    sliders.forEach((s, i) => {
      s.show(i < values.length);
      if (i < values.length) s.set(values[i], { min: -lim, max: lim });
    });
    classes.set(values.length);
    box.set(formatLogits(values));
  };
  sync();
  return { root, box, sliders, classes, sync };
}

function render({ model, el }) {
  const initial = { logits: model.get("logits").slice(), temperature: model.get("temperature"), stable: model.get("stable") };
  let predicting = false;
  let revealed = true;
  const editor = logitsEditor(model, {
    onLogits: () => {
      if (predicting) revealed = false;
    },
  });
  const temperature = temperatureControls(model, {
    beforeChange: () => {
      if (predicting) revealed = false;
    },
  });
  const stable = checkbox({
    label: "stable: subtract the max first",
    checked: model.get("stable"),
    className: "stable-toggle",
    onChange: (value) => commit(model, { stable: value }),
  });
  const predict = checkbox({
    label: "predict, then reveal",
    checked: false,
    className: "predict-toggle",
    onChange: (value) => {
      predicting = value;
      revealed = !value;
      redraw();
    },
  });
  const reveal = button({
    label: "reveal",
    className: "reveal-button",
    onClick: () => {
      revealed = true;
      redraw();
    },
  });
  const reset = button({
    label: "reset",
    className: "reset-button",
    onClick: () => {
      editor.box.reset(formatLogits(initial.logits));
      temperature.reset(initial.temperature);
      commit(model, { logits: initial.logits.slice(), temperature: initial.temperature, stable: initial.stable });
    },
  });
  let draws = 0;
  const randomise = button({
    label: "randomise",
    className: "randomise-button",
    onClick: () => {
      // New logits from N(0, 2²), rounded to 0.1, from the documented seeded generator.
      draws += 1;
      const n = model.get("logits").length;
      const values = randomLogits(n, draws);
      editor.box.reset(formatLogits(values));
      commit(model, { logits: values });
    },
  });
  const figure = createFigure("probability-plot");
  const probabilities = readout("probabilities-readout");
  const stats = readout("stats-readout");
  const help = (text) => element("p", "control-help", text);
  const buttons = element("div", "explorer-row");
  buttons.append(predict.root, reset, randomise, reveal);
  tabLayout(
    el,
    "temperature-tab",
    [
      ...temperature.roots,
      help("low T sharpens towards the arg-max, high T flattens"),
      editor.root,
      stable.root,
      help("untick for the slide's exp(z) / Σ exp(z): try 1000, 2000, 3000"),
      buttons,
    ],
    [figure.root, probabilities, stats],
  );

  function redraw() {
    const logits = model.get("logits");
    const t = model.get("temperature");
    const isStable = model.get("stable");
    editor.sync();
    temperature.show(t);
    stable.set(isStable);
    reveal.hidden = !predicting;
    const p = softmax(logits, t, { stable: isStable });
    const over = overflowed(logits, t, isStable);
    const finite = p.every(Number.isFinite) && !over;
    const summary = finite ? summarise(p) : null;
    const banner = over ? "overflow: Σ exp(z / T) = inf" : finite ? "" : "0 / 0 → nan";
    const hidden = !revealed;
    const tText = tidyNumber(t);
    const pText = p.map((v) => shortNumber(v)).join(", ");
    const description = hidden
      ? `Bar chart of ${logits.length} class probabilities, hidden until you reveal them (logits ${formatLogits(logits)}, T = ${tText}).`
      : `Bar chart: softmax of logits ${formatLogits(logits)} at T = ${tText} gives probabilities ${pText}` +
        (finite ? `; class ${summary.argmax} is the arg-max (highlighted).` : `; ${banner}.`);
    figure.update(
      (svg) =>
        barChart(svg, figure.width, figure.height, {
          series: [{ values: p, cssClass: "series-0", label: "p" }],
          labels: classNames(logits.length),
          title: `softmax(z / T), T = ${tText}${isStable ? "" : " (no max-subtraction)"}`,
          yLabel: "probability",
          highlight: finite ? summary.argmax : -1,
          hidden,
          banner: hidden ? "" : banner,
        }),
      description,
    );
    if (hidden) {
      setLines(probabilities, ["Guess the probabilities, then press reveal."]);
      setLines(stats, []);
      return;
    }
    setLines(probabilities, [`p = [${pText}]`]);
    if (!finite) {
      const why = over
        ? "!overflow: Σ exp(z / T) passed 1.8e308 (e^709.8), so p = exp / inf is 0 or nan and does not sum to 1; subtracting the max first prevents it."
        : "!0 / 0 → nan: every exp(z / T) underflowed to 0; subtracting the max first prevents it.";
      setLines(stats, ["entropy, perplexity and arg-max: undefined (p is not a distribution)", why]);
      return;
    }
    const lines = [
      `entropy H = ${shortNumber(summary.entropyNats)} nats = ${shortNumber(summary.entropyBits)} bits (max ${Math.log(logits.length).toFixed(3)} nats)`,
      `perplexity e^H = ${shortNumber(summary.perplexity)} of ${logits.length} classes`,
      `max probability ${shortNumber(summary.maxProb)} → arg-max: class ${summary.argmax}`,
    ];
    setLines(stats, lines);
  }
  const stop = watch(model, ["logits", "temperature", "stable"], redraw);
  redraw();
  return stop;
}

export default { render };
