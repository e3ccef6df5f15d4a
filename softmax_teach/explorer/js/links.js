// Links to a view of the Explorer: "?tab=sampling&logits=3,2.5,2,1&T=0.7&top_p=0.9". Each tab's
// keys are read with the same parsers (and messages) as its text boxes; a bad value is reported
// and the rest of the link is still used. Used by app.js with the tabs' models.
import { parseLogits, parseTemperature, parseSeed, parseFlag, parseWhole, parseFraction, formatLogits, formatNumber, formatQuery } from "./core.js";
import { D_CHOICES } from "./attention.js";
import { MAX_TOP_K } from "./generate.js";
import { MAX_DRAWS } from "./sampling.js";

export const TABS = [
  { name: "temperature", title: "Temperature & logits", trait: "temperature_tab" },
  { name: "sampling", title: "Sampling", trait: "sampling_tab" },
  { name: "cross-entropy", title: "Cross-entropy", trait: "cross_entropy_tab" },
  { name: "attention", title: "Attention", trait: "attention_tab" },
  { name: "generate", title: "Generate", trait: "generate_tab" },
];

const exact = formatNumber;
const flag = (value) => (value ? "1" : "0");

// key in the link, model key, parse(text, model) -> {value}|{error}, format(value) -> text.
const logitsKey = ["logits", "logits", (text) => parseLogits(text), (v) => formatLogits(v, ",")];
const temperatureKey = ["T", "temperature", (text) => parseTemperature(text), exact];
const seedKey = ["seed", "seed", (text) => parseSeed(text), String];
const filterKeys = [
  ["top_k", "top_k", (text, model) => parseWhole("top_k", text, 0, model.get("logits") ? model.get("logits").length : 1_000_000), String],
  ["top_p", "top_p", (text) => parseFraction("top_p", text, 0.01, 1), exact],
  ["min_p", "min_p", (text) => parseFraction("min_p", text, 0, 1), exact],
];

export const KEYS = {
  temperature: [logitsKey, temperatureKey, ["stable", "stable", (text) => parseFlag("stable", text), flag]],
  sampling: [logitsKey, temperatureKey, ...filterKeys, ["draws", "draws", (text) => parseWhole("draws", text, 10, MAX_DRAWS), String], seedKey],
  "cross-entropy": [
    logitsKey,
    ["true", "true_class", (text, model) => parseWhole("true (the true class)", text, 0, model.get("logits").length - 1), String],
    ["smoothing", "label_smoothing", (text) => parseFraction("smoothing", text, 0, 1), exact],
  ],
  attention: [
    [
      "d",
      "d",
      (text) => {
        const result = parseWhole("d", text, 1, 512);
        if (result.error !== undefined || D_CHOICES.includes(result.value)) return result;
        return { error: `d must be one of ${D_CHOICES.join(", ")}, got '${text}'` };
      },
      String,
    ],
    ["scaled", "scaled", (text) => parseFlag("scaled", text), flag],
    ["causal", "causal", (text) => parseFlag("causal", text), flag],
    seedKey,
  ],
  generate: [
    ["text", "text", (text) => (text ? { value: text } : { error: "type at least one character" }), String],
    temperatureKey,
    ["top_k", "top_k", (text) => parseWhole("top_k", text, 0, MAX_TOP_K), String],
    filterKeys[1],
    filterKeys[2],
    seedKey,
  ],
};

/** The tab a link names ("sampling" or "2"), or an error. */
export function parseTab(text) {
  const name = String(text).trim().toLowerCase();
  const index = TABS.findIndex((tab) => tab.name === name);
  if (index >= 0) return { value: index };
  if (/^[0-9]+$/.test(name) && Number(name) >= 1 && Number(name) <= TABS.length) return { value: Number(name) - 1 };
  return { error: `tab must be one of ${TABS.map((t) => t.name).join(", ")}, got '${String(text).slice(0, 20)}'` };
}

/**
 * Use a link's values on a tab's model (set, not saved); returns [[key, message]] of the values
 * that could not be used. Logits come first, so top_k and true are checked against the new count.
 */
export function applyQuery(tabName, model, params, validate = null) {
  const errors = [];
  for (const [key, modelKey, parse] of KEYS[tabName]) {
    if (!(key in params)) continue;
    const result = parse(params[key], model);
    if (result.error !== undefined) {
      errors.push([key, result.error]);
      continue;
    }
    const problem = validate ? validate(modelKey, result.value) : null;
    if (problem) {
      errors.push([key, problem]);
      continue;
    }
    model.set(modelKey, result.value);
    if (key === "logits") {
      const n = result.value.length;
      if (model.get("top_k") > n) model.set("top_k", 0);
      if (model.get("true_class") >= n) model.set("true_class", n - 1);
    }
  }
  return errors;
}

const same = (a, b) => JSON.stringify(a) === JSON.stringify(b);

/** The tab's values as link items: logits always, the rest where they differ from `initial`. */
export function queryItems(tabName, model, initial) {
  const items = [];
  for (const [key, modelKey, , format] of KEYS[tabName]) {
    const value = model.get(modelKey);
    if (key === "logits" || !same(value, initial[modelKey])) items.push([key, format(value)]);
  }
  return items;
}

export { formatQuery };
