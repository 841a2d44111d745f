// What fits in a bar (fit.js) and the menu button of what does not (menu.js): which crumbs
// go behind "…", how many buttons stay beside "More actions", the menu's keys and focus.
import { test } from "node:test";
import assert from "node:assert/strict";
import { window } from "./support/dom.js";

const { hiddenCrumbs, fittingCount } = await import("../src/fit.js");
const { Scope } = await import("../src/lifecycle.js");
const { createMenu } = await import("../src/menu.js");
const { h } = await import("../src/dom.js");
const document = window.document;

test("all crumbs fit: none hidden", () => {
  assert.deepEqual(hiddenCrumbs([60, 80, 90], 230, 30), []);
  assert.deepEqual(hiddenCrumbs([60, 80, 90], 229.6, 30), [], "half a pixel is slack");
});

test("the crumbs after the root go first, the parent last, the root and current never", () => {
  const widths = [60, 100, 100, 100, 80, 90]; // Storage / a / b / c / parent / current
  // 530 in all; with "…" (30) the middle goes one by one until the rest fits.
  assert.deepEqual(hiddenCrumbs(widths, 500, 30), [1]);
  assert.deepEqual(hiddenCrumbs(widths, 360, 30), [1, 2]);
  assert.deepEqual(hiddenCrumbs(widths, 350, 30), [1, 2, 3]);
  assert.deepEqual(hiddenCrumbs(widths, 260, 30), [1, 2, 3], "root / … / parent / current");
  assert.deepEqual(hiddenCrumbs(widths, 200, 30), [1, 2, 3, 4], "the parent too, as a last resort");
  assert.deepEqual(hiddenCrumbs(widths, 10, 30), [1, 2, 3, 4], "never the root nor the current");
  assert.deepEqual(hiddenCrumbs([60, 300], 100, 30), [], "two crumbs: nothing to fold");
});

test("buttons: all when they fit, else as many as fit beside More", () => {
  const widths = [80, 120, 60, 70];
  assert.equal(fittingCount(widths, 330, 50), 4);
  assert.equal(fittingCount(widths, 329, 50), 3, "one short: the last goes, More comes");
  assert.equal(fittingCount(widths, 250, 50), 2);
  assert.equal(fittingCount(widths, 100, 50), 0, "only More");
});

function setUp(names = ["Save", "Upload", "Delete"]) {
  const scope = new Scope();
  const chosen = [];
  const button = h("button", { "aria-label": "More actions" }, "More");
  const host = h("div", {}, button);
  const after = h("button", {}, "after");
  document.body.append(host, after);
  const menu = createMenu(scope, { button, host, label: "More actions",
    items: () => names.map((name, i) => ({ label: `${name} selected`, text: name, disabled: i === 2,
      onSelect: () => chosen.push(name) })) });
  return { scope, button, host, after, menu, chosen, items: () => [...menu.el.querySelectorAll("[role=menuitem]")] };
}

const key = (k) => document.activeElement.dispatchEvent(
  new window.KeyboardEvent("keydown", { key: k, bubbles: true, cancelable: true }));

test("the menu button: aria, arrows wrap, Escape closes and gives the focus back", () => {
  const { scope, button, menu, items } = setUp();
  assert.equal(button.getAttribute("aria-haspopup"), "menu");
  assert.equal(button.getAttribute("aria-expanded"), "false");
  assert.equal(button.getAttribute("aria-controls"), menu.el.id);
  button.focus();
  key("ArrowDown");
  assert.equal(menu.isOpen, true);
  assert.equal(button.getAttribute("aria-expanded"), "true");
  assert.equal(menu.el.getAttribute("role"), "menu");
  assert.deepEqual(items().map((i) => i.getAttribute("aria-label")),
    ["Save selected", "Upload selected", "Delete selected"]);
  assert.equal(document.activeElement, items()[0]);
  key("ArrowUp");
  assert.equal(document.activeElement, items()[2], "ArrowUp from the first wraps to the last");
  key("Home");
  assert.equal(document.activeElement, items()[0]);
  key("End");
  assert.equal(document.activeElement, items()[2]);
  key("Escape");
  assert.equal(menu.isOpen, false);
  assert.equal(button.getAttribute("aria-expanded"), "false");
  assert.equal(document.activeElement, button);
  assert.equal(items().length, 0, "the closed menu holds nothing to tab to");
  scope.dispose();
  assert.equal(menu.el.isConnected, false);
});

test("Enter chooses, a disabled item does nothing, a click elsewhere closes", () => {
  const { scope, button, after, menu, chosen, items } = setUp();
  button.focus();
  key("ArrowDown");
  key("ArrowDown");
  key("Enter");
  assert.deepEqual(chosen, ["Upload"]);
  assert.equal(menu.isOpen, false);
  assert.equal(document.activeElement, button, "the focus is back before the action runs");
  button.click();
  assert.equal(menu.isOpen, true);
  items()[2].click();
  assert.equal(items()[2].getAttribute("aria-disabled"), "true");
  assert.deepEqual(chosen, ["Upload"], "disabled: nothing chosen");
  assert.equal(menu.isOpen, true);
  after.dispatchEvent(new window.PointerEvent("pointerdown", { bubbles: true }));
  assert.equal(menu.isOpen, false);
  scope.dispose();
});
