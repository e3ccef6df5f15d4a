// The Softmax Explorer app: five tabs in a keyboard-usable tab list (arrow keys, Home, End), each
// tab an anywidget of its own rendered through anywidget's host (`host.getWidget`). When the
// model's `read_location` is true (the dashboard page and the static page) it reads a link's
// "?tab=…&logits=…" from window.location.search and shows the link to the current view.
import { parseQuery } from "./core.js";
import { TABS, KEYS, applyQuery, queryItems, formatQuery, parseTab } from "./links.js";

let appCount = 0;

function element(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

async function render({ model, el, host }) {
  appCount += 1;
  const stem = `softmax-explorer-${appCount}`;
  const root = element("div", "softmax-explorer");
  root.dataset.lmSuppressShortcuts = "true"; // the arrow keys move between tabs, not notebook cells
  const tabList = element("div", "explorer-tablist");
  tabList.setAttribute("role", "tablist");
  tabList.setAttribute("aria-label", "Softmax Explorer");
  const linkBar = element("div", "explorer-linkbar");
  const status = element("div", "explorer-link-message");
  status.setAttribute("role", "status");
  root.append(tabList);
  const buttons = [];
  const panels = [];
  TABS.forEach((tab, i) => {
    const button = element("button", "explorer-tab", `${i + 1} · ${tab.title}`);
    button.type = "button";
    button.id = `${stem}-tab-${tab.name}`;
    button.setAttribute("role", "tab");
    button.setAttribute("aria-controls", `${stem}-panel-${tab.name}`);
    button.dataset.tab = tab.name;
    const panel = element("div", `explorer-panel explorer-panel-${tab.name}`);
    panel.id = `${stem}-panel-${tab.name}`;
    panel.setAttribute("role", "tabpanel");
    panel.setAttribute("aria-labelledby", button.id);
    panel.tabIndex = 0;
    buttons.push(button);
    panels.push(panel);
    tabList.append(button);
  });
  root.append(...panels, status, linkBar);
  el.replaceChildren(root);

  // The tabs' models and their values at start (a link lists what differs from them).
  const models = [];
  const initial = [];
  const rendered = [];
  for (const tab of TABS) {
    const ref = model.get(tab.trait);
    const child = await host.getModel(ref);
    models.push(child);
    initial.push(Object.fromEntries(KEYS[tab.name].map(([, key]) => [key, child.get(key)])));
  }

  const selectedIndex = () => {
    const result = parseTab(model.get("selected") || "temperature");
    return result.error === undefined ? result.value : 0;
  };

  async function show(index, { focus = false } = {}) {
    buttons.forEach((button, i) => {
      const selected = i === index;
      button.setAttribute("aria-selected", String(selected));
      button.tabIndex = selected ? 0 : -1;
      panels[i].hidden = !selected;
    });
    if (focus) buttons[index].focus();
    if (!rendered[index]) {
      rendered[index] = true;
      try {
        const widget = await host.getWidget(model.get(TABS[index].trait));
        await widget.render({ el: panels[index] });
      } catch (error) {
        panels[index].replaceChildren(element("p", "explorer-error", `This tab could not be shown: ${error.message || error}`));
      }
    }
    updateLink();
  }

  const select = (index, focus) => {
    model.set("selected", TABS[index].name);
    model.save_changes();
    show(index, { focus });
  };
  buttons.forEach((button, i) => button.addEventListener("click", () => select(i, false)));
  tabList.addEventListener("keydown", (event) => {
    const current = selectedIndex();
    const moves = { ArrowRight: current + 1, ArrowLeft: current - 1, Home: 0, End: TABS.length - 1 };
    if (!(event.key in moves)) return;
    event.preventDefault();
    select((moves[event.key] + TABS.length) % TABS.length, true);
  });

  // The link to this view (only where the page reads links: a lesson's inline tabs have none).
  let linkInput = null;
  function updateLink() {
    if (!linkInput) return;
    const index = selectedIndex();
    const query = formatQuery([["tab", TABS[index].name], ...queryItems(TABS[index].name, models[index], initial[index])]);
    const base = `${window.location.origin}${window.location.pathname}`;
    linkInput.value = `${base}?${query}`;
  }
  if (model.get("read_location")) {
    const id = `${stem}-link`;
    const label = element("label", "control-label", "link to this view");
    label.htmlFor = id;
    linkInput = element("input", "explorer-link");
    linkInput.id = id;
    linkInput.type = "text";
    linkInput.readOnly = true;
    const copy = element("button", "explorer-button copy-link", "copy link");
    copy.type = "button";
    copy.addEventListener("click", async () => {
      linkInput.select();
      try {
        await navigator.clipboard.writeText(linkInput.value);
        status.textContent = "Link copied.";
      } catch {
        status.textContent = "Select the link and copy it (the browser did not allow copying).";
      }
    });
    linkBar.append(label, linkInput, copy);
    const params = parseQuery(window.location.search);
    if (Object.keys(params).length) {
      const errors = [];
      let index = selectedIndex();
      if ("tab" in params) {
        const result = parseTab(params.tab);
        if (result.error !== undefined) errors.push(["tab", result.error]);
        else index = result.value;
      }
      errors.push(...applyQuery(TABS[index].name, models[index], params));
      models[index].save_changes();
      model.set("selected", TABS[index].name);
      model.save_changes();
      if (errors.length) {
        status.replaceChildren(
          element("p", "explorer-error", "Some values in this link could not be used (the rest were):"),
          ...errors.map(([key, text]) => element("p", "explorer-error", `${key}: ${text}`)),
        );
      }
    }
    models.forEach((child) => child.on("change", updateLink));
  }
  model.on("change:selected", () => show(selectedIndex()));
  await show(selectedIndex());
}

export default { render };
