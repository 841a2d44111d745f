// GatherView view: one member gathered from many task archives. A status line per task, a
// line plot (SVG drawn here, one line per task, a numeric column against the first column)
// and the gathered table, a page at a time. Python gathers, pages and downsamples; this
// only draws what the replies carry.
import { clear, h } from "./dom.js";
import { Scope } from "./lifecycle.js";
import { keepKeysInWidget } from "./keys.js";
import { createRpc } from "./rpc.js";
import { createAlert } from "./alert.js";
import { formatBytes } from "./format.js";

/**
 * GatherView traits (inductiva_widgets/widgets/gather_view.py).
 * @typedef {object} GatherViewTraits
 * @property {string} pattern
 * @property {number} height
 * @property {boolean} autorun
 * @property {string} state
 * @property {number} files_done
 * @property {number} files_total
 * @property {number} bytes_done
 * @property {string} error
 * @property {string} code
 */

export const PAGE = 50;
// Distinguishable in light and dark themes (Okabe-Ito, then Tableau tones).
export const PALETTE = ["#0072b2", "#e69f00", "#009e73", "#cc79a7", "#56b4e9", "#d55e00",
  "#8c6d31", "#7f7f7f", "#bcbd22", "#17becf"];
const W = 640;
const H = 240;
const PAD = { left: 56, right: 12, top: 10, bottom: 34 };

const STYLE = `
.iw-gv { display: flex; flex-direction: column; font-family: var(--jp-ui-font-family, system-ui, sans-serif);
  font-size: var(--jp-ui-font-size1, 13px); color: var(--jp-ui-font-color1, #1f1f1f);
  background: var(--jp-layout-color1, #fff); border: 1px solid var(--jp-border-color2, #e0e0e0);
  border-radius: 4px; overflow: hidden; min-height: 240px; }
.iw-gv-body { flex: 1; overflow: auto; padding: 6px 8px; display: flex; flex-direction: column; gap: 10px; }
.iw-gv-body > * { flex-shrink: 0; }
.iw-gv-title { font-weight: 600; overflow: hidden; text-overflow: ellipsis; white-space: nowrap; max-width: 50%; }
.iw-gv-muted { color: var(--jp-ui-font-color2, #555); }
.iw-gv h3 { font-size: var(--jp-ui-font-size1, 13px); margin: 0 0 4px; }
.iw-gv table { border-collapse: collapse; font-variant-numeric: tabular-nums; }
.iw-gv caption { text-align: left; color: var(--jp-ui-font-color2, #555); padding: 2px 0; }
.iw-gv th, .iw-gv td { border-bottom: 1px solid var(--jp-border-color2, #e0e0e0); padding: 2px 8px;
  text-align: left; white-space: nowrap; }
.iw-gv th { background: var(--jp-layout-color2, #f3f3f3); position: sticky; top: 0; }
.iw-gv-table { overflow: auto; max-height: 260px; }
.iw-gv-status-found { color: var(--jp-success-color1, #388e3c); }
.iw-gv-status-missing { color: var(--jp-warn-color1, #f57c00); }
.iw-gv-status-error, .iw-gv-status-cancelled { color: var(--jp-error-color1, #d32f2f); }
.iw-gv-status-skipped { color: var(--jp-ui-font-color2, #555); }
.iw-gv-skipped > summary { cursor: pointer; color: var(--jp-ui-font-color2, #555); padding: 2px 0; }
.iw-gv-plot svg { width: 100%; max-width: 900px; height: auto; display: block; }
.iw-gv-plot .axis { stroke: var(--jp-ui-font-color2, #555); stroke-width: 1; }
.iw-gv-plot .grid { stroke: var(--jp-border-color2, #e0e0e0); stroke-width: 1; }
.iw-gv-plot text { fill: var(--jp-ui-font-color2, #555); font-size: 11px; }
.iw-gv-legend { display: flex; flex-wrap: wrap; gap: 4px 12px; list-style: none; margin: 4px 0 0; padding: 0; }
.iw-gv-swatch { display: inline-block; width: 14px; height: 3px; margin-right: 4px; vertical-align: middle; }
.iw-gv pre { margin: 0; padding: 6px; background: var(--jp-layout-color2, #f3f3f3);
  color: var(--jp-content-font-color1, inherit); font-family: var(--jp-code-font-family, monospace);
  white-space: pre-wrap; overflow: auto; max-height: 200px; }
.iw-gv progress { width: 160px; }
`;

/** Up to `count` round tick values covering min..max ("nice" steps of 1, 2 or 5 x 10^k). */
export function niceTicks(min, max, count = 5) {
  if (!Number.isFinite(min) || !Number.isFinite(max)) return [];
  if (min === max) return [min];
  const raw = (max - min) / Math.max(1, count);
  const power = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * power).find((s) => s >= raw) || raw;
  const ticks = [];
  for (let v = Math.ceil(min / step) * step; v <= max + step * 1e-9; v += step) {
    ticks.push(Number(v.toPrecision(12)));
  }
  return ticks;
}

/** A tick label: short, without float noise (0.30000000000000004 -> "0.3"). */
export function tickLabel(value) {
  if (value === 0) return "0";
  const abs = Math.abs(value);
  if (abs >= 1e5 || abs < 1e-3) return value.toExponential(1);
  return String(Number(value.toPrecision(4)));
}

/**
 * Screen coordinates of each line: `{task, color, points: "x,y x,y ..."}` plus the axes'
 * ranges and ticks. Points with a missing x or y are skipped.
 */
export function layoutPlot(lines, width = W, height = H, pad = PAD) {
  let xmin = Infinity;
  let xmax = -Infinity;
  let ymin = Infinity;
  let ymax = -Infinity;
  for (const line of lines) {
    line.x.forEach((x, i) => {
      const y = line.y[i];
      if (x === null || y === null || !Number.isFinite(x) || !Number.isFinite(y)) return;
      xmin = Math.min(xmin, x); xmax = Math.max(xmax, x);
      ymin = Math.min(ymin, y); ymax = Math.max(ymax, y);
    });
  }
  if (xmin === Infinity) return { empty: true, lines: [], xticks: [], yticks: [] };
  if (xmin === xmax) { xmin -= 1; xmax += 1; }
  if (ymin === ymax) { ymin -= 1; ymax += 1; }
  const sx = (x) => pad.left + ((x - xmin) / (xmax - xmin)) * (width - pad.left - pad.right);
  const sy = (y) => height - pad.bottom - ((y - ymin) / (ymax - ymin)) * (height - pad.top - pad.bottom);
  const round = (v) => Math.round(v * 10) / 10;
  return {
    empty: false, xmin, xmax, ymin, ymax, sx, sy,
    xticks: niceTicks(xmin, xmax, 6), yticks: niceTicks(ymin, ymax, 4),
    lines: lines.map((line, i) => ({
      task: line.task,
      color: PALETTE[i % PALETTE.length],
      points: line.x.map((x, j) => [x, line.y[j]])
        .filter(([x, y]) => x !== null && y !== null && Number.isFinite(x) && Number.isFinite(y))
        .map(([x, y]) => `${round(sx(x))},${round(sy(y))}`).join(" "),
    })),
  };
}

/** "rows 51–100 of 36,000" */
export function pageLabel(offset, shown, total) {
  if (!total) return "no rows";
  const fmt = (n) => n.toLocaleString("en-US");
  return `rows ${fmt(offset + 1)}–${fmt(offset + shown)} of ${fmt(total)}`;
}

/** Status rows split: the tasks, and the folders skipped (no archive at all). */
export function splitSkipped(rows) {
  return { tasks: rows.filter((r) => r.status !== "skipped"),
    skipped: rows.filter((r) => r.status === "skipped") };
}

/** "7 of 13 tasks · 1.20 MiB read" while running. */
export function progressLabel(done, total, bytes) {
  return `${done} of ${total} task${total === 1 ? "" : "s"} · ${formatBytes(bytes)} read`;
}

const SVG = "http://www.w3.org/2000/svg";
function svg(tag, attrs = {}, ...children) {
  const el = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, String(v));
  for (const c of children) el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  return el;
}

/** The line plot as an SVG element (role img, named after what it shows). */
export function drawPlot(reply) {
  const plot = layoutPlot(reply.lines);
  const label = `Line plot of ${reply.y} against ${reply.x}, one line per task`;
  const root = svg("svg", { viewBox: `0 0 ${W} ${H}`, role: "img", "aria-label": label });
  if (plot.empty) {
    root.append(svg("text", { x: W / 2, y: H / 2, "text-anchor": "middle" }, "no numeric values to plot"));
    return root;
  }
  const bottom = H - PAD.bottom;
  for (const t of plot.yticks) {
    const y = plot.sy(t);
    root.append(svg("line", { class: "grid", x1: PAD.left, x2: W - PAD.right, y1: y, y2: y }),
      svg("text", { x: PAD.left - 4, y: y + 4, "text-anchor": "end" }, tickLabel(t)));
  }
  for (const t of plot.xticks) {
    const x = plot.sx(t);
    root.append(svg("line", { class: "axis", x1: x, x2: x, y1: bottom, y2: bottom + 4 }),
      svg("text", { x, y: bottom + 16, "text-anchor": "middle" }, tickLabel(t)));
  }
  root.append(svg("line", { class: "axis", x1: PAD.left, x2: W - PAD.right, y1: bottom, y2: bottom }),
    svg("line", { class: "axis", x1: PAD.left, x2: PAD.left, y1: PAD.top, y2: bottom }),
    svg("text", { x: W - PAD.right, y: H - 5, "text-anchor": "end" }, reply.x));
  for (const line of plot.lines) {
    root.append(svg("polyline", { points: line.points, fill: "none", stroke: line.color,
      "stroke-width": 1.5, "data-task": line.task }, svg("title", {}, line.task)));
  }
  return root;
}

/** @param {{model: import("./models.js").Model<GatherViewTraits>, el: HTMLElement}} view */
function render({ model, el }) {
  const scope = new Scope();
  const rpc = createRpc(scope, model, { timeoutMs: 3600000 });
  const alert = createAlert(scope, { className: "iw-alert" });
  let summary = null;
  let offset = 0;

  // -- header -------------------------------------------------------------------------------------
  const runButton = scope.h("button", { class: "iw-button iw-primary", onclick: () => run() }, "Gather");
  const cancelButton = scope.h("button", { class: "iw-button", hidden: true, "aria-label": "Cancel the gather",
    onclick: () => rpc.call("cancel").catch((e) => alert.show(e.message)) }, "Cancel");
  const codeButton = scope.h("button", { class: "iw-button", "aria-expanded": "false",
    "aria-controls": "", onclick: () => toggleCode() }, "Show code");
  const frameButton = scope.h("button", { class: "iw-button", disabled: true,
    onclick: () => openFrame() }, "Open as DataFrame");
  const progress = h("progress", { max: 1, value: 0, "aria-label": "Gather progress", hidden: true });
  const state = h("span", { class: "iw-gv-muted", role: "status" });
  // Scrollable boxes take the keyboard focus, so they scroll without a mouse.
  const codeBox = h("pre", { hidden: true, role: "region", "aria-label": "Equivalent Python code", tabindex: 0 });
  const codeId = `iw-gv-code-${Math.random().toString(36).slice(2, 8)}`;
  codeBox.id = codeId;
  codeButton.setAttribute("aria-controls", codeId);
  const frameNote = h("div", { class: "iw-gv-muted", role: "status" });

  // -- sections -----------------------------------------------------------------------------------
  const statusBox = h("section", { "aria-label": "Per-task status" });
  const plotBox = h("section", { class: "iw-gv-plot", "aria-label": "Plot", hidden: true });
  const tableBox = h("section", { "aria-label": "Gathered table", hidden: true });
  const textBox = h("section", { "aria-label": "Gathered texts", hidden: true });

  const root = h("div", { class: "iw-gv", style: { height: `${model.get("height")}px` } },
    h("style", {}, STYLE),
    h("div", { class: "iw-header" }, h("span", { class: "iw-gv-title", title: model.get("pattern") },
      `Gather ${model.get("pattern")}`), state, progress, h("span", { class: "iw-spacer" }),
    runButton, cancelButton, codeButton, frameButton),
    alert.el,
    h("div", { class: "iw-gv-body" }, codeBox, frameNote, statusBox, plotBox, tableBox, textBox));
  el.append(root);
  scope.add(() => root.remove());
  keepKeysInWidget(scope, root); // JupyterLab's command-mode keys must not act on the notebook

  function toggleCode() {
    codeBox.hidden = !codeBox.hidden;
    codeBox.textContent = model.get("code");
    codeButton.setAttribute("aria-expanded", String(!codeBox.hidden));
    codeButton.textContent = codeBox.hidden ? "Show code" : "Hide code";
  }

  async function openFrame() {
    try {
      const reply = await rpc.call("open_frame");
      frameNote.textContent = `The DataFrame (${reply.shape[0].toLocaleString("en-US")} rows × ` +
        `${reply.shape[1]} columns) is ${reply.python} in the kernel.`;
    } catch (error) {
      alert.show(error.message);
    }
  }

  function renderState() {
    const running = model.get("state") === "running";
    runButton.disabled = running;
    runButton.textContent = summary ? "Gather again" : "Gather";
    cancelButton.hidden = !running;
    progress.hidden = !running;
    const total = model.get("files_total");
    if (running) {
      progress.max = Math.max(1, total);
      progress.value = model.get("files_done");
      state.textContent = progressLabel(model.get("files_done"), total, model.get("bytes_done"));
    } else if (model.get("state") === "cancelled") {
      state.textContent = "cancelled";
    } else {
      state.textContent = summary ? summary.summary : "";
    }
    if (model.get("error")) alert.show(model.get("error"));
  }

  function statusTable(rows, label, caption) {
    const head = h("tr", {}, ...["task", "status", "detail", "read", "rows"].map((c) => h("th", { scope: "col" }, c)));
    const body = rows.map((r) => h("tr", {},
      h("td", {}, r.task),
      h("td", { class: `iw-gv-status-${r.status}` }, r.status),
      h("td", {}, r.detail || ""),
      h("td", { title: `${r.bytes_read} bytes` }, formatBytes(r.bytes_read)),
      h("td", {}, r.rows === null ? "" : r.rows.toLocaleString("en-US"))));
    return h("div", { class: "iw-gv-table", role: "region", tabindex: 0, "aria-label": label },
      h("table", {}, ...(caption ? [h("caption", {}, caption)] : []), h("thead", {}, head), h("tbody", {}, ...body)));
  }

  function renderStatus() {
    clear(statusBox);
    const { tasks, skipped } = splitSkipped(summary.status);
    statusBox.append(h("h3", {}, "Tasks"),
      statusTable(tasks, "Task status table", `${tasks.length} task${tasks.length === 1 ? "" : "s"}`));
    // Folders with no archive at all are no tasks: one line, their rows folded under it.
    if (skipped.length) {
      statusBox.append(h("details", { class: "iw-gv-skipped" },
        h("summary", {}, summary.skipped || `${skipped.length} folders skipped`),
        statusTable(skipped, "Skipped folders", "")));
    }
  }

  async function renderPlot(y) {
    // A column chosen by keyboard rebuilds the select: the focus stays on the new one.
    const hadFocus = plotBox.contains(document.activeElement);
    clear(plotBox);
    if (!summary.numeric.length) { plotBox.hidden = true; return; }
    plotBox.hidden = false;
    const choose = scope.h("select", { class: "iw-input", "aria-label": "Column to plot",
      onchange: (e) => renderPlot(e.target.value) },
    ...summary.numeric.filter((c) => c !== summary.x).map((c) => h("option", { value: c, selected: c === y }, c)));
    plotBox.append(h("h3", {}, "Plot ", choose, h("span", { class: "iw-gv-muted" }, ` against ${summary.x}`)));
    if (hadFocus) choose.focus();
    if (!choose.value) return;
    try {
      const reply = await rpc.call("series", { y: choose.value });
      plotBox.append(drawPlot(reply), h("ul", { class: "iw-gv-legend", "aria-label": "Legend" },
        ...reply.lines.map((line, i) => h("li", {},
          h("span", { class: "iw-gv-swatch", style: { background: PALETTE[i % PALETTE.length] } }), line.task))));
    } catch (error) {
      alert.show(error.message);
    }
  }

  async function renderPage() {
    try {
      const reply = await rpc.call("rows", { offset, limit: PAGE });
      // A page turned by keyboard rebuilds the pager: the focus goes to its new buttons.
      const hadFocus = tableBox.contains(document.activeElement) ? document.activeElement.getAttribute("aria-label") : null;
      clear(tableBox);
      tableBox.hidden = false;
      const prev = scope.h("button", { class: "iw-button", "aria-label": "Previous rows", disabled: offset === 0,
        onclick: () => { offset = Math.max(0, offset - PAGE); renderPage(); } }, "‹ Previous");
      const next = scope.h("button", { class: "iw-button", "aria-label": "Next rows",
        disabled: offset + reply.rows.length >= reply.total,
        onclick: () => { offset += PAGE; renderPage(); } }, "Next ›");
      const label = pageLabel(offset, reply.rows.length, reply.total);
      tableBox.append(h("h3", {}, "Table"),
        h("div", { class: "iw-gv-table", role: "region", tabindex: 0, "aria-label": "Table rows" },
          h("table", {}, h("caption", {}, label),
          h("thead", {}, h("tr", {}, ...reply.columns.map((c) => h("th", { scope: "col" }, c)))),
          h("tbody", {}, ...reply.rows.map((row) => h("tr", {}, ...row.map((v) => h("td", {}, v === null ? "" : String(v)))))))),
        h("div", { class: "iw-header" }, prev, next, h("span", { class: "iw-gv-muted" }, label)));
      const same = hadFocus === "Previous rows" ? prev : next; // else the other, at either end
      if (hadFocus) (same.disabled ? [prev, next].find((b) => !b.disabled) : same)?.focus();
    } catch (error) {
      alert.show(error.message);
    }
  }

  async function renderTexts() {
    clear(textBox);
    textBox.hidden = false;
    const reply = await rpc.call("texts");
    textBox.append(h("h3", {}, "Texts"), ...reply.texts.map((t) => h("details", { open: true },
      h("summary", {}, t.task), h("pre", {}, t.text + (t.cut ? "\n…" : "")))));
  }

  async function show(reply) {
    summary = reply;
    offset = 0;
    renderState();
    renderStatus();
    frameButton.disabled = reply.kind !== "table";
    plotBox.hidden = tableBox.hidden = textBox.hidden = true;
    if (reply.kind === "table") {
      const first = reply.numeric.find((c) => c !== reply.x);
      await Promise.all([renderPlot(first), renderPage()]);
    } else if (reply.kind === "text") {
      await renderTexts().catch((e) => alert.show(e.message));
    }
  }

  async function run() {
    alert.show("");
    frameNote.textContent = "";
    try {
      await show(await rpc.call("run"));
    } catch (error) {
      if (error.type !== "TransferCancelled") alert.show(error.message);
      renderState();
    }
  }

  for (const name of ["state", "files_done", "files_total", "bytes_done", "error"]) {
    scope.onModel(model, `change:${name}`, renderState);
  }
  scope.onModel(model, "change:height", () => { root.style.height = `${model.get("height")}px`; });

  renderState();
  if (model.get("state") === "done") {
    rpc.call("summary").then(show, (e) => alert.show(e.message));
  } else if (model.get("autorun") && model.get("state") !== "running") {
    run();
  }
  return () => scope.dispose();
}

export default { render };
