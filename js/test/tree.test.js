// The one tree component, in the two set-ups the views use.
import { test } from "node:test";
import assert from "node:assert/strict";
import { settle, window } from "./support/dom.js";

const { Scope } = await import("../src/lifecycle.js");
const { createTree } = await import("../src/tree.js");
const document = window.document;

const FILES = { "": ["a/", "b.txt"], a: ["a/c/", "a/d.txt"], "a/c": [] };

function setUp(branchAction, opened) {
  const scope = new Scope();
  const tree = createTree(scope, {
    label: "Files", className: "t", rowClass: "t-row", toggle: branchAction === "open" ? "button" : "caret",
    toggleClass: "t-mark", mutedClass: "t-muted", emptyText: "(empty)", indent: () => "0px",
    isBranch: (node) => node.path.endsWith("/") || !node.path.includes("."),
    branchAction,
    loadChildren: async (node) => ({ nodes: FILES[node ? node.path : ""].map((p) => {
      const path = p.replace(/\/$/, "");
      return { path, name: path.split("/").pop() };
    }) }),
    renderRow: (node) => [node.name],
    onOpen: (node) => opened.push(node.path),
  });
  document.body.append(tree.el);
  return { scope, tree };
}

const item = (tree, path) => tree.el.querySelector(`[role=treeitem][data-path='${path}']`);
const key = (el, k) => el.dispatchEvent(new window.KeyboardEvent("keydown", { key: k, bubbles: true }));

test("keys follow the ARIA tree pattern; a toggle tree opens branches with Enter", async () => {
  const opened = [];
  const { scope, tree } = setUp("toggle", opened);
  await tree.load();
  const a = item(tree, "a");
  assert.equal(a.tabIndex, 0);
  key(a, "ArrowRight");
  await settle(5);
  assert.equal(a.getAttribute("aria-expanded"), "true");
  assert.ok(item(tree, "a/d.txt"));
  key(a, "ArrowRight"); // open: to the first child
  assert.equal(document.activeElement, item(tree, "a/c"));
  key(item(tree, "a/c"), "Enter"); // a branch: toggles
  await settle(5);
  assert.equal(item(tree, "a/c").getAttribute("aria-expanded"), "true");
  assert.match(item(tree, "a/c").textContent, /\(empty\)/);
  key(item(tree, "a/d.txt"), "Enter"); // a leaf: opened and selected
  assert.deepEqual(opened, ["a/d.txt"]);
  assert.equal(item(tree, "a/d.txt").getAttribute("aria-selected"), "true");
  key(item(tree, "a/d.txt"), "ArrowLeft"); // to the parent
  assert.equal(document.activeElement, a);
  key(a, "ArrowLeft"); // collapse
  assert.equal(a.getAttribute("aria-expanded"), "false");
  assert.equal(item(tree, "a/d.txt"), null);
  scope.dispose();
});

test("an open tree opens branches on click, toggles them with its mark, names each item once", async () => {
  const opened = [];
  const { scope, tree } = setUp("open", opened);
  await tree.load();
  const a = item(tree, "a");
  assert.equal(a.getAttribute("aria-label"), "a"); // not "Expand a a"
  assert.equal(a.querySelector("button"), null);
  a.querySelector(".t-row").click();
  assert.deepEqual(opened, ["a"]);
  assert.equal(a.getAttribute("aria-selected"), "true");
  const mark = a.querySelector("[data-toggle]");
  assert.equal(mark.getAttribute("aria-hidden"), "true");
  mark.click();
  await settle(5);
  assert.equal(a.getAttribute("aria-expanded"), "true");
  assert.deepEqual(opened, ["a"]); // the mark did not open it
  assert.ok(await tree.reveal(["a", "a/c"], "a/c"));
  scope.dispose();
});

test("the tree follows the view: ancestors open, the item selected and made the tab stop", async () => {
  const opened = [];
  const { scope, tree } = setUp("open", opened);
  await tree.load();
  await tree.follow(["a"], "a/c");
  const c = item(tree, "a/c");
  assert.equal(c.getAttribute("aria-selected"), "true");
  assert.equal(c.tabIndex, 0);
  assert.equal(tree.el.querySelectorAll("[tabindex='0']").length, 1);
  assert.deepEqual(opened, []); // following opens nothing in the view
  // Collapsing the branch that holds the tab stop hands it to the branch.
  key(item(tree, "a"), "ArrowLeft");
  assert.equal(item(tree, "a").getAttribute("aria-expanded"), "false");
  assert.equal(item(tree, "a").tabIndex, 0);
  scope.dispose();
});
