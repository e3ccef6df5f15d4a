// SVG drawing shared by the Explorer's tabs: bar charts and a heatmap, sized by a viewBox so they
// stay sharp at any size. Colours are CSS classes (explorer.css maps them to the JupyterLab theme
// variables), never fixed fills, so light and dark themes both work. No state, no model.

const SVG_NS = "http://www.w3.org/2000/svg";

export function svgElement(tag, attributes = {}, text = null) {
  const node = document.createElementNS(SVG_NS, tag);
  for (const [key, value] of Object.entries(attributes)) {
    if (value !== null && value !== undefined) node.setAttribute(key, String(value));
  }
  if (text !== null) node.textContent = text;
  return node;
}

/** Shortest readable form of a number for labels: 3 significant digits, "nan"/"inf" spelt out. */
export function shortNumber(value, digits = 3) {
  if (Number.isNaN(value)) return "nan";
  if (value === Infinity) return "inf";
  if (value === -Infinity) return "-inf";
  if (value === 0) return "0";
  const abs = Math.abs(value);
  if (abs >= 1e5 || abs < 1e-3) return value.toExponential(digits - 1).replace("e+", "e");
  return String(Number(value.toPrecision(digits)));
}

let figureCount = 0;

/**
 * A figure: an <svg role="img"> whose accessible name is a visible caption listing its numbers.
 * Returns {root, svg, caption, update(draw, description)}; `draw(svg)` fills the emptied svg.
 */
export function createFigure(cssClass, { width = 480, height = 260 } = {}) {
  figureCount += 1;
  const id = `explorer-figure-${cssClass}-${figureCount}`;
  const root = document.createElement("figure");
  root.className = `explorer-figure ${cssClass}`;
  const svg = svgElement("svg", {
    viewBox: `0 0 ${width} ${height}`,
    role: "img",
    "aria-labelledby": `${id}-caption`,
    preserveAspectRatio: "xMidYMid meet",
    class: "explorer-svg",
  });
  const caption = document.createElement("figcaption");
  caption.id = `${id}-caption`;
  caption.className = "figure-description";
  root.append(svg, caption);
  return {
    root,
    svg,
    caption,
    width,
    height,
    update(draw, description) {
      svg.replaceChildren();
      draw(svg);
      if (caption.textContent !== description) caption.textContent = description;
    },
  };
}

/**
 * Bars of `series` (each {values, cssClass, label}) side by side per category, with a y axis.
 * Non-finite values draw no bar and a "nan" mark instead. Options: title, labels, yMax (default 1),
 * yLabel, highlight (index drawn hatched), banner (big centred text), hidden (bars hidden, "?").
 */
export function barChart(svg, width, height, options) {
  const { series, labels, title = "", yMax = 1, yMin = 0, yLabel = "", highlight = -1, banner = "" } = options;
  const hidden = Boolean(options.hidden);
  const margin = { left: 52, right: 12, top: title ? 46 : 22, bottom: 40 };
  const plotWidth = width - margin.left - margin.right;
  const plotHeight = height - margin.top - margin.bottom;
  const y = (v) => margin.top + plotHeight * (1 - (v - yMin) / (yMax - yMin));
  if (title) svg.append(svgElement("text", { x: width / 2, y: 19, class: "chart-title", "text-anchor": "middle" }, title));
  // Axis and gridlines.
  const ticks = options.ticks || [yMin, (yMin + yMax) / 2, yMax];
  for (const tick of ticks) {
    svg.append(
      svgElement("line", { x1: margin.left, x2: width - margin.right, y1: y(tick), y2: y(tick), class: "grid" }),
      svgElement("text", { x: margin.left - 6, y: y(tick) + 4, class: "tick", "text-anchor": "end" }, shortNumber(tick, 2)),
    );
  }
  if (yMin < 0) {
    svg.append(svgElement("line", { x1: margin.left, x2: width - margin.right, y1: y(0), y2: y(0), class: "axis" }));
  }
  if (yLabel) {
    svg.append(
      svgElement(
        "text",
        { x: 12, y: margin.top + plotHeight / 2, class: "axis-label", transform: `rotate(-90 12 ${margin.top + plotHeight / 2})`, "text-anchor": "middle" },
        yLabel,
      ),
    );
  }
  const n = labels.length;
  const slot = plotWidth / Math.max(n, 1);
  const groupWidth = slot * 0.78;
  const barWidth = groupWidth / series.length;
  for (let i = 0; i < n; i++) {
    const x0 = margin.left + slot * i + (slot - groupWidth) / 2;
    series.forEach((s, k) => {
      const v = s.values[i];
      const x = x0 + k * barWidth;
      if (hidden) {
        svg.append(svgElement("rect", { x, y: margin.top, width: barWidth - 1, height: plotHeight, class: "bar-hidden" }));
        return;
      }
      if (!Number.isFinite(v)) {
        svg.append(svgElement("text", { x: x + barWidth / 2, y: y(0) - 6, class: "bar-nan", "text-anchor": "middle" }, shortNumber(v)));
        return;
      }
      const clipped = Math.max(yMin, Math.min(yMax, v));
      const top = Math.min(y(clipped), y(Math.max(yMin, 0)));
      const h = Math.abs(y(clipped) - y(Math.max(yMin, 0)));
      const cls = `bar ${s.cssClass}${i === highlight && k === 0 ? " bar-highlight" : ""}`;
      svg.append(svgElement("rect", { x, y: top, width: Math.max(barWidth - 1, 1), height: Math.max(h, 0), class: cls, "data-index": i, "data-series": k }));
      if (options.valueLabels !== false && (series.length === 1 || n <= 4)) {
        const labelY = v >= 0 ? top - 4 : top + h + 12;
        svg.append(svgElement("text", { x: x + barWidth / 2, y: labelY, class: "bar-value", "text-anchor": "middle" }, shortNumber(v, 2)));
      }
    });
    svg.append(svgElement("text", { x: x0 + groupWidth / 2, y: height - margin.bottom + 16, class: "tick", "text-anchor": "middle" }, labels[i]));
  }
  if (hidden && !banner) {
    svg.append(svgElement("text", { x: margin.left + plotWidth / 2, y: margin.top + plotHeight / 2 + 16, class: "banner", "text-anchor": "middle" }, "?"));
  }
  if (banner) {
    svg.append(svgElement("text", { x: margin.left + plotWidth / 2, y: margin.top + plotHeight / 2, class: "banner banner-error", "text-anchor": "middle" }, banner));
  }
  if (series.length > 1 && options.legend !== false) {
    let lx = margin.left;
    for (const s of series) {
      svg.append(svgElement("rect", { x: lx, y: height - 16, width: 12, height: 12, class: `bar ${s.cssClass}` }));
      const t = svgElement("text", { x: lx + 16, y: height - 6, class: "legend" }, s.label);
      svg.append(t);
      lx += 24 + 7.5 * s.label.length;
    }
  }
}

/** A heatmap of `matrix` (rows × columns, values in [0, 1], NaN for masked), with labels. */
export function heatmap(svg, width, height, { matrix, rowLabels, columnLabels, title = "" }) {
  const margin = { left: 60, right: 10, top: title ? 44 : 26, bottom: 10 };
  const rows = matrix.length;
  const cols = rows ? matrix[0].length : 0;
  const cell = Math.min((width - margin.left - margin.right) / cols, (height - margin.top - margin.bottom) / rows);
  const left = margin.left + (width - margin.left - margin.right - cell * cols) / 2;
  if (title) svg.append(svgElement("text", { x: width / 2, y: 18, class: "chart-title", "text-anchor": "middle" }, title));
  for (let j = 0; j < cols; j++) {
    svg.append(svgElement("text", { x: left + cell * (j + 0.5), y: margin.top - 6, class: "tick", "text-anchor": "middle" }, columnLabels[j]));
  }
  for (let i = 0; i < rows; i++) {
    svg.append(svgElement("text", { x: left - 6, y: margin.top + cell * (i + 0.5) + 4, class: "tick", "text-anchor": "end" }, rowLabels[i]));
    for (let j = 0; j < cols; j++) {
      const v = matrix[i][j];
      const masked = !Number.isFinite(v);
      svg.append(
        svgElement("rect", {
          x: left + cell * j,
          y: margin.top + cell * i,
          width: cell - 1,
          height: cell - 1,
          class: masked ? "heat-masked" : "heat",
          "fill-opacity": masked ? null : (0.08 + 0.92 * v).toFixed(3),
          "data-row": i,
          "data-col": j,
        }),
      );
      if (!masked && cell >= 30) {
        svg.append(
          svgElement(
            "text",
            { x: left + cell * (j + 0.5), y: margin.top + cell * (i + 0.5) + 4, class: v > 0.65 ? "heat-label heat-label-strong" : "heat-label", "text-anchor": "middle" },
            v.toFixed(2).replace(/^0/, ""),
          ),
        );
      }
    }
  }
}
