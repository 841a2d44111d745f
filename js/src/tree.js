// The folder tree: children fetched when a node is opened; .zip archives open too.
import { h, clear } from "./dom.js";
import { icon } from "./icons.js";


export function createTree({ rpc, onOpen, onError }) {
  const el = h("ul", { class: "iw-tree", role: "tree", "aria-label": "Folders" });
  const expanded = new Set(["/"]);
  let activePath = "/";

  function nodeItem(node, level) {
    const item = h("li", {
      role: "treeitem",
      "aria-expanded": "false",
      "aria-level": level,
      "aria-selected": node.path === activePath ? "true" : "false",
      "data-path": node.path,
      tabindex: "-1",
    });
    const toggle = h("button", {
      class: "iw-tree-toggle", "aria-label": `Expand ${node.name}`, tabindex: "-1",
      onclick: (e) => { e.stopPropagation(); toggleNode(item, node, level); },
    }, "▸");
    const label = h("span", { class: "iw-tree-label", title: node.path },
      icon(node.kind),
      node.name);
    const row = h("div", { class: "iw-tree-row", style: { paddingLeft: `${(level - 1) * 14}px` },
      onclick: () => { setActive(node.path); onOpen(node.path); } }, toggle, label);
    item.append(row);
    item.addEventListener("keydown", (e) => onKey(e, item, node, level));
    return item;
  }

  async function loadChildren(item, node, level) {
    const list = h("ul", { role: "group" }, h("li", { class: "iw-muted", role: "none" }, "Loading…"));
    item.append(list);
    try {
      const reply = await rpc.call("children", { path: node.path });
      clear(list);
      if (!reply.nodes.length) list.append(h("li", { class: "iw-muted", role: "none" }, "(no folders)"));
      for (const child of reply.nodes) list.append(nodeItem(child, level + 1));
      if (reply.truncated) list.append(h("li", { class: "iw-muted", role: "none" }, "… more in the table"));
    } catch (error) {
      clear(list);
      list.append(h("li", { class: "iw-error", role: "none" }, error.message));
      onError(error);
    }
  }

  async function toggleNode(item, node, level) {
    const open = item.getAttribute("aria-expanded") === "true";
    const toggle = item.querySelector(":scope > .iw-tree-row > .iw-tree-toggle");
    if (open) {
      item.setAttribute("aria-expanded", "false");
      toggle.textContent = "▸";
      toggle.setAttribute("aria-label", `Expand ${node.name}`);
      item.querySelector(":scope > ul")?.remove();
      expanded.delete(node.path);
      return;
    }
    item.setAttribute("aria-expanded", "true");
    toggle.textContent = "▾";
    toggle.setAttribute("aria-label", `Collapse ${node.name}`);
    expanded.add(node.path);
    await loadChildren(item, node, level);
  }

  function onKey(e, item, node, level) {
    const items = [...el.querySelectorAll("[role=treeitem]")];
    const i = items.indexOf(item);
    const open = item.getAttribute("aria-expanded") === "true";
    let target = null;
    if (e.key === "ArrowDown") target = items[i + 1];
    else if (e.key === "ArrowUp") target = items[i - 1];
    else if (e.key === "ArrowRight" && !open) toggleNode(item, node, level);
    else if (e.key === "ArrowLeft" && open) toggleNode(item, node, level);
    else if (e.key === "Enter") { setActive(node.path); onOpen(node.path); }
    else return;
    e.preventDefault();
    e.stopPropagation();
    if (target) { item.tabIndex = -1; target.tabIndex = 0; target.focus(); }
  }

  function setActive(path) {
    activePath = path;
    for (const item of el.querySelectorAll("[role=treeitem]")) {
      item.setAttribute("aria-selected", item.dataset.path === path ? "true" : "false");
    }
  }

  async function refresh() {
    clear(el);
    const root = nodeItem({ name: "Storage", path: "/", kind: "root" }, 1);
    root.tabIndex = 0;
    el.append(root);
    await toggleNode(root, { name: "Storage", path: "/" }, 1);
  }

  return { el, refresh, setActive };
}
