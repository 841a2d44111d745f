// ZipExplorer view: the members of one remote ZIP archive as a tree | a preview of one member.
import { h, clear, createAlert } from "./dom.js";
import { icon } from "./icons.js";
import { createRpc } from "./rpc.js";
import { COMPRESSION, exactBytes, formatBytes } from "./format.js";
import { createMemberPreview } from "./member_preview.js";

/** A folder tree from a flat member list: {name, path, folders: Map, files: [], size, ...}. */
export function buildMemberTree(members, folders = []) {
  const root = { name: "", path: "", folders: new Map(), files: [], size: 0, compressed_size: 0, count: 0 };
  function folderAt(path) {
    let node = root;
    let sofar = "";
    for (const part of path.split("/").filter(Boolean)) {
      sofar = sofar ? `${sofar}/${part}` : part;
      if (!node.folders.has(part)) {
        node.folders.set(part, { name: part, path: sofar, folders: new Map(), files: [],
          size: 0, compressed_size: 0, count: 0 });
      }
      node = node.folders.get(part);
    }
    return node;
  }
  for (const f of folders) folderAt(f);
  for (const m of members) {
    const cut = m.name.lastIndexOf("/");
    const parent = cut >= 0 ? m.name.slice(0, cut) : "";
    // Totals on every ancestor, the root included.
    let node = root;
    const add = (n) => { n.size += m.size || 0; n.compressed_size += m.compressed_size || 0; n.count += 1; };
    add(node);
    for (const part of parent.split("/").filter(Boolean)) {
      node = folderAt(node.path ? `${node.path}/${part}` : part);
      add(node);
    }
    node.files.push(m);
  }
  return root;
}

/** A tree node's children in display order: folders, then files, each by name. */
export function sortedChildren(node) {
  const byName = (a, b) => a.name.localeCompare(b.name);
  return {
    folders: [...node.folders.values()].sort(byName),
    files: [...node.files].sort(byName),
  };
}

function baseName(path) {
  const parts = path.split("/");
  return parts[parts.length - 1];
}

function render({ model, el }) {
  const rpc = createRpc(model, { timeoutMs: 600000 });
  const archive = () => model.get("path");
  let source = null; // {mode: "all", root} or {mode: "folder"}
  let selectedPath = model.get("selected") || "";

  const { el: alertBox, show: showError } = createAlert("iw-zx-alert");

  // -- header ------------------------------------------------------------------------------------
  const summary = h("span", { class: "iw-zx-summary" });
  const refreshButton = h("button", { class: "iw-button", "aria-label": "Refresh member list",
    onclick: () => refresh() }, "⟳ Refresh");
  function renderHeader() {
    const count = model.get("member_count");
    const size = model.get("archive_size");
    summary.textContent = `${count.toLocaleString("en-US")} member${count === 1 ? "" : "s"} · ` +
      `${formatBytes(size)} archive`;
    summary.title = exactBytes(size);
    if (model.get("error")) showError(model.get("error"));
  }

  // -- tree --------------------------------------------------------------------------------------
  const tree = h("ul", { class: "iw-zx-tree", role: "tree", "aria-label": "Archive members" });
  const columns = h("div", { class: "iw-zx-columns", "aria-hidden": "true" },
    h("span", { class: "iw-zx-col-name" }, "Name"), h("span", { class: "iw-zx-col-size" }, "Size"),
    h("span", { class: "iw-zx-col-size iw-zx-col-packed" }, "Compressed"), h("span", { class: "iw-zx-col-method" }, "Method"));

  async function childrenOf(folderPath) {
    if (source && source.mode === "all") {
      let node = source.root;
      for (const part of folderPath.split("/").filter(Boolean)) node = node.folders.get(part);
      const { folders, files } = sortedChildren(node);
      return { folders, files };
    }
    const reply = await rpc.call("member_list", { folder: folderPath });
    return { folders: reply.folders.map((f) => ({ ...f, name: baseName(f.name), path: f.name })),
      files: reply.members };
  }

  let described = 0;
  function cells(item, level, sizes) {
    described += 1;
    const id = `iw-zx-d${described}-${Math.random().toString(36).slice(2, 7)}`;
    const method = sizes.compress_type === undefined ? "" :
      COMPRESSION[sizes.compress_type] || String(sizes.compress_type);
    const details = h("span", { class: "iw-zx-details", id },
      h("span", { class: "iw-zx-col-size", title: exactBytes(sizes.size) }, formatBytes(sizes.size)),
      h("span", { class: "iw-zx-col-size iw-zx-col-packed", title: exactBytes(sizes.compressed_size) },
        formatBytes(sizes.compressed_size)),
      h("span", { class: `iw-zx-col-method iw-zx-method-${method || "folder"}` },
        method || `${sizes.count} file${sizes.count === 1 ? "" : "s"}`));
    item.setAttribute("aria-describedby", id);
    return details;
  }

  function folderItem(folder, level) {
    const item = h("li", { role: "treeitem", "aria-expanded": "false", "aria-level": level,
      "aria-label": folder.name, "data-path": folder.path, "data-kind": "folder", tabindex: "-1" });
    const row = h("div", { class: "iw-zx-row", style: { paddingLeft: `${4 + (level - 1) * 14}px` } },
      h("span", { class: "iw-zx-caret", "aria-hidden": "true" }, "▸"),
      h("span", { class: "iw-zx-col-name" }, icon("member_dir"), h("span", { class: "iw-zx-label" }, folder.name)),
      cells(item, level, folder));
    row.addEventListener("click", () => { focusItem(item); toggle(item); });
    item.append(row);
    item._folder = folder;
    item._level = level;
    return item;
  }

  function fileItem(member, level) {
    const item = h("li", { role: "treeitem", "aria-level": level, "aria-label": baseName(member.name),
      "aria-selected": member.name === selectedPath ? "true" : "false",
      "data-path": member.name, "data-kind": "member", tabindex: "-1" });
    const row = h("div", { class: "iw-zx-row", title: member.name,
      style: { paddingLeft: `${4 + (level - 1) * 14}px` } },
      h("span", { class: "iw-zx-caret", "aria-hidden": "true" }, ""),
      h("span", { class: "iw-zx-col-name" }, icon("member"), h("span", { class: "iw-zx-label" }, baseName(member.name))),
      cells(item, level, member));
    row.addEventListener("click", () => { focusItem(item); choose(member.name); });
    item.append(row);
    item._level = level;
    return item;
  }

  async function fill(list, folderPath, level) {
    clear(list);
    list.append(h("li", { role: "none", class: "iw-zx-muted" }, "Loading…"));
    try {
      const { folders, files } = await childrenOf(folderPath);
      clear(list);
      for (const f of folders) list.append(folderItem(f, level));
      for (const m of files) list.append(fileItem(m, level));
      if (!folders.length && !files.length) list.append(h("li", { role: "none", class: "iw-zx-muted" }, "(empty)"));
    } catch (error) {
      clear(list);
      list.append(h("li", { role: "none", class: "iw-zx-muted" }, error.message));
      showError(error.message);
    }
  }

  async function expand(item) {
    if (item.getAttribute("aria-expanded") === "true") return;
    item.setAttribute("aria-expanded", "true");
    item.querySelector(":scope > .iw-zx-row > .iw-zx-caret").textContent = "▾";
    const group = h("ul", { role: "group" });
    item.append(group);
    await fill(group, item._folder.path, item._level + 1);
  }

  function collapse(item) {
    item.setAttribute("aria-expanded", "false");
    item.querySelector(":scope > .iw-zx-row > .iw-zx-caret").textContent = "▸";
    item.querySelector(":scope > ul")?.remove();
  }

  function toggle(item) {
    if (item.getAttribute("aria-expanded") === "true") collapse(item);
    else expand(item);
  }

  function visibleItems() {
    return [...tree.querySelectorAll("[role=treeitem]")]; // collapsed groups are removed
  }

  function focusItem(item) {
    for (const other of tree.querySelectorAll("[role=treeitem][tabindex='0']")) other.tabIndex = -1;
    item.tabIndex = 0;
    item.focus({ preventScroll: false });
  }

  tree.addEventListener("keydown", (e) => {
    const item = e.target.closest("[role=treeitem]");
    if (!item) return;
    const items = visibleItems();
    const i = items.indexOf(item);
    const isFolder = item.dataset.kind === "folder";
    const open = item.getAttribute("aria-expanded") === "true";
    let target = null;
    if (e.key === "ArrowDown") target = items[i + 1];
    else if (e.key === "ArrowUp") target = items[i - 1];
    else if (e.key === "Home") target = items[0];
    else if (e.key === "End") target = items[items.length - 1];
    else if (e.key === "ArrowRight" && isFolder) {
      if (!open) expand(item); else target = items[i + 1];
    } else if (e.key === "ArrowLeft") {
      if (isFolder && open) collapse(item);
      else target = item.parentElement?.closest("[role=treeitem]");
    } else if (e.key === "Enter" || e.key === " ") {
      if (isFolder) toggle(item); else choose(item.dataset.path);
    } else return;
    e.preventDefault();
    e.stopPropagation();
    if (target) focusItem(target);
  });

  function markSelected() {
    for (const item of tree.querySelectorAll("[role=treeitem][data-kind=member]")) {
      item.setAttribute("aria-selected", item.dataset.path === selectedPath ? "true" : "false");
    }
  }

  function choose(name) {
    selectedPath = name;
    markSelected();
    preview.show(archive(), name); // first: the change:selected echo then sees it current
    if (model.get("selected") !== name) {
      model.set("selected", name);
      model.save_changes();
    }
  }

  /** Open the folders above `name` so its item exists, and return it. */
  async function reveal(name) {
    const parts = name.split("/");
    let sofar = "";
    for (const part of parts.slice(0, -1)) {
      sofar = sofar ? `${sofar}/${part}` : part;
      const folder = [...tree.querySelectorAll("[role=treeitem][data-kind=folder]")]
        .find((i) => i.dataset.path === sofar);
      if (!folder) return null;
      await expand(folder);
    }
    return [...tree.querySelectorAll("[role=treeitem][data-kind=member]")]
      .find((i) => i.dataset.path === name) || null;
  }

  // -- preview -----------------------------------------------------------------------------------
  const preview = createMemberPreview({
    rpc,
    downloadFolder: model.get("download_folder") || "./downloads",
  });

  // -- layout ------------------------------------------------------------------------------------
  const root = h("div", { class: "iw-zx", style: { height: `${model.get("height")}px` } },
    h("div", { class: "iw-zx-header" },
      icon("zip"), h("strong", { class: "iw-zx-title", title: model.get("path") }, model.get("path")),
      summary, h("span", { class: "iw-spacer" }), refreshButton),
    alertBox,
    h("div", { class: "iw-zx-main" },
      h("div", { class: "iw-zx-tree-pane" }, columns, tree),
      h("div", { class: "iw-zx-preview-pane" }, preview.el)));
  el.append(root);

  async function loadList() {
    clear(tree);
    tree.append(h("li", { role: "none", class: "iw-zx-muted" }, "Reading the member list…"));
    let reply;
    try {
      reply = await rpc.call("member_list", {});
    } catch (error) {
      clear(tree);
      tree.append(h("li", { role: "none", class: "iw-zx-muted" }, "No members to show."));
      showError(error.message);
      return;
    }
    source = reply.mode === "all" ? { mode: "all", root: buildMemberTree(reply.members, reply.folders) }
      : { mode: "folder" };
    clear(tree);
    await fill(tree, "", 1);
    // A lone top folder (artifacts/, sim_dir/) opens by itself, down a chain of lone folders.
    let items = [...tree.children].filter((i) => i.getAttribute("role") === "treeitem");
    while (items.length === 1 && items[0].dataset.kind === "folder") {
      await expand(items[0]);
      items = [...items[0].querySelector(":scope > ul").children].filter((i) => i.getAttribute("role") === "treeitem");
    }
    const first = tree.querySelector("[role=treeitem]");
    if (first) first.tabIndex = 0;
    if (selectedPath) await selectFromModel();
  }

  async function selectFromModel() {
    const name = model.get("selected") || "";
    if (!name) { selectedPath = ""; markSelected(); preview.reset(); return; }
    if (name === preview.current()) return;
    selectedPath = name;
    const item = await reveal(name);
    markSelected();
    if (item) item.scrollIntoView({ block: "nearest" });
    preview.show(archive(), name);
  }

  async function refresh() {
    showError("");
    try {
      await rpc.call("reload");
    } catch (error) {
      showError(error.message);
      return;
    }
    await loadList();
  }

  // -- model events ------------------------------------------------------------------------------
  const onSelected = () => { if (model.get("selected") !== preview.current()) selectFromModel(); };
  const onHeader = () => renderHeader();
  const onVersion = () => loadList();
  const onFolder = () => preview.setDownloadFolder(model.get("download_folder"));
  const onHeight = () => { root.style.height = `${model.get("height")}px`; };
  model.on("change:selected", onSelected);
  for (const name of ["member_count", "archive_size", "error"]) model.on(`change:${name}`, onHeader);
  model.on("change:version", onVersion);
  model.on("change:download_folder", onFolder);
  model.on("change:height", onHeight);

  renderHeader();
  loadList();

  return () => {
    rpc.dispose();
    model.off("change:selected", onSelected);
    for (const name of ["member_count", "archive_size", "error"]) model.off(`change:${name}`, onHeader);
    model.off("change:version", onVersion);
    model.off("change:download_folder", onFolder);
    model.off("change:height", onHeight);
  };
}

export default { render };
