// The StorageBrowser's three bars: the header (usage, folder sizes, region), the toolbar
// (up, breadcrumbs, filter, search, refresh) and the action bar (buttons on the selection,
// the status line). It owns their elements and listeners; what a control does is the view's.
import { clear, h } from "./dom.js";
import { newToken } from "./rpc.js";
import { crumbs, exactBytes, formatBytes, formatCost } from "./format.js";

/** The action bar's buttons: [action, accessible name, text, title]. */
const ACTIONS = [
  ["download", "Download selected", "Download"],
  ["save", "Save to my computer", "Save to my computer", "Your browser downloads the file directly"],
  ["upload", "Upload", "Upload"],
  ["url", "Upload from URL", "From URL"],
  ["export", "Export selected to S3", "Export…"],
  ["operations", "Export operations", "Operations"],
  ["delete", "Delete selected", "Delete"],
  ["copy", "Copy selected to a folder", "Copy to…"],
  ["copyPath", "Copy path", "Copy path"],
];

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
  const crumbBar = h("nav", { class: "iw-crumbs", "aria-label": "Breadcrumbs" });
  scope.listen(crumbBar, "click", (e) => {
    const crumb = e.target.closest("[data-path]");
    if (crumb) on.crumb(crumb.dataset.path);
  });
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
  const toolbar = h("div", { class: "iw-toolbar" }, h("div", { class: "iw-toolbar-path" }, upButton, crumbBar,
    scope.h("button", { class: "iw-button", "aria-label": "Refresh", title: "Refresh", onclick: () => on.refresh() }, "⟳ Refresh")),
  h("div", { class: "iw-toolbar-find" }, filterBox, searchBox, scopeSelect,
    scope.h("button", { class: "iw-button", "aria-label": "Search", onclick: () => on.search(searchBox.value.trim()) }, "Search"),
    archivesLabel));

  function renderCrumbs(path) {
    clear(crumbBar);
    const parts = crumbs(path);
    parts.forEach((c, i) => {
      if (i) crumbBar.append(h("span", { class: "iw-crumb-sep", "aria-hidden": "true" }, "/"));
      crumbBar.append(h("button", { class: "iw-crumb", "aria-label": `Go to ${c.name}`, title: c.path,
        "aria-current": i === parts.length - 1 ? "location" : undefined, "data-path": c.path }, c.name));
    });
    upButton.disabled = path === "/";
    scopeSelect.hidden = path === "/";
  }

  // -- actions ------------------------------------------------------------------------------
  const buttons = new Map(ACTIONS.map(([action, label, text, title]) => [action,
    h("button", { class: `iw-button${action === "delete" ? " iw-danger" : ""}`, "aria-label": label, title,
      "data-action": action }, text)]));
  const selectionInfo = h("span", { class: "iw-selection", "aria-live": "polite" });
  const statusBox = h("div", { class: "iw-status", role: "status", "aria-live": "polite" });
  // The buttons are one group: narrow, they scroll sideways on one line above the status.
  const actions = h("div", { class: "iw-actions" }, h("div", { class: "iw-action-buttons" }, ...buttons.values()),
    selectionInfo, h("span", { class: "iw-spacer" }), statusBox);
  scope.listen(actions, "click", (e) => {
    const button = e.target.closest("[data-action]");
    if (button && !button.disabled) on.action(button.dataset.action);
  });

  /** @param {{count: number, storedFile: boolean, canUpload: boolean}} s */
  function renderSelection({ count, storedFile, canUpload }) {
    selectionInfo.textContent = count ? `${count} selected` : "";
    for (const name of ["delete", "copy", "copyPath", "download"]) buttons.get(name).disabled = count === 0;
    // .zip archives open like folders but are files: they can be saved and exported.
    buttons.get("save").disabled = !storedFile;
    buttons.get("export").disabled = !storedFile;
    buttons.get("upload").disabled = buttons.get("url").disabled = !canUpload;
  }

  return {
    header,
    toolbar,
    actions,
    renderHeader,
    renderCrumbs,
    renderSelection,
    status(message) { statusBox.textContent = message; },
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
