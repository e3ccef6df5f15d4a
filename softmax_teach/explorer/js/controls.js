// Native, labelled controls for the Explorer's tabs: every control is an <input>, <select> or
// <button> with a <label> (so it has an accessible name and works from the keyboard), and every
// text box has its message element next to it (aria-describedby), where bad text is explained.

import { formatNumber, parseSeed, parseTemperature, roundTemperature } from "./core.js";
import { shortNumber } from "./svg.js";

let controlCount = 0;

/**
 * A number as a box shows it, without float steps' last-digit noise: a linked FloatSlider's
 * 0.5 + 5 × 0.1 is 1.0000000000000002, shown as 1 (12 significant digits are kept).
 */
export function tidyNumber(value) {
  return formatNumber(Number(Number(value).toPrecision(12)));
}

function nextId(stem) {
  controlCount += 1;
  return `explorer-${stem.replace(/[^a-z0-9]+/gi, "-")}-${controlCount}`;
}

function element(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined && text !== null) node.textContent = text;
  return node;
}

export { element };

/** Set model keys and send them once (anywidget's set + save_changes). */
export function commit(model, changes) {
  for (const [key, value] of Object.entries(changes)) model.set(key, value);
  model.save_changes();
}

/** Call `redraw` whenever one of `keys` changes; returns a function that stops listening. */
export function watch(model, keys, redraw) {
  const handler = () => redraw();
  for (const key of keys) model.on(`change:${key}`, handler);
  return () => {
    for (const key of keys) model.off(`change:${key}`, handler);
  };
}

/**
 * Where a key moves a range input, as the browser's own range: arrows by one step, Page Up/Down
 * by a tenth of the range, Home/End to the ends; null for any other key.
 */
export function keyedValue(input, key) {
  const step = Number(input.step);
  const min = Number(input.min);
  const max = Number(input.max);
  const page = Math.max(step, Math.round((max - min) / 10 / step) * step);
  const moves = { ArrowRight: step, ArrowUp: step, ArrowLeft: -step, ArrowDown: -step, PageUp: page, PageDown: -page };
  let value;
  if (key in moves) value = Number(input.value) + moves[key];
  else if (key === "Home") value = min;
  else if (key === "End") value = max;
  else return null;
  const decimals = (String(input.step).split(".")[1] || "").length;
  const snapped = min + Math.round((value - min) / step) * step;
  return Number(Math.min(max, Math.max(min, snapped)).toFixed(decimals));
}

/**
 * A range slider with a visible label and a readout. `onInput(value)` runs on every move
 * (keyboard or drag), `onCommit(value)` when the move ends (the `change` event).
 */
export function slider({ label, min, max, step, value, valueText = String, onInput, onCommit, className = "" }) {
  const id = nextId(label);
  const root = element("div", `explorer-control explorer-slider ${className}`);
  const labelNode = element("label", "control-label", label);
  labelNode.htmlFor = id;
  const input = element("input");
  input.type = "range";
  input.id = id;
  Object.assign(input, { min: String(min), max: String(max), step: String(step) });
  input.value = String(value);
  const readout = element("output", "control-readout");
  readout.htmlFor = id;
  const show = () => {
    const text = valueText(Number(input.value));
    readout.textContent = text;
    input.setAttribute("aria-valuetext", text);
  };
  input.addEventListener("input", () => {
    show();
    if (onInput) onInput(Number(input.value));
  });
  input.addEventListener("change", () => {
    if (onCommit) onCommit(Number(input.value));
  });
  // The keys move the slider here rather than by the browser's default action, which a host may
  // cancel (JupyterLab's output area stops arrow keys on their way up): the same in every host.
  input.addEventListener("keydown", (event) => {
    const value = keyedValue(input, event.key);
    if (value === null) return;
    event.preventDefault();
    event.stopPropagation();
    if (value === Number(input.value)) return;
    input.value = String(value);
    input.dispatchEvent(new Event("input", { bubbles: true }));
    input.dispatchEvent(new Event("change", { bubbles: true }));
  });
  show();
  root.append(labelNode, input, readout);
  return {
    root,
    input,
    set(newValue, range = {}) {
      if (range.min !== undefined) input.min = String(range.min);
      if (range.max !== undefined) input.max = String(range.max);
      if (range.step !== undefined) input.step = String(range.step);
      if (document.activeElement !== input || Number(input.value) !== Number(newValue)) input.value = String(newValue);
      show();
    },
    show(visible) {
      root.hidden = !visible;
    },
  };
}

/**
 * A text box: `parse(text)` returns {value} or {error}; a value goes to `onValue`, an error is
 * shown next to the box (role="alert" is avoided: the message is polite, linked by
 * aria-describedby, and the box gets aria-invalid) and nothing else changes.
 */
export function textBox({ label, value = "", parse, onValue, size = 18, className = "", rows = 0 }) {
  const id = nextId(label);
  const root = element("div", `explorer-control explorer-text ${className}`);
  const labelNode = element("label", "control-label", label);
  labelNode.htmlFor = id;
  // rows > 0: a <textarea> (Enter reads it, Shift+Enter starts a new line).
  const input = element(rows ? "textarea" : "input");
  if (rows) {
    input.rows = rows;
    input.cols = size;
  } else {
    input.type = "text";
    input.size = size;
  }
  input.id = id;
  input.spellcheck = false;
  input.autocomplete = "off";
  input.value = value;
  const message = element("span", "control-message");
  message.id = `${id}-message`;
  message.setAttribute("aria-live", "polite");
  input.setAttribute("aria-describedby", message.id);
  const showError = (text) => {
    message.textContent = text || "";
    if (text) input.setAttribute("aria-invalid", "true");
    else input.removeAttribute("aria-invalid");
  };
  const enter = () => {
    const result = parse(input.value);
    if (result.error !== undefined) {
      showError(result.error);
      return;
    }
    showError("");
    onValue(result.value);
  };
  input.addEventListener("change", enter);
  input.addEventListener("keydown", (event) => {
    if (event.key === "Enter" && !event.shiftKey) {
      if (rows) event.preventDefault();
      enter();
    }
  });
  root.append(labelNode, input, message);
  let shown = value;
  return {
    root,
    input,
    message,
    showError,
    set(text) {
      // Never overwrite what the learner is typing, nor refused text while its value has not
      // changed (the message next to it explains the refusal); a new value replaces both.
      const unchanged = text === shown;
      shown = text;
      if (document.activeElement === input) return;
      if (input.getAttribute("aria-invalid") === "true" && unchanged) return;
      showError("");
      input.value = text;
    },
    reset(text) {
      showError("");
      input.value = shown = text;
    },
  };
}

export function checkbox({ label, checked, onChange, className = "" }) {
  const id = nextId(label);
  const root = element("div", `explorer-control explorer-checkbox ${className}`);
  const input = element("input");
  input.type = "checkbox";
  input.id = id;
  input.checked = Boolean(checked);
  const labelNode = element("label", "control-label", label);
  labelNode.htmlFor = id;
  input.addEventListener("change", () => onChange(input.checked));
  root.append(input, labelNode);
  return {
    root,
    input,
    set(value) {
      input.checked = Boolean(value);
    },
  };
}

export function button({ label, onClick, className = "" }) {
  const node = element("button", `explorer-button ${className}`, label);
  node.type = "button";
  node.addEventListener("click", onClick);
  return node;
}

/** A group of radio buttons (one per option), e.g. the true class; `labels[i]` is each name. */
export function radioGroup({ legend, labels, selected, onChange, className = "", hiddenPrefix = "" }) {
  const root = element("fieldset", `explorer-control explorer-radios ${className}`);
  root.append(element("legend", "control-label", legend));
  const name = nextId(legend);
  const inputs = [];
  const items = [];
  labels.forEach((text, i) => {
    const id = nextId(`${legend}-${i}`);
    const item = element("span", "radio-item");
    const input = element("input");
    input.type = "radio";
    input.name = name;
    input.id = id;
    input.value = String(i);
    input.checked = i === selected;
    input.addEventListener("change", () => {
      if (input.checked) onChange(i);
    });
    const labelNode = element("label", null);
    if (hiddenPrefix) labelNode.append(element("span", "visually-hidden", hiddenPrefix));
    labelNode.append(text);
    labelNode.htmlFor = id;
    item.append(input, labelNode);
    inputs.push(input);
    items.push(item);
    root.append(item);
  });
  return {
    root,
    inputs,
    set(index, count) {
      inputs.forEach((input, i) => {
        input.checked = i === index;
        items[i].hidden = count !== undefined && i >= count;
      });
    },
  };
}

export function readout(className) {
  return element("div", `explorer-readout ${className}`);
}

/** Show lines of plain text (never HTML) in a readout. */
export function setLines(node, lines) {
  const text = lines.join("\n");
  if (node.dataset.text === text) return;
  node.dataset.text = text;
  node.replaceChildren(...lines.map((line) => element("div", line.startsWith("!") ? "explorer-error" : null, line.replace(/^!/, ""))));
}

/** The page of one tab: two columns (controls | figure and readouts) that stack when narrow. */
export function tabLayout(el, cssClass, controls, results) {
  const page = element("div", `softmax-explorer-tab ${cssClass}`);
  // JupyterLab's notebook shortcuts would otherwise take the arrow keys from the sliders (Lumino
  // leaves keys inside an element with this attribute to it).
  page.dataset.lmSuppressShortcuts = "true";
  const left = element("div", "explorer-controls");
  const right = element("div", "explorer-results");
  left.append(...controls);
  right.append(...results);
  page.append(left, right);
  el.replaceChildren(page);
  return page;
}

/**
 * The temperature pair every tab with a T shares: a log-scale slider from 0.01 to 100 (a drag from
 * 0.5 to 2 must not take most of its length) and a box that takes any T the parser accepts.
 * `beforeChange` runs before each change the learner makes (the predict-then-reveal tab hides its
 * answer then). `show(t)` puts both on the model's T; `reset(t)` also clears the box's message.
 */
export function temperatureControls(model, { beforeChange = () => {} } = {}) {
  const toSlider = (t) => Math.round(Math.log10(t) * 100) / 100;
  const range = slider({
    label: "temperature T",
    min: -2,
    max: 2,
    step: 0.01,
    value: toSlider(model.get("temperature")),
    valueText: (v) => `T = ${shortNumber(roundTemperature(v), 3)}`,
    className: "temperature-slider",
    onInput: (v) => {
      beforeChange();
      model.set("temperature", roundTemperature(v));
    },
    onCommit: () => model.save_changes(),
  });
  const box = textBox({
    label: "T",
    value: tidyNumber(model.get("temperature")),
    parse: parseTemperature,
    onValue: (t) => {
      beforeChange();
      commit(model, { temperature: t });
    },
    size: 6,
    className: "temperature-text",
  });
  return {
    roots: [range.root, box.root],
    show(t) {
      range.set(toSlider(t));
      box.set(tidyNumber(t));
    },
    reset(t) {
      box.reset(tidyNumber(t));
    },
  };
}

/** The seed box of every tab that draws at random: a whole number the parser accepts, else its message. */
export function seedControl(model) {
  return textBox({
    label: "seed",
    value: String(model.get("seed")),
    parse: parseSeed,
    onValue: (seed) => commit(model, { seed }),
    size: 10,
    className: "seed-text",
  });
}
