import { test } from "node:test";
import assert from "node:assert/strict";
import { domListeners, FakeModel, settle, window } from "./support/dom.js";

const { default: gatherView, drawPlot, layoutPlot, niceTicks, pageLabel, progressLabel, tickLabel } =
  await import("../src/gather_view.js");
const document = window.document;

test("ticks are round numbers that cover the range", () => {
  assert.deepEqual(niceTicks(0, 10, 5), [0, 2, 4, 6, 8, 10]);
  assert.deepEqual(niceTicks(0.013, 0.071, 4), [0.02, 0.04, 0.06]);
  assert.deepEqual(niceTicks(-0.3, 0.3, 3), [-0.2, 0, 0.2]);
  assert.deepEqual(niceTicks(5, 5), [5]);
  assert.deepEqual(niceTicks(NaN, 1), []);
  assert.equal(tickLabel(0.30000000000000004), "0.3");
  assert.equal(tickLabel(123456), "1.2e+5");
  assert.equal(tickLabel(0), "0");
});

test("lines are laid out inside the plot, missing values skipped", () => {
  const plot = layoutPlot([
    { task: "a", x: [0, 1, 2], y: [0, 1, null] },
    { task: "b", x: [0, 1, 2], y: [2, 1, 0] },
  ], 100, 60, { left: 10, right: 10, top: 10, bottom: 10 });
  assert.equal(plot.xmin, 0);
  assert.equal(plot.xmax, 2);
  assert.equal(plot.ymax, 2);
  assert.equal(plot.lines[0].points, "10,50 50,30");  // the third point has no y
  assert.equal(plot.lines[1].points, "10,10 50,30 90,50");
  assert.notEqual(plot.lines[0].color, plot.lines[1].color);
  assert.equal(layoutPlot([{ task: "a", x: [null], y: [null] }]).empty, true);
  const flat = layoutPlot([{ task: "a", x: [1, 1], y: [3, 3] }]);
  assert.equal(flat.empty, false);  // one point: the ranges are widened, not divided by 0
  assert.ok(!flat.lines[0].points.includes("NaN"));
});

test("the SVG plot names what it shows and draws one line per task", () => {
  const svg = drawPlot({ x: "time_s", y: "eta_x30",
    lines: [{ task: "t1", x: [0, 1], y: [0, 1] }, { task: "t2", x: [0, 1], y: [1, 2] }] });
  assert.equal(svg.getAttribute("role"), "img");
  assert.equal(svg.getAttribute("aria-label"), "Line plot of eta_x30 against time_s, one line per task");
  assert.equal(svg.querySelectorAll("polyline").length, 2);
  assert.equal(svg.querySelector("polyline[data-task=t2] title").textContent, "t2");
  const empty = drawPlot({ x: "t", y: "y", lines: [] });
  assert.match(empty.textContent, /no numeric values/);
});

test("labels", () => {
  assert.equal(pageLabel(50, 50, 36000), "rows 51–100 of 36,000");
  assert.equal(pageLabel(0, 0, 0), "no rows");
  assert.equal(progressLabel(7, 13, 1258291), "7 of 13 tasks · 1.20 MiB read");
  assert.equal(progressLabel(1, 1, 0), "1 of 1 task · 0 B read");
});

function model(answers = {}) {
  const rows = Array.from({ length: 120 }, (_, i) => [i < 60 ? "a" : "b", "x/output.zip", i % 60, i]);
  return new FakeModel({
    pattern: "*/output.zip/g.csv", height: 400, autorun: true, state: "idle", files_done: 0,
    files_total: 0, bytes_done: 0, error: "", code: "storage.gather('*/output.zip/g.csv')",
  }, {
    run: () => ({
      summary: "2 tasks, 2 found", kind: "table", rows_total: 120, x: "t", numeric: ["t", "v"],
      columns: ["task", "archive", "t", "v"],
      status: [{ task: "a", status: "found", detail: "", bytes_read: 900, rows: 60 },
        { task: "c", status: "missing", detail: "no g.csv in c/output.zip", bytes_read: 0, rows: null }],
    }),
    rows: ({ offset, limit }) => ({ offset, total: 120, columns: ["task", "archive", "t", "v"],
      rows: rows.slice(offset, offset + limit) }),
    series: ({ y }) => ({ x: "t", y, lines: [{ task: "a", x: [0, 1], y: [0, 1] }, { task: "b", x: [0, 1], y: [2, 3] }] }),
    open_frame: () => ({ python: "view.frame", shape: [120, 4] }),
    ...answers,
  });
}

test("a view gathers, shows status, plot and pages, and leaves no listeners behind", async () => {
  const m = model();
  const baseDom = domListeners();
  for (let i = 0; i < 5; i += 1) {
    const el = document.createElement("div");
    document.body.append(el);
    const teardown = gatherView.render({ model: m, el });
    await settle();
    assert.equal(el.querySelectorAll("polyline").length, 2);
    assert.match(el.querySelector("section[aria-label='Per-task status']").textContent, /no g.csv in c/);
    const caption = () => el.querySelector("section[aria-label='Gathered table'] caption").textContent;
    assert.equal(caption(), "rows 1–50 of 120");
    el.querySelector("[aria-label='Next rows']").click();
    await settle();
    assert.equal(caption(), "rows 51–100 of 120");
    const code = el.querySelector("[aria-label='Equivalent Python code']");
    [...el.querySelectorAll("button")].find((b) => b.textContent === "Show code").click();
    assert.equal(code.hidden, false);
    assert.match(code.textContent, /storage\.gather/);
    [...el.querySelectorAll("button")].find((b) => b.textContent === "Open as DataFrame").click();
    await settle();
    assert.match(el.textContent, /view\.frame in the kernel/);
    teardown();
    el.remove();
    assert.equal(m.listeners(), 0);
    assert.equal(domListeners(), baseDom);
  }
  assert.equal(m.calls.filter((c) => c.method === "run").length, 5);
});

test("progress while running, and errors in words", async () => {
  const m = model({ run: () => { throw new Error("cannot reach the storage API"); } });
  const el = document.createElement("div");
  document.body.append(el);
  const teardown = gatherView.render({ model: m, el });
  m.change("state", "running");
  m.change("files_total", 13);
  m.change("files_done", 7);
  assert.match(el.querySelector("[role=status]").textContent, /7 of 13 tasks/);
  assert.equal(el.querySelector("progress").hidden, false);
  await settle();
  assert.match(el.querySelector("[role=alert]").textContent, /cannot reach the storage API/);
  teardown();
});
