// The StorageBrowser's action bar: the buttons on the selection, the selection's count and
// the status line. The bar is one line of buttons whatever its width: the buttons that do
// not fit go, in order from the end, into a "More actions" menu (same names, same actions).
// Its height never changes with the selection, so the table's rows never move under a
// pointer between the two clicks of a double click.
import { h } from "./dom.js";
import { fittingCount } from "./fit.js";
import { createMenu } from "./menu.js";

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
 * @param {{onAction: (name: string) => void}} options
 */
export function createActionBar(parentScope, { onAction }) {
  const scope = parentScope.child();
  const buttons = new Map(ACTIONS.map(([action, label, text, title]) => [action,
    h("button", { class: `iw-button${action === "delete" ? " iw-danger" : ""}`, type: "button", "aria-label": label,
      title, "data-action": action }, text)]));
  const moreButton = h("button", { class: "iw-button iw-more-actions", type: "button", "aria-label": "More actions",
    title: "More actions", hidden: true }, "More ▾");
  const group = h("div", { class: "iw-action-buttons" }, ...buttons.values(), moreButton);
  const selectionInfo = h("span", { class: "iw-selection", "aria-live": "polite" });
  const statusBox = h("div", { class: "iw-status", role: "status", "aria-live": "polite" });
  const el = h("div", { class: "iw-actions" }, group, selectionInfo, statusBox);
  let folded = [];
  const menu = createMenu(scope, { button: moreButton, host: el, label: "More actions",
    items: () => folded.map(([action, label, text, title]) => ({ label, text, title,
      disabled: buttons.get(action).disabled, onSelect: () => onAction(action) })) });
  scope.listen(group, "click", (e) => {
    const button = e.target.closest("[data-action]");
    if (button && !button.disabled) onAction(button.dataset.action);
  });

  /** Show the buttons that fit (measured at their natural widths); fold the rest. */
  function fit() {
    const focused = group.contains(document.activeElement) ? document.activeElement : null;
    menu.close(false);
    for (const button of buttons.values()) button.hidden = false;
    moreButton.hidden = false;
    el.classList.add("iw-measuring");
    const room = group.clientWidth;
    let count = ACTIONS.length;
    if (room > 0) {
      const gap = parseFloat(getComputedStyle(group).columnGap) || 0;
      const width = (b) => b.getBoundingClientRect().width + gap;
      // The last button has no gap after it; "More" is the last when it shows.
      count = fittingCount([...buttons.values()].map(width), room + gap, width(moreButton));
    }
    el.classList.remove("iw-measuring");
    folded = ACTIONS.slice(count);
    ACTIONS.forEach(([action], i) => { buttons.get(action).hidden = i >= count; });
    moreButton.hidden = folded.length === 0;
    // A button that had the focus and was folded hands it to "More actions".
    if (focused?.hidden) moreButton.focus();
  }

  scope.onWidthChange(el, fit);

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
    el,
    fit,
    renderSelection,
    status(message) { statusBox.textContent = message; },
    /** The actions folded into "More actions", by name. */
    folded: () => folded.map(([action]) => action),
    dispose: () => scope.dispose(),
  };
}
