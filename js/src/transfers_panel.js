// One row per transfer: progress bar, bytes, files, rate, ETA, state, Cancel / Retry / Code.
// Every number comes from the transfer as Python published it (rate and ETA included);
// this only formats. One delegated listener serves every row's buttons.
import { clear, h } from "./dom.js";
import { formatBytes } from "./format.js";

export function formatDuration(seconds) {
  if (seconds === null || seconds === undefined || !Number.isFinite(seconds)) return "";
  if (seconds < 1) return "<1 s";
  if (seconds < 60) return `${Math.round(seconds)} s`;
  const m = Math.floor(seconds / 60);
  if (m < 60) return `${m} min ${Math.round(seconds % 60)} s`;
  return `${Math.floor(m / 60)} h ${m % 60} min`;
}

/**
 * The numbers a row shows, as text: "12 MiB / 40 MiB · 3/10 files · 5 MiB/s · 6 s left".
 * @param {import("./models.js").Transfer} t
 */
export function transferSummary(t) {
  const parts = [];
  parts.push(t.bytes_total !== null && t.bytes_total !== undefined
    ? `${formatBytes(t.bytes_done)} / ${formatBytes(t.bytes_total)}` : formatBytes(t.bytes_done));
  if (t.files_total > 1) parts.push(`${t.files_done}/${t.files_total} files`);
  if (t.state === "running" && t.rate > 0) parts.push(`${formatBytes(t.rate)}/s`);
  const eta = formatDuration(t.eta_s);
  if (t.state === "running" && eta) parts.push(`${eta} left`);
  return parts.join(" · ");
}

export function fraction(t) {
  if (t.state === "done") return 1;
  if (t.bytes_total) return Math.min(1, t.bytes_done / t.bytes_total);
  if (t.files_total) return t.files_done / t.files_total;
  return 0;
}

/**
 * @param {import("./lifecycle.js").Scope} parentScope
 * @param {{onCancel: (t: object) => void, onRetry?: (t: object) => void,
 *   onClear: () => void, onCode?: (t: object) => void}} handlers
 */
export function createTransfersPanel(parentScope, { onCancel, onRetry, onClear, onCode }) {
  const scope = parentScope.child();
  const list = h("ul", { class: "iw-transfers", "aria-label": "Transfers" });
  const clearButton = h("button", { class: "iw-button", "aria-label": "Clear finished transfers",
    "data-action": "clear" }, "Clear finished");
  const el = h("section", { class: "iw-transfers-panel", "aria-label": "Transfer queue" },
    h("div", { class: "iw-transfers-head" }, h("strong", {}, "Transfers"), h("span", { class: "iw-spacer" }), clearButton),
    list);
  let byId = new Map();

  scope.listen(el, "click", (e) => {
    const pressed = e.target.closest("[data-action]");
    if (!pressed) return;
    const t = byId.get(pressed.closest("[data-id]")?.dataset.id);
    const action = pressed.dataset.action;
    if (action === "clear") onClear();
    else if (t && action === "cancel") onCancel(t);
    else if (t && action === "retry") onRetry(t);
    else if (t && action === "code") onCode(t);
  });

  function button(action, label, text) {
    return h("button", { class: "iw-button", "aria-label": label, "data-action": action }, text);
  }

  function row(t) {
    const percent = Math.round(fraction(t) * 100);
    const bar = h("div", { class: "iw-progress", role: "progressbar", "aria-label": `Progress of ${t.label}`,
      "aria-valuemin": "0", "aria-valuemax": "100", "aria-valuenow": String(percent) },
    h("div", { class: `iw-progress-fill iw-state-${t.state}`, style: { width: `${percent}%` } }));
    const buttons = [];
    if (t.state === "running" || t.state === "queued") buttons.push(button("cancel", `Cancel ${t.label}`, "Cancel"));
    if ((t.state === "failed" || t.state === "cancelled") && onRetry && t.retryable !== false) {
      buttons.push(button("retry", `Retry ${t.label}`, "Retry"));
    }
    if (t.code && onCode) buttons.push(button("code", `Show code for ${t.label}`, "Code"));
    return h("li", { class: "iw-transfer", "data-id": t.id, "data-state": t.state },
      h("div", { class: "iw-transfer-line" },
        h("span", { class: "iw-transfer-label", title: t.label }, t.label),
        h("span", { class: `iw-state iw-state-${t.state}` }, t.state === "done" ? "done ✓" : t.state),
        ...buttons),
      bar,
      h("div", { class: "iw-transfer-meta" }, `${percent}% · ${transferSummary(t)}`,
        t.current_file && t.state === "running" ? ` · ${t.current_file}` : ""),
      t.error ? h("div", { class: "iw-error-text", role: "alert" }, t.error) : null);
  }

  return {
    el,
    /** @param {import("./models.js").Transfer[]} transfers */
    update(transfers) {
      byId = new Map(transfers.map((t) => [t.id, t]));
      clear(list);
      el.hidden = transfers.length === 0;
      for (const t of transfers) list.append(row(t));
    },
    dispose: () => scope.dispose(),
  };
}
