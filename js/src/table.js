// A virtual grid: only the visible rows exist in the page, whatever the folder's size;
// rows come from a source that fetches their pages on demand. Listeners are delegated to
// the grid's head and body, so re-rendering rows adds none.
import { clear, h } from "./dom.js";

/**
 * @typedef {object} Column
 * @property {string} key
 * @property {string} label
 * @property {string} [width]
 * @property {string} [sortKey]   sortable by this key
 * @property {(row: object) => Node[]|string} cell
 * @property {(row: object) => string} [title]
 * @typedef {object} Source
 * @property {() => number|null} total
 * @property {(i: number) => object|undefined} get
 * @property {(a: number, b: number) => Promise<unknown>} ensure
 * @property {string} emptyText
 */

/**
 * @param {import("./lifecycle.js").Scope} parentScope
 * @param {{columns: Column[], label: string, rowHeight?: number, handlers: {
 *   isSelected: (row: object) => boolean, onSort: (key: string) => void,
 *   onClick: (index: number, row: object, keys: {shift: boolean, toggle: boolean}) => void,
 *   onActivate: (index: number, row: object) => void,
 *   onKey: (e: KeyboardEvent, focused: number|null) => void}}} options
 */
export function createTable(parentScope, { columns, label, rowHeight = 28, handlers }) {
  const scope = parentScope.child();
  const headCells = new Map();
  const head = h("div", { class: "iw-grid-head", role: "row", "aria-rowindex": "1" });
  const spacer = h("div", { class: "iw-grid-spacer" });
  const empty = h("div", { class: "iw-grid-empty", role: "status" });
  const body = h("div", { class: "iw-grid-body", role: "rowgroup" }, spacer, empty);
  const el = h("div", { class: "iw-grid", role: "grid", "aria-label": label,
    "aria-multiselectable": "true", "aria-rowcount": "1" }, head, body);

  let shown = columns;
  let source = null;
  let focused = null;
  let cancelFrame = null;
  let sort = { key: null, order: "asc" };

  function setColumns(next) {
    shown = next;
    headCells.clear();
    clear(head);
    for (const col of next) {
      const cell = h("div", { class: `iw-cell iw-col-${col.key}`, role: "columnheader", "aria-sort": "none" });
      if (col.sortKey) {
        cell.append(h("button", { class: "iw-sort", "aria-label": `Sort by ${col.label}`, "data-sort": col.sortKey },
          col.label, h("span", { class: "iw-sort-mark" })));
      } else {
        cell.append(col.label);
      }
      headCells.set(col.sortKey || col.key, cell);
      head.append(cell);
    }
    el.style.setProperty("--iw-cols", next.map((c) => c.width || "1fr").join(" "));
    showSort();
  }

  function showSort() {
    for (const [k, cell] of headCells) {
      const active = k === sort.key;
      cell.setAttribute("aria-sort", active ? (sort.order === "asc" ? "ascending" : "descending") : "none");
      const mark = cell.querySelector(".iw-sort-mark");
      if (mark) mark.textContent = active ? (sort.order === "asc" ? " ▲" : " ▼") : "";
    }
  }
  setColumns(columns);

  function total() {
    return source ? (source.total() ?? 0) : 0;
  }

  function rowElement(row, index) {
    const selected = handlers.isSelected(row);
    return h("div", {
      class: `iw-row${selected ? " iw-selected" : ""}${index === focused ? " iw-focused" : ""}`,
      role: "row",
      "aria-rowindex": index + 2,
      "aria-selected": selected ? "true" : "false",
      "data-index": index,
      "data-path": row.path,
      tabindex: index === focused ? "0" : "-1",
      style: { top: `${index * rowHeight}px`, height: `${rowHeight}px` },
    }, shown.map((col) => h("div", { class: `iw-cell iw-col-${col.key}`, role: "gridcell",
      title: col.title ? col.title(row) : undefined }, col.cell(row))));
  }

  function placeholder(index) {
    return h("div", { class: "iw-row iw-loading", role: "row", "aria-rowindex": index + 2,
      style: { top: `${index * rowHeight}px`, height: `${rowHeight}px` } },
    h("div", { class: "iw-cell", role: "gridcell" }, "…"));
  }

  function render() {
    cancelFrame?.();
    cancelFrame = null;
    const count = total();
    el.setAttribute("aria-rowcount", String(count + 1));
    spacer.style.height = `${count * rowHeight}px`;
    const viewport = body.clientHeight || 400;
    const first = Math.max(0, Math.floor(body.scrollTop / rowHeight) - 5);
    const last = Math.min(count - 1, Math.ceil((body.scrollTop + viewport) / rowHeight) + 5);
    if (source) source.ensure(first, Math.max(first, last));
    const hadFocus = el.contains(document.activeElement) && document.activeElement !== body;
    clear(spacer);
    for (let i = first; i <= last; i += 1) {
      const row = source.get(i);
      spacer.append(row ? rowElement(row, i) : placeholder(i));
    }
    empty.textContent = source && source.total() === 0 ? source.emptyText || "Empty folder" : "";
    if (hadFocus && focused !== null) {
      spacer.querySelector(`[data-index="${focused}"]`)?.focus({ preventScroll: true });
    }
  }

  function schedule() {
    if (cancelFrame === null) cancelFrame = scope.frame(render);
  }

  function rowAt(target) {
    const rowEl = target.closest("[data-index]");
    if (!rowEl || !spacer.contains(rowEl)) return null;
    const index = Number(rowEl.dataset.index);
    const row = source?.get(index);
    return row ? { index, row } : null;
  }

  scope.listen(head, "click", (e) => {
    const button = e.target.closest("[data-sort]");
    if (button) handlers.onSort(button.dataset.sort);
  });
  scope.listen(body, "scroll", schedule, { passive: true });
  scope.listen(body, "keydown", (e) => handlers.onKey(e, focused));
  scope.listen(body, "click", (e) => {
    const hit = rowAt(e.target);
    if (!hit) return;
    handlers.onClick(hit.index, hit.row, { shift: e.shiftKey, toggle: e.ctrlKey || e.metaKey });
    // A click draws the rows anew, so the browser sends its dblclick to a row no longer in
    // the page (past this listener): the second click of a pair is the double click.
    if (e.detail === 2) handlers.onActivate(hit.index, hit.row);
  });

  return {
    el,
    body,
    render,
    schedule,
    setColumns(next) {
      if (next === shown) return;
      setColumns(next);
      render();
    },
    setSource(next) {
      source = next;
      focused = null;
      body.scrollTop = 0;
      render();
    },
    setSort(key, order) {
      sort = { key, order };
      showSort();
    },
    get focused() { return focused; },
    focusIndex(index) {
      focused = index;
      const top = index * rowHeight;
      if (top < body.scrollTop) body.scrollTop = top;
      else if (top + rowHeight > body.scrollTop + body.clientHeight) {
        body.scrollTop = top + rowHeight - body.clientHeight;
      }
      render();
      spacer.querySelector(`[data-index="${index}"]`)?.focus({ preventScroll: true });
    },
    dispose: () => scope.dispose(),
  };
}
