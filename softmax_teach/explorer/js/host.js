// The static Explorer's host: gives each tab's ES module anywidget's model interface (get, set,
// on, off, save_changes, send) and anywidget's host (getModel, getWidget), with no kernel and no
// widget manager, then renders the app. state.json (written by export_explorer from the Python
// widgets' defaults) lists every widget: {root, widgets: {id: {module, state}}}.

const WIDGET_REF = "anywidget:";

/** A model with Backbone's event semantics as anywidget exposes them: set() fires change:key, then change. */
export class StaticModel {
  constructor(id, state, manager) {
    this.id = id;
    this._state = { ...state };
    this._listeners = new Map();
    this.widget_manager = manager;
  }

  get(key) {
    return this._state[key];
  }

  set(key, value) {
    const before = this._state[key];
    this._state[key] = value;
    if (JSON.stringify(before) === JSON.stringify(value)) return;
    this._emit(`change:${key}`, value);
    this._emit("change");
  }

  on(name, callback) {
    if (!this._listeners.has(name)) this._listeners.set(name, new Set());
    this._listeners.get(name).add(callback);
  }

  off(name, callback) {
    if (!name) {
      this._listeners.clear();
      return;
    }
    if (!callback) this._listeners.delete(name);
    else this._listeners.get(name)?.delete(callback);
  }

  // No kernel to send to: the state lives in this page only.
  save_changes() {}

  send() {}

  _emit(name, value) {
    for (const callback of [...(this._listeners.get(name) || [])]) callback(value);
  }
}

export function createHost(widgets, baseUrl) {
  const models = new Map();
  const manager = { get_model: async (id) => model(id) };
  function model(id) {
    if (!models.has(id)) {
      if (!(id in widgets)) throw new Error(`no widget ${id}`);
      models.set(id, new StaticModel(id, widgets[id].state, manager));
    }
    return models.get(id);
  }
  const idOf = (ref) => {
    if (typeof ref !== "string" || !ref.startsWith(WIDGET_REF)) throw new Error(`not a widget reference: ${ref}`);
    return ref.slice(WIDGET_REF.length);
  };
  const host = {
    async getModel(ref) {
      return model(idOf(ref));
    },
    async getWidget(ref) {
      const id = idOf(ref);
      const module = await import(new URL(widgets[id].module, baseUrl).href);
      return {
        exports: module,
        render: async ({ el }) => module.default.render({ model: model(id), el, host }),
      };
    },
  };
  return { host, model };
}

export async function start(el, stateUrl) {
  const baseUrl = new URL(".", stateUrl).href;
  const response = await fetch(stateUrl);
  const { root, widgets } = await response.json();
  const { host } = createHost(widgets, baseUrl);
  const widget = await host.getWidget(`${WIDGET_REF}${root}`);
  await widget.render({ el });
}
