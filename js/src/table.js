// A virtual grid: only the visible rows exist in the page, whatever the folder's size;
// rows come from a source that fetches their pages on demand. Listeners are delegated to
// the grid's head and body, so re-rendering rows adds none.
// Keyboard: one row is always the grid's tab stop (a roving tabindex kept across re-renders
// and folder changes); columns are resized by dragging, or with the arrow keys on the
// separator at each header's right edge; columns marked `hideBelow` leave a narrow grid.
import { clear, h } from "./dom.js";

const MAX_WIDTH = 900;
const KEY_STEP = 16;

/**
 * @typedef {object} Column
 * @property {string} key
 * @property {string} label
 * @property {string} [width]      a grid track ("90px", "minmax(180px, 3fr)")
 * @property {number} [min]        narrowest width in px (default: the track's first number)
 * @property {number} [hideBelow]  hidden while the grid is narrower than this (px)
 * @property {string} [sortKey]    sortable by this key
 * @property {(row: object) => Node[]|string} cell
 * @property {(row: object) => string} [title]
 * @typedef {object} Source
 * @property {() => number|null} total
 * @property {(i: number) => object|undefined} get
 * @property {(a: number, b: number) => Promise<unknown>} ensure
 * @property {string} emptyText
 */

const minOf = (col) => col.min ?? (Number.parseInt(String(col.width).replace(/^minmax\(/, ""), 10) || 60);

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
  const head = h("div", { class: "iw-grid-head", role: "row", "aria-rowindex": "1" });
  const spacer = h("div", { class: "iw-grid-spacer" });
  // The header row scrolls sideways with the rows and sticks to the top.
  const body = h("div", { class: "iw-grid-body", role: "rowgroup" }, head, spacer);
  const grid = h("div", { class: "iw-grid", role: "grid", "aria-label": label, tabindex: "-1",
    "aria-multiselectable": "true", "aria-rowcount": "1" }, body);
  // The empty-folder note sits beside the grid: a grid may only hold rows.
  const empty = h("div", { class: "iw-grid-empty", role: "status" });
  const el = h("div", { class: "iw-grid-wrap" }, grid, empty);

  let all = columns;     // the columns asked for
  let shown = columns;   // those the width leaves room for
  let boxWidth = 0;
  const widths = new Map(); // column key -> px, once resized
  let source = null;
  let focused = 0;       // the row holding the tab stop
  let wantFocus = false; // focus that row as soon as it is drawn
  let cancelFrame = null;
  let sort = { key: null, order: "asc" };

  function track(col) {
    return widths.has(col.key) ? `${widths.get(col.key)}px` : col.width || "1fr";
  }

  function layout() {
    grid.style.setProperty("--iw-cols", shown.map(track).join(" "));
    const least = shown.reduce((sum, col) => sum + (widths.get(col.key) ?? minOf(col)), 0);
    grid.style.setProperty("--iw-grid-min", `${least}px`);
  }

  function buildHead() {
    clear(head);
    for (const col of shown) {
      const cell = h("div", { class: `iw-cell iw-head-cell iw-col-${col.key}`, role: "columnheader",
        "aria-sort": col.sortKey ? "none" : undefined, "data-key": col.key });
      if (col.sortKey) {
        cell.append(h("button", { class: "iw-sort", "aria-label": `Sort by ${col.label}`, "data-sort": col.sortKey },
          h("span", { class: "iw-head-label" }, col.label), h("span", { class: "iw-sort-mark", "aria-hidden": "true" })));
      } else {
        cell.append(h("span", { class: "iw-head-label" }, col.label));
      }
      cell.append(h("div", { class: "iw-resize", role: "separator", tabindex: "0", "aria-orientation": "vertical",
        "aria-label": `Resize column ${col.label}`, title: "Drag (or use ←/→) to resize",
        "aria-valuemin": String(minOf(col)), "aria-valuemax": String(MAX_WIDTH), "aria-valuenow": String(minOf(col)),
        "data-resize": col.key }));
      head.append(cell);
    }
    layout();
    showSort();
  }

  function showSort() {
    for (const cell of head.children) {
      const button = cell.querySelector("[data-sort]");
      if (!button) continue;
      const active = button.dataset.sort === sort.key;
      cell.setAttribute("aria-sort", active ? (sort.order === "asc" ? "ascending" : "descending") : "none");
      cell.querySelector(".iw-sort-mark").textContent = active ? (sort.order === "asc" ? "▲" : "▼") : "";
    }
  }

  /** The columns for a grid `width` px wide. */
  function fit(width) {
    return width ? all.filter((c) => !c.hideBelow || width >= c.hideBelow) : all;
  }

  function setShown(next) {
    if (next.length === shown.length && next.every((c, i) => c === shown[i])) return false;
    shown = next;
    buildHead();
    return true;
  }
  setShown(fit(0)) || buildHead();

  function total() {
    return source ? (source.total() ?? 0) : 0;
  }

  function rowElement(row, index) {
    const selected = handlers.isSelected(row);
    return h("div", {
      class: `iw-row${selected ? " iw-selected" : ""}`,
      role: "row",
      "aria-rowindex": index + 2,
      "aria-selected": selected ? "true" : "false",
      "data-index": index,
      "data-path": row.path,
      tabindex: index === focused ? "0" : "-1",
      style: { top: `${index * rowHeight}px`, height: `${rowHeight}px` },
    }, shown.map((col) => h("div", { class: `iw-cell iw-col-${col.key}`, role: "gridcell",
      title: col.title ? col.title(row) || undefined : undefined }, col.cell(row))));
  }

  function placeholder(index) {
    return h("div", { class: "iw-row iw-loading", role: "row", "aria-rowindex": index + 2, "data-index": index,
      tabindex: index === focused ? "0" : "-1", style: { top: `${index * rowHeight}px`, height: `${rowHeight}px` } },
    h("div", { class: "iw-cell", role: "gridcell", "aria-label": "Loading" }, "…"));
  }

  function render() {
    cancelFrame?.();
    cancelFrame = null;
    const count = total();
    focused = Math.max(0, Math.min(focused, count - 1));
    grid.setAttribute("aria-rowcount", String(count + 1));
    spacer.style.height = `${count * rowHeight}px`;
    const viewport = Math.max(0, (body.clientHeight || 400) - head.offsetHeight);
    const first = Math.max(0, Math.floor(body.scrollTop / rowHeight) - 5);
    const last = Math.min(count - 1, Math.ceil((body.scrollTop + viewport) / rowHeight) + 5);
    if (source) source.ensure(first, Math.max(first, last));
    const hadFocus = spacer.contains(document.activeElement);
    clear(spacer);
    const indexes = [];
    for (let i = first; i <= last; i += 1) indexes.push(i);
    // The tab stop stays in the page even when scrolled away.
    if (count && (focused < first || focused > last)) indexes.push(focused);
    for (const i of indexes) {
      const row = source.get(i);
      spacer.append(row ? rowElement(row, i) : placeholder(i));
    }
    empty.textContent = source && source.total() === 0 ? source.emptyText || "Empty folder" : "";
    empty.style.top = `${head.offsetHeight + 8}px`;
    if (wantFocus && source && source.total() === 0) {
      wantFocus = false;
      grid.focus({ preventScroll: true });
    } else if ((hadFocus || wantFocus) && count) {
      const target = spacer.querySelector(`[data-index="${focused}"]`);
      if (target && (hadFocus || source.get(focused))) {
        wantFocus = false;
        target.focus({ preventScroll: true });
      }
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

  function scrollTo(index) {
    const top = index * rowHeight;
    const viewport = body.clientHeight - head.offsetHeight;
    if (top < body.scrollTop) body.scrollTop = top;
    else if (top + rowHeight > body.scrollTop + viewport) body.scrollTop = top + rowHeight - viewport;
  }

  // -- column widths ------------------------------------------------------------------------
  function resize(key, px) {
    const col = shown.find((c) => c.key === key);
    if (!col) return;
    const width = Math.round(Math.max(minOf(col), Math.min(MAX_WIDTH, px)));
    widths.set(key, width);
    head.querySelector(`[data-resize="${key}"]`)?.setAttribute("aria-valuenow", String(width));
    layout();
  }
  const cellWidth = (key) => head.querySelector(`[data-key="${key}"]`)?.getBoundingClientRect().width || 0;
  function showWidths() {
    for (const handle of head.querySelectorAll("[data-resize]")) {
      handle.setAttribute("aria-valuenow", String(Math.round(cellWidth(handle.dataset.resize)) || handle.getAttribute("aria-valuemin")));
    }
  }
  let drag = null;
  scope.listen(head, "pointerdown", (e) => {
    const handle = e.target.closest("[data-resize]");
    if (!handle || e.button !== 0) return;
    e.preventDefault();
    handle.setPointerCapture?.(e.pointerId);
    drag = { key: handle.dataset.resize, x: e.clientX, width: cellWidth(handle.dataset.resize) };
  });
  scope.listen(head, "pointermove", (e) => {
    if (drag) resize(drag.key, drag.width + e.clientX - drag.x);
  });
  const endDrag = () => { drag = null; };
  scope.listen(head, "pointerup", endDrag);
  scope.listen(head, "pointercancel", endDrag);
  scope.listen(head, "focusin", (e) => { if (e.target.closest("[data-resize]")) showWidths(); });
  scope.listen(head, "keydown", (e) => {
    const handle = e.target.closest("[data-resize]");
    if (!handle) return;
    const key = handle.dataset.resize;
    const step = e.shiftKey ? KEY_STEP * 4 : KEY_STEP;
    const now = widths.get(key) ?? cellWidth(key);
    const next = { ArrowRight: now + step, ArrowLeft: now - step, Home: 0, End: MAX_WIDTH }[e.key];
    if (next === undefined) return;
    e.preventDefault();
    e.stopPropagation();
    resize(key, next);
  });

  if (typeof ResizeObserver === "function") {
    const observer = new ResizeObserver((entries) => {
      boxWidth = entries[entries.length - 1].contentRect.width;
      if (setShown(fit(boxWidth))) render();
    });
    observer.observe(el);
    scope.add(() => observer.disconnect());
  }

  // -- rows ---------------------------------------------------------------------------------
  scope.listen(head, "click", (e) => {
    const button = e.target.closest("[data-sort]");
    if (button) handlers.onSort(button.dataset.sort);
  });
  scope.listen(body, "scroll", schedule, { passive: true });
  scope.listen(spacer, "keydown", (e) => handlers.onKey(e, total() ? focused : null));
  // A click draws the rows anew, so the browser sends its dblclick to a row no longer in
  // the page (past this listener): the second click of a pair is the double click. It acts
  // on its mouseup, on the row under the pointer then: the rows may have been drawn anew
  // between its mousedown and mouseup too (the preview pane shown or hidden by the first
  // click changes the table's width, hence its columns), and a click whose mousedown row
  // left the page never comes. A click of detail 2 without that mouseup still acts.
  let pairDone = false;
  scope.listen(spacer, "mouseup", (e) => {
    if (e.button !== 0 || e.detail !== 2) return;
    const hit = rowAt(e.target);
    if (!hit) return;
    pairDone = true;
    handlers.onActivate(hit.index, hit.row);
  });
  scope.listen(spacer, "click", (e) => {
    const done = pairDone;
    pairDone = false;
    if (e.detail === 2 && done) return;
    const hit = rowAt(e.target);
    if (!hit) return;
    handlers.onClick(hit.index, hit.row, { shift: e.shiftKey, toggle: e.ctrlKey || e.metaKey });
    if (e.detail === 2) handlers.onActivate(hit.index, hit.row);
  });

  return {
    el,
    grid,
    body,
    render,
    schedule,
    setColumns(next) {
      if (next === all) return;
      all = next;
      if (setShown(fit(boxWidth))) render();
    },
    setSource(next) {
      source = next;
      focused = 0;
      body.scrollTop = 0;
      render();
    },
    setSort(key, order) {
      sort = { key, order };
      showSort();
    },
    get focused() { return total() ? focused : null; },
    /** Move the tab stop to row `index`, scroll it into view and focus it. */
    focusIndex(index) {
      focused = index;
      scrollTo(index);
      wantFocus = true;
      render();
    },
    /** Focus the tab-stop row now, or as soon as it is drawn (the grid if it is empty). */
    focusRow() {
      wantFocus = true;
      render();
    },
    dispose: () => scope.dispose(),
  };
}
