// The virtual grid: one row always the tab stop, focus kept in the grid across folders,
// the empty note beside the grid (a grid may hold only rows), columns resized by keys.
import { test } from "node:test";
import assert from "node:assert/strict";
import { settle, window } from "./support/dom.js";

const { Scope } = await import("../src/lifecycle.js");
const { createTable } = await import("../src/table.js");
const document = window.document;

const columns = [
  { key: "name", label: "Name", width: "minmax(160px, 3fr)", min: 120, sortKey: "name", cell: (r) => r.name },
  { key: "size", label: "Size", width: "88px", min: 64, cell: (r) => String(r.size) },
];

function source(rows, emptyText = "Empty folder") {
  return { total: () => rows.length, get: (i) => rows[i], ensure: () => Promise.resolve(), emptyText };
}

/** A source whose rows arrive later (a page on its way): `arrive()` delivers them. */
function lateSource(rows, table) {
  let ready = false;
  return {
    total: () => (ready ? rows.length : null),
    get: (i) => (ready ? rows[i] : undefined),
    ensure: () => Promise.resolve(),
    emptyText: "Empty folder",
    arrive() { ready = true; table.render(); },
  };
}

const rowsOf = (names) => names.map((name, i) => ({ name, path: `f/${name}`, size: i }));

function setUp(keys = []) {
  const scope = new Scope();
  const table = createTable(scope, { columns, label: "Folder contents", handlers: {
    isSelected: () => false, onSort: () => {}, onClick: () => {}, onActivate: () => {},
    onKey: (e, focused) => keys.push([e.key, focused]),
  } });
  document.body.append(table.el);
  return { scope, table };
}

const stops = (table) => [...table.el.querySelectorAll("[role=row][tabindex='0']")].map((r) => r.dataset.index);

test("one row is always the tab stop, before any click and after a folder change", () => {
  const { scope, table } = setUp();
  table.setSource(source(rowsOf(["a", "b", "c"])));
  assert.deepEqual(stops(table), ["0"]);
  table.focusIndex(2);
  assert.deepEqual(stops(table), ["2"]);
  assert.equal(document.activeElement.dataset.index, "2");
  table.render(); // a re-render keeps both the stop and the focus
  assert.deepEqual(stops(table), ["2"]);
  assert.equal(document.activeElement.dataset.index, "2");
  table.setSource(source(rowsOf(["x", "y"])));
  assert.deepEqual(stops(table), ["0"]);
  table.setSource(source(rowsOf(["only"])));
  assert.deepEqual(stops(table), ["0"]);
  scope.dispose();
  table.el.remove();
});

test("focusRow waits for the rows of a new folder, then focuses the first", () => {
  const { scope, table } = setUp();
  table.setSource(source(rowsOf(["a", "b"])));
  table.focusIndex(1);
  const late = lateSource(rowsOf(["p", "q", "r"]), table);
  table.setSource(late);
  table.focusRow();
  assert.equal(document.activeElement?.dataset?.path, undefined); // nothing to focus yet
  late.arrive();
  assert.equal(document.activeElement.dataset.path, "f/p");
  assert.deepEqual(stops(table), ["0"]);
  scope.dispose();
  table.el.remove();
});

test("an empty folder: the note is beside the grid, and the grid itself takes the focus", () => {
  const { scope, table } = setUp();
  table.setSource(source([], "Nothing matches the filter"));
  table.focusRow();
  assert.equal(table.grid.querySelector("[role=status]"), null);
  const note = table.el.querySelector("[role=status]");
  assert.equal(note.textContent, "Nothing matches the filter");
  assert.equal(document.activeElement, table.grid);
  assert.equal(table.focused, null);
  scope.dispose();
  table.el.remove();
});

test("keys on a row reach the owner with the focused index", () => {
  const keys = [];
  const { scope, table } = setUp(keys);
  table.setSource(source(rowsOf(["a", "b", "c"])));
  table.focusIndex(1);
  document.activeElement.dispatchEvent(new window.KeyboardEvent("keydown", { key: "ArrowDown", bubbles: true }));
  assert.deepEqual(keys, [["ArrowDown", 1]]);
  scope.dispose();
  table.el.remove();
});

test("columns resize from the keyboard on their separators, within their bounds", () => {
  const { scope, table } = setUp();
  table.setSource(source(rowsOf(["a"])));
  const handle = table.el.querySelector("[role=separator][aria-label='Resize column Name']");
  assert.ok(handle, "each header has a named separator");
  assert.equal(handle.tabIndex, 0);
  const press = (k) => handle.dispatchEvent(new window.KeyboardEvent("keydown", { key: k, bubbles: true }));
  press("Home");
  assert.equal(handle.getAttribute("aria-valuenow"), "120");
  press("ArrowRight");
  press("ArrowRight");
  assert.equal(handle.getAttribute("aria-valuenow"), "152");
  assert.match(table.grid.style.getPropertyValue("--iw-cols"), /^152px 88px$/);
  press("End");
  assert.equal(handle.getAttribute("aria-valuenow"), "900");
  // The widths survive a change of columns (the archive's, then the folder's again).
  table.setColumns([...columns]);
  assert.match(table.grid.style.getPropertyValue("--iw-cols"), /^900px 88px$/);
  scope.dispose();
  table.el.remove();
});

test("a sortable header is a button; headers say their sort", async () => {
  const { scope, table } = setUp();
  table.setSort("name", "desc");
  const header = table.el.querySelector("[role=columnheader][data-key=name]");
  assert.equal(header.getAttribute("aria-sort"), "descending");
  assert.ok(header.querySelector("button[aria-label='Sort by Name']"));
  assert.equal(table.el.querySelector("[role=columnheader][data-key=size]").hasAttribute("aria-sort"), false);
  await settle(5);
  scope.dispose();
  table.el.remove();
});
