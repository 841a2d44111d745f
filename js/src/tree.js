// The one tree component (an ARIA tree): a branch's children are loaded when it opens, and
// keys follow the WAI-ARIA tree pattern. The StorageBrowser's folder tree and the
// ZipExplorer's member tree are two configurations of it. All its listeners sit on the
// tree element (delegated), so they are few, whatever the number of items.
import { clear, h, scrollIntoBox } from "./dom.js";

/**
 * @typedef {{path: string, name: string, kind?: string}} TreeNode
 * @typedef {object} TreeOptions
 * @property {string} label        the tree's accessible name
 * @property {string} className    class of the tree ("iw-tree")
 * @property {string} rowClass     class of each item's row ("iw-tree-row")
 * @property {string} toggleClass  class of the expand mark
 * @property {"button"|"caret"} toggle  a mark a click toggles ("button") or one that only shows
 *   the state ("caret"); both are hidden from assistive tech, which has aria-expanded and the
 *   arrow keys, so an item's name is read once
 * @property {string} mutedClass   class of the "Loading…" and "(empty)" notes
 * @property {string} [errorClass] class of a failed load's note (default: mutedClass)
 * @property {string} emptyText    note of a branch without children
 * @property {(node: TreeNode) => boolean} isBranch
 * @property {(node: TreeNode|null) => Promise<{nodes: TreeNode[], note?: string}>} loadChildren
 *   children of a node (null: the top level)
 * @property {(node: TreeNode, item: HTMLElement) => Node[]} renderRow  the row after the mark
 * @property {"open"|"toggle"} branchAction  what a click or Enter does to a branch
 * @property {(node: TreeNode) => void} onOpen  a leaf (or, with "open", a branch) chosen
 * @property {(node: TreeNode) => boolean} [selectable]  items carrying aria-selected
 * @property {(level: number) => string} indent  a row's left padding
 * @property {(node: TreeNode) => string|undefined} [itemLabel]  an item's name (default: its name)
 * @property {(node: TreeNode) => string|undefined} [rowTitle]
 * @property {(error: Error) => void} [onError]
 */

/**
 * @param {import("./lifecycle.js").Scope} parentScope
 * @param {TreeOptions} options
 */
export function createTree(parentScope, options) {
  const o = { selectable: () => true, errorClass: options.mutedClass, ...options };
  const scope = parentScope.child();
  const el = h("ul", { class: o.className, role: "tree", "aria-label": o.label });
  const known = new WeakMap(); // item -> {node, level}
  let selectedPath = null;

  function note(text, className = o.mutedClass) {
    return h("li", { class: className, role: "none" }, text);
  }

  function itemFor(node, level) {
    const branch = o.isBranch(node);
    const item = h("li", {
      role: "treeitem",
      "aria-expanded": branch ? "false" : undefined,
      "aria-level": level,
      "aria-selected": o.selectable(node) ? String(node.path === selectedPath) : undefined,
      "aria-label": o.itemLabel?.(node) ?? node.name,
      "data-path": node.path,
      "data-kind": node.kind,
      tabindex: "-1",
    });
    const mark = h("span", { class: o.toggleClass, "aria-hidden": "true",
      "data-toggle": o.toggle === "button" && branch ? "" : undefined }, branch ? "▸" : "");
    item.append(h("div", { class: o.rowClass, title: o.rowTitle?.(node), style: { paddingLeft: o.indent(level) } },
      mark, ...o.renderRow(node, item)));
    known.set(item, { node, level });
    return item;
  }

  async function fill(list, parent, level) {
    clear(list).append(note("Loading…"));
    try {
      const { nodes, note: footer } = await o.loadChildren(parent);
      clear(list);
      for (const node of nodes) list.append(itemFor(node, level));
      if (!nodes.length) list.append(note(o.emptyText));
      if (footer) list.append(note(footer));
    } catch (error) {
      clear(list).append(note(error.message, o.errorClass));
      o.onError?.(error);
    }
  }

  const isOpen = (item) => item.getAttribute("aria-expanded") === "true";
  const markOf = (item) => item.querySelector(`:scope > .${o.rowClass} > .${o.toggleClass}`);

  const filling = new WeakMap(); // item -> its children's load, while and after it runs

  async function expand(item) {
    const entry = known.get(item);
    if (!entry || !item.hasAttribute("aria-expanded")) return;
    if (isOpen(item)) {
      await filling.get(item);
      return;
    }
    item.setAttribute("aria-expanded", "true");
    markOf(item).textContent = "▾";
    const group = h("ul", { role: "group" });
    item.append(group);
    const done = fill(group, entry.node, entry.level + 1);
    filling.set(item, done);
    await done;
  }

  function collapse(item) {
    item.setAttribute("aria-expanded", "false");
    markOf(item).textContent = "▸";
    const group = item.querySelector(":scope > ul");
    if (group?.querySelector("[tabindex='0']")) item.tabIndex = 0; // the tab stop leaves with it
    group?.remove();
  }

  function toggle(item) {
    if (isOpen(item)) collapse(item);
    else expand(item);
  }

  function choose(item) {
    const { node } = known.get(item);
    if (o.isBranch(node) && o.branchAction === "toggle") {
      toggle(item);
      return;
    }
    if (o.selectable(node)) setSelected(node.path);
    o.onOpen(node);
  }

  /** Items now shown (collapsed groups are removed, so these are the visible ones). */
  function items() {
    return [...el.querySelectorAll("[role=treeitem]")];
  }

  function focusItem(item) {
    for (const other of el.querySelectorAll("[role=treeitem][tabindex='0']")) other.tabIndex = -1;
    item.tabIndex = 0;
    item.focus();
  }

  scope.listen(el, "click", (e) => {
    const row = e.target.closest(`.${o.rowClass}`);
    const item = row?.parentElement;
    if (!item || !known.has(item)) return;
    focusItem(item);
    if (e.target.closest("[data-toggle]")) toggle(item);
    else choose(item);
  });

  scope.listen(el, "keydown", (e) => {
    const item = e.target.closest("[role=treeitem]");
    if (!item || !known.has(item)) return;
    const all = items();
    const i = all.indexOf(item);
    const branch = item.hasAttribute("aria-expanded");
    let target = null;
    if (e.key === "ArrowDown") target = all[i + 1];
    else if (e.key === "ArrowUp") target = all[i - 1];
    else if (e.key === "Home") target = all[0];
    else if (e.key === "End") target = all[all.length - 1];
    else if (e.key === "ArrowRight" && branch) {
      if (isOpen(item)) target = all[i + 1];
      else expand(item);
    } else if (e.key === "ArrowLeft") {
      if (branch && isOpen(item)) collapse(item);
      else target = item.parentElement?.closest("[role=treeitem]");
    } else if (e.key === "Enter" || e.key === " ") choose(item);
    else return;
    e.preventDefault();
    e.stopPropagation();
    if (target) focusItem(target);
  });

  /** Mark the item at `path` (and only it) selected; it becomes the tree's tab stop. */
  function setSelected(path) {
    selectedPath = path;
    let chosen = null;
    for (const item of el.querySelectorAll("[role=treeitem][aria-selected]")) {
      item.setAttribute("aria-selected", item.dataset.path === path ? "true" : "false");
      if (item.dataset.path === path) chosen = item;
    }
    if (chosen && !el.contains(document.activeElement)) {
      for (const other of el.querySelectorAll("[role=treeitem][tabindex='0']")) other.tabIndex = -1;
      chosen.tabIndex = 0;
    }
    return chosen;
  }

  const find = (path) => items().find((i) => i.dataset.path === path) || null;

  /** Expand `ancestors` in order and return the item at `path` (or null). */
  async function reveal(ancestors, path) {
    for (const a of ancestors) {
      const item = find(a);
      if (!item) return null;
      await expand(item);
    }
    return find(path);
  }

  return {
    el,
    /** Show only a note ("Reading the member list…"). */
    message(text) {
      clear(el).append(note(text));
    },
    /** (Re)load the top level; the first item takes the keyboard focus stop. */
    async load() {
      await fill(el, null, 1);
      const first = el.querySelector("[role=treeitem]");
      if (first) first.tabIndex = 0;
    },
    /** Expand the item at `path`, if shown. */
    async expand(path) {
      const item = find(path);
      if (item) await expand(item);
    },
    /** Open a chain of lone branches from the top (artifacts/ → sim_dir/ → …). */
    async openLoneBranches() {
      let level = [...el.children].filter((i) => known.has(i));
      while (level.length === 1 && level[0].hasAttribute("aria-expanded")) {
        await expand(level[0]);
        level = [...(level[0].querySelector(":scope > ul")?.children || [])].filter((i) => known.has(i));
      }
    },
    reveal,
    /**
     * Follow the view elsewhere (the table opened a folder or an archive): expand
     * `ancestors`, select the item at `path` and scroll it into view, focus untouched.
     */
    async follow(ancestors, path) {
      selectedPath = path;
      await reveal(ancestors, path);
      if (selectedPath !== path) return; // the view moved on meanwhile
      scrollIntoBox(setSelected(path)?.querySelector(`:scope > .${o.rowClass}`));
    },
    setSelected,
    dispose: () => scope.dispose(),
  };
}
