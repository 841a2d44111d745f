// StorageBrowser view: the components put together. Each one (toolbar, tree, table,
// preview, transfers, dialogs) owns its elements and listeners in a child of the view's
// scope; the teardown anywidget calls disposes the lot.
import { h, middleEllipsis } from "./dom.js";
import { icon } from "./icons.js";
import { Scope } from "./lifecycle.js";
import { keepKeysInWidget } from "./keys.js";
import { createRpc } from "./rpc.js";
import { createAlert } from "./alert.js";
import { createTree } from "./tree.js";
import { crumbs, parentPath, splitMiddle } from "./format.js";
import { createToolbar } from "./browser_toolbar.js";
import { createBrowserTable } from "./browser_table.js";
import { createBrowserPreview } from "./browser_preview.js";
import { createSearchBar } from "./search_results.js";
import { createTransfersPanel } from "./transfers_panel.js";
import { createBrowserUploads } from "./browser_uploads.js";
import { createDialogs } from "./dialogs.js";
import { createBrowserActions } from "./browser_actions.js";
import { createGatherPanel } from "./gather_panel.js";

/** The folder tree: folders and .zip archives (which open like folders), from `children`. */
function folderTree(scope, { rpc, onOpen, onError }) {
  const root = { name: "Storage", path: "/", kind: "root" };
  return createTree(scope, {
    label: "Folders", className: "iw-tree", rowClass: "iw-tree-row", toggle: "button",
    toggleClass: "iw-tree-toggle", mutedClass: "iw-muted", errorClass: "iw-error", emptyText: "(no folders)",
    indent: (level) => `${(level - 1) * 14}px`,
    isBranch: () => true,
    branchAction: "open",
    loadChildren: async (node) => {
      if (!node) return { nodes: [root] };
      const reply = await rpc.call("children", { path: node.path });
      return { nodes: reply.nodes, note: reply.truncated ? "… more in the table" : undefined };
    },
    renderRow: (node) => [icon(node.kind), middleEllipsis(splitMiddle(node.name), { className: "iw-tree-label", title: node.path })],
    onOpen: (node) => onOpen(node.path),
    onError,
  });
}

/** @param {{model: import("./models.js").StorageBrowserModel, el: HTMLElement, host?: object}} view */
function render({ model, el, host }) {
  const scope = new Scope();
  const rpc = createRpc(scope, model);
  const alert = createAlert(scope);
  const showError = alert.show;
  const save = (name, value) => { model.set(name, value); model.save_changes(); };

  const toolbar = createToolbar(scope, { model, on: {
    region: (value) => { save("region", value); reload(); },
    sizes: (on) => { save("folder_sizes", on); reload(); },
    up: () => goUp(),
    crumb: (path) => navigate(path),
    filter: (text) => { table.setFilter(text); reload(); },
    search: (query) => startSearch(query),
    refresh: () => refresh(),
    action: (name) => ACTIONS[name](),
    error: showError,
  } });
  const status = toolbar.status;

  const table = createBrowserTable(scope, {
    rpc, model, status, error: showError,
    onSelection: () => renderSelection(),
    onArchive: () => renderSelection(),
    onSearch: (found) => (found ? searchBar.update({ ...found, matches: found.rows.length }) : searchBar.hide()),
    onActivate: (row) => activate(row),
    onKey: (e) => {
      if (e.key === "Backspace") { e.preventDefault(); goUp(); }
      if (e.key === "Delete") { e.preventDefault(); actions.askDelete(); }
    },
    onFirstRows: ({ firstRowsMs, answerMs, renderMs, total }) => {
      // Measured for the benchmarks: the kernel's answer, then painting the rows.
      Object.assign(root.dataset, { firstRowsMs, answerMs, renderMs });
      status(`${total.toLocaleString("en-US")} item${total === 1 ? "" : "s"}`);
    },
  });
  const tree = folderTree(scope, { rpc, onOpen: (path) => navigate(path), onError: (e) => showError(e.message) });
  // The tree follows the table: the folder or archive on show is revealed and highlighted.
  const followTree = (path) => tree.follow(["/", ...crumbs(path).slice(1, -1).map((c) => c.path)], path);
  const refreshTree = () => tree.load().then(() => followTree(model.get("path")));
  const preview = createBrowserPreview(scope, { rpc, model });
  const gatherPanel = createGatherPanel(scope, { model, host, rpc, onError: showError });
  const searchBar = createSearchBar(scope, { onStop: () => table.stopSearch(), onClose: () => startSearch("") });

  const uploads = createBrowserUploads({ rpc });
  const transfers = createTransfersPanel(scope, {
    onCancel: (t) => uploads.abort(t.id) || rpc.call("cancel_transfer", { id: t.id }).catch((e) => showError(e.message)),
    onRetry: (t) => rpc.call("retry_transfer", { id: t.id }).catch((e) => showError(e.message)),
    onClear: () => rpc.call("clear_transfers").catch((e) => showError(e.message)),
    onCode: (t) => status(t.code.split("\n").pop()),
  });
  function renderTransfers() {
    const list = model.get("transfers") || [];
    uploads.sync(list);
    transfers.update(list);
  }

  const dialogHost = h("div", { class: "iw-dialog-host" });
  const dialogs = createDialogs(scope, dialogHost, { onClose: () => table.focus() });
  const root = h("div", { class: "iw-browser", style: { height: `${model.get("height")}px` } },
    toolbar.header, toolbar.toolbar, toolbar.actions, alert.el, searchBar.el,
    h("div", { class: "iw-main" }, h("div", { class: "iw-tree-pane" }, tree.el),
      h("div", { class: "iw-table-holder" }, table.el), preview.el),
    transfers.el, gatherPanel.el, dialogHost);
  el.append(root);
  scope.add(() => root.remove());

  const actions = createBrowserActions(scope, { rpc, dialogs, uploads, host: {
    el: root,
    selected: () => table.selected(),
    folder: () => model.get("path"),
    downloadFolder: () => model.get("download_folder"),
    clearSelection: () => table.select({ selected: [], anchor: null }),
    changed: () => { reload(); refreshTree(); rpc.call("reload").catch(() => {}); },
    error: showError,
    status,
  } });
  const ACTIONS = {
    download: actions.askDownload, save: actions.saveToComputer, upload: actions.askUpload,
    url: actions.askUploadFromUrl, export: actions.askExport, operations: actions.showOperations,
    delete: actions.askDelete, copy: actions.askCopy, copyPath: actions.copyPaths,
  };

  // -- the whole browser: dropped files, "/" and Escape -----------------------------------------
  const canUpload = () => table.archive === null && model.get("path") !== "/";
  scope.listen(root, "dragover", (e) => {
    if (!e.dataTransfer?.types?.includes("Files")) return;
    e.preventDefault();
    root.classList.add("iw-drop-target");
  });
  scope.listen(root, "dragleave", (e) => {
    if (e.target === root) root.classList.remove("iw-drop-target");
  });
  scope.listen(root, "drop", (e) => {
    root.classList.remove("iw-drop-target");
    if (!e.dataTransfer?.files?.length || dialogs.isOpen) return;
    e.preventDefault();
    if (!canUpload()) {
      showError("Open a folder first: files can be dropped into a folder, not the root or an archive.");
      return;
    }
    actions.uploadFiles(e.dataTransfer.files);
  });
  scope.listen(root, "keydown", (e) => {
    const typing = ["INPUT", "SELECT", "TEXTAREA"].includes(document.activeElement?.tagName);
    if (e.key === "/" && !typing) { e.preventDefault(); toolbar.focusFilter(); }
    if (e.key === "Escape" && dialogs.isOpen) dialogs.close();
  });
  keepKeysInWidget(scope, root); // JupyterLab's command-mode keys must not act on the notebook

  // -- behaviour --------------------------------------------------------------------------------
  function renderSelection() {
    const selected = table.selected();
    const kind = selected.length === 1 ? table.row(selected[0])?.kind : undefined;
    toolbar.renderSelection({ count: selected.length, storedFile: kind === "file" || kind === "zip",
      canUpload: canUpload() });
    const archive = table.archive;
    const row = selected.length === 1 ? table.row(selected[0]) : undefined;
    if (kind === "file") preview.showFile(row.path);
    // A member found by a search says which archive holds it; a listed one is in table.archive.
    else if (kind === "member" && row.archive) preview.show(row.archive, row.member);
    else preview.show(archive, kind === "member" && archive ? selected[0].slice(archive.length + 1) : null);
  }

  function reload() {
    showError("");
    table.load(model.get("path"));
    toolbar.renderCrumbs(model.get("path"));
    renderSelection();
  }

  function navigate(path) {
    const focusWasHere = root.contains(document.activeElement);
    if (table.searching) table.cancelSearch();
    if (path === model.get("path")) reload();
    else {
      toolbar.resetFilter();
      table.setFilter("");
      table.select({ selected: [], anchor: null });
      save("path", path);
      reload();
      followTree(path);
    }
    // The focus stays in the widget: on the first row when its control went away with the
    // old view (a row, a breadcrumb, the Up button disabled at the top); the tree keeps it.
    const now = document.activeElement;
    if (focusWasHere && !tree.el.contains(now) && (!root.contains(now) || now.disabled)) table.focus();
  }

  function goUp() {
    if (model.get("path") !== "/") navigate(parentPath(model.get("path")));
  }

  function activate(row) {
    if (table.searching) {
      navigate(row.is_dir ? row.path : parentPath(row.path));
      if (!row.is_dir) table.select({ selected: [row.path], anchor: null });
    } else if (row.is_dir) {
      navigate(row.path);
    }
  }

  async function refresh() {
    status("Refreshing…");
    try {
      await rpc.call("reload");
    } catch (error) {
      showError(error.message);
    }
    reload();
    refreshTree();
  }

  function startSearch(query) {
    if (!query) {
      table.cancelSearch(); // back to the folder: a search still running stops
      reload();
    }
    else table.search(query, model.get("path"), toolbar.insideArchives(), toolbar.searchScope());
  }

  // -- model events -----------------------------------------------------------------------------
  scope.onModel(model, "change:path", () => {
    if (table.searching) return;
    reload();
    followTree(model.get("path"));
  });
  scope.onModel(model, "change:version", reload);
  scope.onModel(model, "change:selected", () => table.syncSelection(model.get("selected") || []));
  for (const name of ["storage_used", "monthly_cost", "currency", "regions", "error"]) {
    scope.onModel(model, `change:${name}`, toolbar.renderHeader);
  }
  scope.onModel(model, "change:height", () => { root.style.height = `${model.get("height")}px`; });
  scope.onModel(model, "change:transfers", renderTransfers);

  toolbar.renderHeader();
  renderTransfers();
  reload();
  refreshTree();

  return () => scope.dispose();
}

export default { render };
