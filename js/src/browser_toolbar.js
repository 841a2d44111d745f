// The StorageBrowser's three bars: the header (usage, folder sizes, region), the toolbar
// (up, breadcrumbs, filter, search, refresh) and the action bar (buttons on the selection,
// the status line). It owns their elements and listeners; what a control does is the view's.
// The breadcrumbs (crumb_bar.js) and the action bar (action_bar.js) fit themselves to
// their width, folding what does not fit into a menu.
import { clear, h } from "./dom.js";
import { newToken } from "./rpc.js";
import { exactBytes, formatBytes, formatCost } from "./format.js";
import { createActionBar } from "./action_bar.js";
import { createCrumbBar } from "./crumb_bar.js";

/**
 * @param {import("./lifecycle.js").Scope} parentScope
 * @param {{model: import("./models.js").StorageBrowserModel, on: {
 *   region: (value: string) => void, sizes: (on: boolean) => void, up: () => void,
 *   crumb: (path: string) => void, filter: (text: string) => void, search: (query: string) => void,
 *   refresh: () => void, action: (name: string) => void, error: (message: string) => void}}} options
 */
export function createToolbar(parentScope, { model, on }) {
  const scope = parentScope.child();

  // -- header ------------------------------------------------------------------------------
  const usage = h("span", { class: "iw-usage", role: "note", "aria-label": "Storage used and monthly cost" });
  const regionSelect = scope.h("select", { class: "iw-select", "aria-label": "Region",
    onchange: () => on.region(regionSelect.value) });
  const sizesToggle = scope.h("input", { type: "checkbox", id: `iw-sizes-${newToken()}`,
    "aria-label": "Show folder sizes and costs", onchange: () => on.sizes(sizesToggle.checked) });
  sizesToggle.checked = model.get("folder_sizes");
  const header = h("div", { class: "iw-header" },
    h("strong", { class: "iw-title" }, "Inductiva storage"), usage,
    h("span", { class: "iw-spacer" }),
    h("label", { class: "iw-check" }, sizesToggle, "Folder sizes"), regionSelect);

  function renderHeader() {
    usage.textContent = `${formatBytes(model.get("storage_used"))} used · ` +
      `${formatCost(model.get("monthly_cost"), model.get("currency"))} / month`;
    usage.title = exactBytes(model.get("storage_used"));
    const current = model.get("region");
    clear(regionSelect);
    regionSelect.append(h("option", { value: "" }, "Default region"));
    for (const r of model.get("regions") || []) regionSelect.append(h("option", { value: r }, r));
    regionSelect.append(h("option", { value: "all" }, "All regions"));
    regionSelect.value = current;
    const problem = model.get("error");
    if (problem) on.error(problem);
  }

  // -- toolbar ------------------------------------------------------------------------------
  const upButton = scope.h("button", { class: "iw-button", "aria-label": "Up one folder", title: "Up (Backspace)",
    onclick: () => on.up() }, "↑");
  let cancelFilter = null;
  const filterBox = scope.h("input", { class: "iw-input", type: "search", placeholder: "Filter this folder (/)",
    "aria-label": "Filter this folder", oninput: () => {
      cancelFilter?.();
      cancelFilter = scope.timeout(() => on.filter(filterBox.value.trim()), 200);
    } });
  const searchBox = scope.h("input", { class: "iw-input", type: "search", placeholder: "Search all subfolders",
    "aria-label": "Search all subfolders by name",
    onkeydown: (e) => { if (e.key === "Enter") on.search(searchBox.value.trim()); } });
  // In a folder or an archive, a search looks beneath it ("Here") or through all storage;
  // at the root the two are one, so the choice is hidden there.
  const scopeSelect = scope.h("select", { class: "iw-select iw-search-scope", "aria-label": "Search scope",
    title: "Where to search" },
  h("option", { value: "here" }, "Here"), h("option", { value: "all" }, "All storage"));
  // Simulation results live inside task archives: searched too unless this is unchecked.
  const archivesToggle = scope.h("input", { type: "checkbox", checked: true,
    "aria-label": "Look inside archives when searching" });
  const archivesLabel = h("label", { class: "iw-check iw-search-archives",
    title: "Search the members of .zip archives too (only their lists of members are read)" },
  archivesToggle, h("span", { class: "iw-long" }, "Look inside archives"), h("span", { class: "iw-short" }, "In archives"));
  // Two groups that wrap as wholes: the folder (Up, breadcrumbs that shrink first, Refresh:
  // never alone on a line), then the finders.
  const toolbar = h("div", { class: "iw-toolbar" });
  const crumbBar = createCrumbBar(scope, { menuHost: toolbar, onCrumb: (path) => on.crumb(path) });
  toolbar.append(h("div", { class: "iw-toolbar-path" }, upButton, crumbBar.el,
    scope.h("button", { class: "iw-button iw-refresh", "aria-label": "Refresh", title: "Refresh", onclick: () => on.refresh() },
      "⟳", h("span", { class: "iw-long" }, " Refresh"))),
  h("div", { class: "iw-toolbar-find" }, filterBox, searchBox, scopeSelect,
    scope.h("button", { class: "iw-button", "aria-label": "Search", onclick: () => on.search(searchBox.value.trim()) }, "Search"),
    archivesLabel));

  function renderCrumbs(path) {
    // The scope select first: it takes room from the breadcrumbs, which are measured next.
    upButton.disabled = path === "/";
    scopeSelect.hidden = path === "/";
    crumbBar.render(path);
  }

  // -- actions ------------------------------------------------------------------------------
  const actionBar = createActionBar(scope, { onAction: (name) => on.action(name) });

  return {
    header,
    toolbar,
    actions: actionBar.el,
    renderHeader,
    renderCrumbs,
    renderSelection: actionBar.renderSelection,
    status: actionBar.status,
    focusFilter() { filterBox.focus(); },
    /** Whether searches look inside archives (the "Look inside archives" toggle). */
    insideArchives: () => archivesToggle.checked,
    /** Where searches look: "here" (the folder or archive on show) or "all" (all storage). */
    searchScope: () => (scopeSelect.hidden ? "here" : scopeSelect.value),
    resetFilter() {
      cancelFilter?.();
      filterBox.value = "";
    },
    dispose: () => scope.dispose(),
  };
}
