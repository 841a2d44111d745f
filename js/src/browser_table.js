// The StorageBrowser's table: a folder's (or an archive folder's) rows in pages, search
// results, the selection and the grid's keys. Whether a folder is inside an archive, and
// each member's compression method, come from the page replies: nothing is inferred here.
import { h, middleEllipsis } from "./dom.js";
import { icon } from "./icons.js";
import { newToken } from "./rpc.js";
import { PageCache } from "./pager.js";
import { createTable } from "./table.js";
import { memberResultCell } from "./search_results.js";
import { clickSelect, moveFocus } from "./selection.js";
import { exactBytes, exactCost, formatBytes, formatCost, formatDate, splitMiddle } from "./format.js";

const PER_PAGE = 100;
const NAV_KEYS = ["ArrowDown", "ArrowUp", "PageDown", "PageUp", "Home", "End"];

function nameCell(row, searching) {
  if (searching && row.in_archive) return memberResultCell(row);
  const parts = searching ? splitMiddle(row.path, Math.min(20, row.name.length)) : splitMiddle(row.name);
  return [
    icon(row.kind),
    middleEllipsis(parts, { className: "iw-name", title: row.path }),
    row.kind === "task" ? h("span", { class: "iw-badge", title: "A task folder: holds input.zip / output.zip" }, "task") : null,
  ];
}

/**
 * @param {import("./lifecycle.js").Scope} parentScope
 * @param {{rpc: object, model: import("./models.js").StorageBrowserModel,
 *   onSelection: () => void, onActivate: (row: object) => void,
 *   onKey: (e: KeyboardEvent) => void, onArchive: () => void,
 *   onFirstRows: (timing: {firstRowsMs: number, answerMs: number, renderMs: number, total: number}) => void,
 *   status: (message: string) => void, error: (message: string) => void,
 *   onSearch?: (found: object|null) => void}} options  onSearch: where a search stands
 */
export function createBrowserTable(parentScope, o) {
  const scope = parentScope.child();
  const { rpc, model } = o;
  const state = {
    sortBy: "name",
    order: "asc",
    filter: "",
    selection: { selected: model.get("selected") || [], anchor: null },
    source: null,
    searching: null, // {token, query, rows, done, stopped, progress}
    archive: undefined, // the archive the rows are members of; null: none; undefined: not known yet
    rows: new Map(), // path -> row, for rows the view has shown
  };

  // hideBelow: the grid's width (px) under which a column of lesser use leaves.
  const currency = () => model.get("currency");
  const folderColumns = [
    { key: "name", label: "Name", width: "minmax(160px, 3fr)", min: 120, sortKey: "name", cell: (r) => nameCell(r, !!state.searching), title: (r) => r.path },
    { key: "size", label: "Size", width: "88px", min: 64, sortKey: "size", cell: (r) => formatBytes(r.size), title: (r) => exactBytes(r.size) },
    { key: "created", label: "Created", width: "140px", min: 80, hideBelow: 420, sortKey: "creation_time", cell: (r) => formatDate(r.created), title: (r) => r.created || "" },
    { key: "cost", label: "Cost / month", width: "118px", min: 70, hideBelow: 640, cell: (r) => formatCost(r.cost, currency()), title: (r) => (r.cost === null || r.cost === undefined ? "" : exactCost(r.cost, currency())) },
    { key: "provider", label: "Provider", width: "84px", min: 60, hideBelow: 860, cell: (r) => r.provider || "—" },
    { key: "region", label: "Region", width: "112px", min: 60, hideBelow: 760, cell: (r) => r.region || "—" },
  ];
  const memberColumns = [
    folderColumns[0], folderColumns[1],
    { key: "compressed", label: "Compressed", width: "108px", min: 64, hideBelow: 560, cell: (r) => (r.kind === "member" ? formatBytes(r.compressed_size) : "—"), title: (r) => (r.kind === "member" ? exactBytes(r.compressed_size) : "") },
    { key: "method", label: "Method", width: "84px", min: 56, hideBelow: 640, cell: (r) => (r.kind === "member" ? r.method || "—" : "—") },
    folderColumns[2],
  ];

  const pathAt = (i) => state.source.get(i)?.path;
  const table = createTable(scope, {
    columns: folderColumns,
    label: "Folder contents",
    handlers: {
      isSelected: (row) => state.selection.selected.includes(row.path),
      onSort: (key) => {
        if (state.searching) return;
        state.order = state.sortBy === key && state.order === "asc" ? "desc" : "asc";
        state.sortBy = key;
        load(model.get("path"));
      },
      onClick: (index, row, keys) => {
        state.rows.set(row.path, row);
        select(clickSelect(state.selection, index, pathAt, keys));
        table.focusIndex(index);
      },
      onActivate: (index, row) => o.onActivate(row),
      onKey: (e, focused) => onGridKey(e, focused),
    },
  });

  function setArchive(archive) {
    if (archive === state.archive) return;
    state.archive = archive;
    table.setColumns(archive ? memberColumns : folderColumns);
    o.onArchive();
  }

  /** Select `next` ({selected, anchor}) and tell Python. */
  function select(next) {
    state.selection = next;
    model.set("selected", next.selected);
    model.save_changes();
    o.onSelection();
    table.render();
  }

  function folderSource(path) {
    const started = performance.now();
    let answered = null;
    let firstShown = false;
    const cache = new PageCache(
      (page) => rpc.call("page", { path, page, per_page: PER_PAGE, sort_by: state.sortBy,
        order: state.order, filter: state.filter, region: model.get("region") })
        .then((reply) => {
          if (answered === null) answered = performance.now();
          for (const row of reply.rows) state.rows.set(row.path, row);
          if (state.source === source) setArchive(reply.archive ?? null);
          return reply;
        }),
      PER_PAGE,
      () => {
        if (cache.error) o.error(`Cannot list ${path}: ${cache.error.message}`);
        table.schedule();
        if (!firstShown && cache.total !== null) {
          firstShown = true;
          scope.frame(() => {
            const now = performance.now();
            o.onFirstRows({ firstRowsMs: Math.round(now - started), answerMs: Math.round(answered - started),
              renderMs: Math.round(now - answered), total: cache.total });
          });
        }
      });
    const source = {
      total: () => cache.total,
      get: (i) => cache.get(i),
      ensure: (a, b) => cache.ensure(a, b),
      emptyText: state.filter ? "Nothing matches the filter" : "Empty folder",
    };
    return source;
  }

  /** Show the folder (or archive folder) at `path` from its first page. */
  function load(path) {
    state.searching = null;
    state.archive = undefined;
    table.setSort(state.sortBy, state.order);
    state.source = folderSource(path);
    table.setSource(state.source);
  }

  function onGridKey(e, focused) {
    const total = state.source?.total() ?? 0;
    if (NAV_KEYS.includes(e.key)) {
      e.preventDefault();
      const next = moveFocus(focused, e.key, total, 10);
      if (e.shiftKey || !(e.ctrlKey || e.metaKey)) {
        select(clickSelect(state.selection, next, pathAt, { shift: e.shiftKey }));
      }
      table.focusIndex(next);
    } else if (e.key === " " && focused !== null) {
      e.preventDefault();
      select(clickSelect(state.selection, focused, pathAt, { toggle: true }));
    } else if (e.key === "Enter" && focused !== null) {
      e.preventDefault();
      const row = state.source.get(focused);
      if (row) o.onActivate(row);
    } else {
      o.onKey(e);
    }
  }

  // -- search -------------------------------------------------------------------------------
  /** Stop the search in the kernel; its results stay on show. */
  function stopSearch() {
    const found = state.searching;
    if (!found || found.done) return;
    rpc.call("cancel_search", { token: found.token }).catch(() => {});
    Object.assign(found, { done: true, stopped: true });
    state.source.emptyText = "No matches";
    o.onSearch?.(found);
    table.render();
  }

  function cancelSearch() {
    stopSearch();
    state.searching = null;
    o.onSearch?.(null);
  }
  scope.add(cancelSearch);

  async function search(query, path, insideArchives = true, where = "here") {
    cancelSearch();
    const token = newToken();
    const found = { token, query, path: where === "all" ? "/" : path, rows: [], done: false, stopped: false, progress: null };
    state.searching = found;
    state.source = {
      total: () => found.rows.length,
      get: (i) => found.rows[i],
      ensure: () => Promise.resolve(),
      emptyText: "Searching…",
    };
    setArchive(null); // results are storage paths (members' say which archive holds them)
    table.setSource(state.source);
    o.status(`Searching “${query}”…`);
    o.onSearch?.(found);
    try {
      await rpc.call("search", { query, path, token, inside_archives: insideArchives, scope: where });
    } catch (error) {
      o.error(error.message);
    }
  }

  scope.add(rpc.on("search", (msg) => {
    const found = state.searching;
    if (!found || found.token !== msg.token || found.stopped) return;
    found.rows.push(...msg.rows);
    for (const row of msg.rows) state.rows.set(row.path, row);
    found.progress = msg.progress || found.progress;
    if (msg.done) {
      found.done = true;
      state.source.emptyText = "No matches";
      o.status(`${found.rows.length} match${found.rows.length === 1 ? "" : "es"} for “${found.query}”` +
        (found.rows.length >= 1000 ? " (first 1,000)" : ""));
      if (msg.error) o.error(msg.error);
    }
    o.onSearch?.(found);
    table.render();
  }));

  return {
    el: table.el,
    load,
    search,
    stopSearch,
    cancelSearch,
    select,
    /** The selection changed in Python: show it. */
    syncSelection(selected) {
      if (selected.join("\n") === state.selection.selected.join("\n")) return;
      state.selection = { selected, anchor: null };
      o.onSelection();
      table.render();
    },
    setFilter(text) { state.filter = text; },
    selected: () => state.selection.selected,
    row: (path) => state.rows.get(path),
    /** The archive whose members are shown (null: none; undefined: not known yet). */
    get archive() { return state.archive; },
    get searching() { return state.searching !== null; },
    /** Focus the row holding the tab stop (the first after a folder change) once drawn. */
    focus() { table.focusRow(); },
    dispose: () => scope.dispose(),
  };
}
