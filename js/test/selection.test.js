import { test } from "node:test";
import assert from "node:assert/strict";
import { clickSelect, moveFocus } from "../src/selection.js";

const paths = ["a", "b", "c", "d", "e"];
const at = (i) => paths[i];
const none = { selected: [], anchor: null };

test("a click selects one row", () => {
  assert.deepEqual(clickSelect(none, 2, at), { selected: ["c"], anchor: 2 });
});

test("ctrl-click toggles and moves the anchor", () => {
  let s = clickSelect(none, 1, at);
  s = clickSelect(s, 3, at, { toggle: true });
  assert.deepEqual(s.selected, ["b", "d"]);
  s = clickSelect(s, 1, at, { toggle: true });
  assert.deepEqual(s, { selected: ["d"], anchor: 1 });
});

test("shift-click selects the range from the anchor, either way", () => {
  const s = clickSelect(none, 3, at);
  assert.deepEqual(clickSelect(s, 1, at, { shift: true }).selected, ["b", "c", "d"]);
  assert.deepEqual(clickSelect(s, 4, at, { shift: true }).selected, ["d", "e"]);
});

test("rows not loaded yet are skipped, never invented", () => {
  const sparse = (i) => (i === 2 ? undefined : paths[i]);
  const s = clickSelect(none, 0, sparse);
  assert.deepEqual(clickSelect(s, 3, sparse, { shift: true }).selected, ["a", "b", "d"]);
  assert.equal(clickSelect(s, 2, sparse), s);
});

test("keys move the focus within bounds", () => {
  assert.equal(moveFocus(null, "ArrowDown", 5), 0);
  assert.equal(moveFocus(4, "ArrowDown", 5), 4);
  assert.equal(moveFocus(0, "ArrowUp", 5), 0);
  assert.equal(moveFocus(1, "PageDown", 100, 10), 11);
  assert.equal(moveFocus(50, "Home", 100), 0);
  assert.equal(moveFocus(5, "End", 100), 99);
  assert.equal(moveFocus(3, "x", 100), 3);
});
