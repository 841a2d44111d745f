// ZipExplorer view: the members of one remote ZIP archive as a tree | a preview of one member.
// The tree is the shared tree component; sizes and compression methods are the replies'.
import { h, scrollIntoBox } from "./dom.js";
import { icon } from "./icons.js";
import { Scope } from "./lifecycle.js";
import { keepKeysInWidget } from "./keys.js";
import { createRpc } from "./rpc.js";
import { createAlert } from "./alert.js";
import { createTree } from "./tree.js";
import { exactBytes, formatBytes } from "./format.js";
import { createMemberPreview } from "./member_preview.js";
import { createGatherPanel } from "./gather_panel.js";

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

const folderNode = (f, path = f.path, name = f.name) => ({ kind: "folder", path, name,
  size: f.size, compressed_size: f.compressed_size, count: f.count });
const memberNode = (m) => ({ kind: "member", path: m.name, name: baseName(m.name),
  size: m.size, compressed_size: m.compressed_size, method: m.method });

/** The folders above a member, outermost first: "a/b/c.txt" -> ["a", "a/b"]. */
function ancestors(name) {
  const parts = name.split("/").slice(0, -1);
  return parts.map((_, i) => parts.slice(0, i + 1).join("/"));
}

let described = 0;

/** A row's size, compressed size and method (or file count) columns. */
function details(node, item) {
  described += 1;
  const id = `iw-zx-d${described}-${Math.random().toString(36).slice(2, 7)}`;
  const method = node.kind === "member" ? node.method || "" : "";
  const cells = h("span", { class: "iw-zx-details", id },
    h("span", { class: "iw-zx-col-size", title: exactBytes(node.size) }, formatBytes(node.size)),
    h("span", { class: "iw-zx-col-size iw-zx-col-packed", title: exactBytes(node.compressed_size) },
      formatBytes(node.compressed_size)),
    h("span", { class: `iw-zx-col-method iw-zx-method-${method.replace(/[^a-z0-9]+/gi, "-") || "folder"}` },
      method || `${node.count} file${node.count === 1 ? "" : "s"}`));
  item.setAttribute("aria-describedby", id);
  return cells;
}

/** @param {{model: import("./models.js").ZipExplorerModel, el: HTMLElement, host?: object}} view */
function render({ model, el, host }) {
  const scope = new Scope();
  const rpc = createRpc(scope, model, { timeoutMs: 600000 });
  const archive = () => model.get("path");
  let source = null; // {mode: "all", root} or {mode: "folder"}
  let selectedPath = model.get("selected") || "";

  const alert = createAlert(scope, { className: "iw-alert iw-zx-alert" });
  const showError = alert.show;

  // -- header ------------------------------------------------------------------------------------
  const summary = h("span", { class: "iw-zx-summary" });
  const refreshButton = scope.h("button", { class: "iw-button", "aria-label": "Refresh member list",
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
  async function childrenOf(node) {
    const folderPath = node ? node.path : "";
    if (source && source.mode === "all") {
      let at = source.root;
      for (const part of folderPath.split("/").filter(Boolean)) at = at.folders.get(part);
      const { folders, files } = sortedChildren(at);
      return { nodes: [...folders.map((f) => folderNode(f)), ...files.map(memberNode)] };
    }
    const reply = await rpc.call("member_list", { folder: folderPath });
    return { nodes: [...reply.folders.map((f) => folderNode(f, f.name, baseName(f.name))),
      ...reply.members.map(memberNode)] };
  }

  const tree = createTree(scope, {
    label: "Archive members", className: "iw-zx-tree", rowClass: "iw-zx-row", toggle: "caret",
    toggleClass: "iw-zx-caret", mutedClass: "iw-zx-muted", emptyText: "(empty)",
    indent: (level) => `${4 + (level - 1) * 14}px`,
    isBranch: (node) => node.kind === "folder",
    selectable: (node) => node.kind === "member",
    branchAction: "toggle",
    loadChildren: childrenOf,
    itemLabel: (node) => node.name,
    rowTitle: (node) => (node.kind === "member" ? node.path : undefined),
    renderRow: (node, item) => [
      h("span", { class: "iw-zx-col-name" }, icon(node.kind === "folder" ? "member_dir" : "member"),
        h("span", { class: "iw-zx-label" }, node.name)),
      details(node, item)],
    onOpen: (node) => choose(node.path),
    onError: (error) => showError(error.message),
  });
  const columns = h("div", { class: "iw-zx-columns", "aria-hidden": "true" },
    h("span", { class: "iw-zx-col-name" }, "Name"), h("span", { class: "iw-zx-col-size" }, "Size"),
    h("span", { class: "iw-zx-col-size iw-zx-col-packed" }, "Compressed"), h("span", { class: "iw-zx-col-method" }, "Method"));

  function choose(name) {
    selectedPath = name;
    tree.setSelected(name);
    preview.show(archive(), name); // first: the change:selected echo then sees it current
    if (model.get("selected") !== name) {
      model.set("selected", name);
      model.save_changes();
    }
  }

  // -- preview -----------------------------------------------------------------------------------
  const preview = createMemberPreview(scope, {
    rpc,
    downloadFolder: model.get("download_folder") || "./downloads",
    onGather: (_archive, member) => rpc.call("open_gather", { member }),
  });
  const gatherPanel = createGatherPanel(scope, { model, host, rpc, onError: showError });

  // -- layout ------------------------------------------------------------------------------------
  const root = h("div", { class: "iw-zx", style: { height: `${model.get("height")}px` } },
    h("div", { class: "iw-zx-header" },
      icon("zip"), h("strong", { class: "iw-zx-title", title: model.get("path") }, model.get("path")),
      summary, h("span", { class: "iw-spacer" }), refreshButton),
    alert.el,
    h("div", { class: "iw-zx-main" },
      h("div", { class: "iw-zx-tree-pane" }, columns, tree.el),
      h("div", { class: "iw-zx-preview-pane" }, preview.el)),
    gatherPanel.el);
  el.append(root);
  scope.add(() => root.remove());
  keepKeysInWidget(scope, root); // JupyterLab's command-mode keys must not act on the notebook

  async function loadList() {
    tree.message("Reading the member list…");
    let reply;
    try {
      reply = await rpc.call("member_list", {});
    } catch (error) {
      tree.message("No members to show.");
      showError(error.message);
      return;
    }
    source = reply.mode === "all" ? { mode: "all", root: buildMemberTree(reply.members, reply.folders) }
      : { mode: "folder" };
    await tree.load();
    // A lone top folder (artifacts/, sim_dir/) opens by itself, down a chain of lone folders.
    await tree.openLoneBranches();
    if (selectedPath) await selectFromModel();
  }

  async function selectFromModel() {
    const name = model.get("selected") || "";
    if (!name) { selectedPath = ""; tree.setSelected(""); preview.reset(); return; }
    if (name === preview.current()) return;
    selectedPath = name;
    const item = await tree.reveal(ancestors(name), name);
    tree.setSelected(name);
    scrollIntoBox(item); // its own box only: the notebook around it stays put
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
  scope.onModel(model, "change:selected", () => { if (model.get("selected") !== preview.current()) selectFromModel(); });
  for (const name of ["member_count", "archive_size", "error"]) scope.onModel(model, `change:${name}`, renderHeader);
  scope.onModel(model, "change:version", loadList);
  scope.onModel(model, "change:download_folder", () => preview.setDownloadFolder(model.get("download_folder")));
  scope.onModel(model, "change:height", () => { root.style.height = `${model.get("height")}px`; });

  tree.setSelected(selectedPath);
  renderHeader();
  loadList();

  return () => scope.dispose();
}

export default { render };
