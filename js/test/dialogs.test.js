// Dialogs are modal: the rest of the widget is inert, Tab wraps, Escape closes from inside,
// and the focus returns to the opener (or, when it cannot take it, to the owner's choice).
import { test } from "node:test";
import assert from "node:assert/strict";
import { window } from "./support/dom.js";

const { Scope } = await import("../src/lifecycle.js");
const { createDialogs } = await import("../src/dialogs.js");
const { h } = await import("../src/dom.js");
const document = window.document;

function setUp() {
  const scope = new Scope();
  const opener = h("button", {}, "Download");
  const toolbar = h("div", { class: "bar" }, opener);
  const host = h("div", {});
  const root = h("div", {}, toolbar, host);
  document.body.append(root);
  const closed = [];
  const dialogs = createDialogs(scope, host, { onClose: () => closed.push("owner") });
  return { scope, root, toolbar, opener, host, dialogs, closed };
}

const key = (k, shiftKey = false) => document.activeElement.dispatchEvent(
  new window.KeyboardEvent("keydown", { key: k, shiftKey, bubbles: true, cancelable: true }));

function openForm(dialogs) {
  const input = h("input", { type: "text", "aria-label": "Folder" });
  const d = dialogs.open({ title: "Download", body: [input], confirmLabel: "Start", onConfirm: async () => {},
    code: async () => "storage.download(...)" });
  input.focus();
  return { input, ...d };
}

test("Tab wraps inside the dialog, the rest of the widget is inert", () => {
  const { scope, root, toolbar, opener, dialogs } = setUp();
  opener.focus();
  const { input, confirm, box } = openForm(dialogs);
  assert.equal(toolbar.inert, true);
  assert.equal(box.getAttribute("aria-modal"), "true");
  confirm.focus();
  key("Tab"); // the last control: back to the first
  assert.equal(document.activeElement, input);
  key("Tab", true); // the first control, backwards: to the last
  assert.equal(document.activeElement, confirm);
  dialogs.close();
  assert.equal(toolbar.inert, false);
  scope.dispose();
  root.remove();
});

test("Escape closes from any control inside, and the focus returns to the opener", () => {
  const { scope, root, opener, dialogs, closed } = setUp();
  opener.focus();
  const { input } = openForm(dialogs);
  assert.equal(document.activeElement, input);
  key("Escape");
  assert.equal(dialogs.isOpen, false);
  assert.equal(document.activeElement, opener);
  assert.deepEqual(closed, []);
  scope.dispose();
  root.remove();
});

test("an opener that cannot take the focus back hands it to the owner", () => {
  const { scope, root, opener, dialogs, closed } = setUp();
  opener.focus();
  openForm(dialogs);
  opener.disabled = true; // e.g. Delete, once the deleted selection is gone
  dialogs.close();
  assert.deepEqual(closed, ["owner"]);
  scope.dispose();
  root.remove();
});
