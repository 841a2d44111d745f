// A virtual grid: only the visible rows exist in the page, whatever the folder's size;
// rows come from a source that fetches their pages on demand.
import { h, clear } from "./dom.js";

export function createTable({ columns, label, rowHeight = 28, handlers }) {
  const headCells = new Map();
  const head = h("div", { class: "iw-grid-head", role: "row", "aria-rowindex": "1" },
    columns.map((col) => {
      const cell = h("div", { class: `iw-cell iw-col-${col.key}`, role: "columnheader",
        "aria-sort": "none" });
      if (col.sortKey) {
        cell.append(h("button", { class: "iw-sort", "aria-label": `Sort by ${col.label}`,
          onclick: () => handlers.onSort(col.sortKey) }, col.label, h("span", { class: "iw-sort-mark" })));
      } else {
        cell.append(col.label);
      }
      headCells.set(col.sortKey || col.key, cell);
      return cell;
    }));
  const spacer = h("div", { class: "iw-grid-spacer" });
  const empty = h("div", { class: "iw-grid-empty", role: "status" });
  const body = h("div", { class: "iw-grid-body", role: "rowgroup" }, spacer, empty);
  const el = h("div", { class: "iw-grid", role: "grid", "aria-label": label,
    "aria-multiselectable": "true", "aria-rowcount": "1" }, head, body);
  el.style.setProperty("--iw-cols", columns.map((c) => c.width || "1fr").join(" "));

  let source = null;
  let focused = null;
  let frame = null;

  function total() {
    return source ? (source.total() ?? 0) : 0;
  }

  function rowElement(row, index) {
    const selected = handlers.isSelected(row);
    const el = h("div", {
      class: `iw-row${selected ? " iw-selected" : ""}${index === focused ? " iw-focused" : ""}`,
      role: "row",
      "aria-rowindex": index + 2,
      "aria-selected": selected ? "true" : "false",
      "data-index": index,
      "data-path": row.path,
      tabindex: index === focused ? "0" : "-1",
      style: { top: `${index * rowHeight}px`, height: `${rowHeight}px` },
      onclick: (e) => handlers.onClick(index, row, { shift: e.shiftKey, toggle: e.ctrlKey || e.metaKey }),
      ondblclick: () => handlers.onActivate(index, row),
    }, columns.map((col) => h("div", { class: `iw-cell iw-col-${col.key}`, role: "gridcell",
      title: col.title ? col.title(row) : undefined }, col.cell(row))));
    return el;
  }

  function placeholder(index) {
    return h("div", { class: "iw-row iw-loading", role: "row", "aria-rowindex": index + 2,
      style: { top: `${index * rowHeight}px`, height: `${rowHeight}px` } },
      h("div", { class: "iw-cell", role: "gridcell" }, "…"));
  }

  function render() {
    frame = null;
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
    if (frame === null) frame = requestAnimationFrame(render);
  }

  body.addEventListener("scroll", schedule, { passive: true });
  body.addEventListener("keydown", (e) => handlers.onKey(e, focused));

  return {
    el,
    body,
    render,
    schedule,
    setSource(next) {
      source = next;
      focused = null;
      body.scrollTop = 0;
      render();
    },
    setSort(key, order) {
      for (const [k, cell] of headCells) {
        const active = k === key;
        cell.setAttribute("aria-sort", active ? (order === "asc" ? "ascending" : "descending") : "none");
        const mark = cell.querySelector(".iw-sort-mark");
        if (mark) mark.textContent = active ? (order === "asc" ? " ▲" : " ▼") : "";
      }
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
  };
}
