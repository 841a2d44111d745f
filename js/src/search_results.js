// Search results in the StorageBrowser: the bar above the table that says how far a search
// has gone ("12 matches · 34 folders, 7 archives searched") with Stop, and the name cell of
// a result found inside an archive (the member, then the archive holding it). The counts
// come from Python's `search` events (`progress`); nothing is counted here but the rows.
import { clear, h, middleEllipsis } from "./dom.js";
import { icon } from "./icons.js";
import { splitMiddle } from "./format.js";

const n = (v) => Number(v || 0).toLocaleString("en-US");
const count = (v, one, many = `${one}s`) => `${n(v)} ${Number(v) === 1 ? one : many}`;

/** Where a search looked, as the bar says it: "all storage" from the root, else the name of
 * the folder or archive it started in. */
export function searchPlace(path) {
  const parts = String(path || "/").split("/").filter(Boolean);
  return parts.length ? parts[parts.length - 1] : "all storage";
}

/**
 * "12 matches · 34 folders, 7 archives searched in all storage · searching…", from the rows
 * shown, a `search` event's `progress` ({folders, archives, archives_failed, truncated,
 * max_results}) and the path searched beneath (when known).
 */
export function searchSummary({ matches, progress = {}, done = false, stopped = false, path }) {
  const p = progress || {};
  const where = [];
  if (p.folders || !p.archives) where.push(count(p.folders, "folder"));
  if (p.archives || p.archives_failed) where.push(count(p.archives, "archive"));
  let text = `${count(matches, "match", "matches")} · ${where.join(", ")} searched`;
  if (path !== undefined) text += ` in ${searchPlace(path)}`;
  if (p.archives_failed) text += ` · ${count(p.archives_failed, "archive")} could not be searched`;
  if (p.truncated) text += ` · the first ${n(p.max_results || matches)} shown`;
  if (stopped) text += " · stopped";
  else if (!done) text += " · searching…";
  return text;
}

/** Hover text naming the archives that could not be searched, and why. */
export function failuresText(progress = {}) {
  const failures = (progress && progress.failures) || [];
  if (!failures.length) return "";
  const lines = failures.map((f) => `${f.archive}: ${f.reason}`);
  const more = progress.archives_failed - failures.length;
  if (more > 0) lines.push(`… and ${n(more)} more`);
  return `Could not be searched:\n${lines.join("\n")}`;
}

/** The name cell of a result inside an archive: its name, then "in <archive>" (which gives
 * way first when the column is narrow); the full path is the hover text. */
export function memberResultCell(row) {
  const where = row.path.slice(0, row.path.length - row.name.length).replace(/\/$/, "");
  return [
    icon(row.kind),
    middleEllipsis(splitMiddle(row.name), { className: "iw-name iw-result-name", title: row.path }),
    h("span", { class: "iw-in-archive", title: `Inside the archive ${row.archive}: ${where}` },
      "in ", middleEllipsis(splitMiddle(row.archive, 10), { className: "iw-in-archive-name" })),
  ];
}

/**
 * The bar shown above the table while search results are on show.
 * @param {import("./lifecycle.js").Scope} parentScope
 * @param {{onStop: () => void, onClose: () => void}} options
 */
export function createSearchBar(parentScope, { onStop, onClose }) {
  const scope = parentScope.child();
  const text = h("span", { class: "iw-search-text", role: "status", "aria-label": "Search progress" });
  const stop = scope.h("button", { class: "iw-button", "aria-label": "Stop searching", onclick: () => onStop() }, "Stop");
  const close = scope.h("button", { class: "iw-button", "aria-label": "Close the search results",
    title: "Back to the folder", onclick: () => onClose() }, "Close results");
  const el = h("div", { class: "iw-search-bar", hidden: true },
    text, h("span", { class: "iw-spacer" }), stop, close);

  return {
    el,
    /** Show where a search stands ({query, matches, progress, done, stopped}). */
    update(state) {
      el.hidden = false;
      text.textContent = `“${state.query}”: ${searchSummary(state)}`;
      // The hover text names the whole path searched; then the archives that failed.
      const hover = [state.path && state.path !== "/" ? `Searched beneath ${state.path}` : "",
        failuresText(state.progress)].filter(Boolean).join("\n");
      if (hover) text.title = hover;
      else text.removeAttribute("title");
      // Screen readers announce the bar once the counts settle, not at every step.
      text.setAttribute("aria-busy", state.done ? "false" : "true");
      stop.hidden = !!state.done;
    },
    hide() {
      el.hidden = true;
      clear(text);
    },
    dispose: () => scope.dispose(),
  };
}
