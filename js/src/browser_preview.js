// The StorageBrowser's preview pane: the preview of the one member (inside an archive) or
// stored file selected, hidden otherwise. Both are read by byte range in Python and say
// what they cost.
import { h } from "./dom.js";
import { createMemberPreview } from "./member_preview.js";

/**
 * @param {import("./lifecycle.js").Scope} parentScope
 * @param {{rpc: object, model: import("./models.js").StorageBrowserModel}} options
 */
export function createBrowserPreview(parentScope, { rpc, model }) {
  const scope = parentScope.child();
  const preview = createMemberPreview(scope, {
    rpc,
    downloadFolder: model.get("download_folder"),
    onDownloadFolder: (folder) => { model.set("download_folder", folder); model.save_changes(); },
    onGather: (archive, member) => rpc.call("open_gather", { path: `${archive}/${member}` }),
  });
  const el = h("aside", { class: "iw-preview-pane", "aria-label": "Member preview pane", hidden: true }, preview.el);
  let shown = null;

  function hide() {
    el.hidden = true;
    shown = null;
  }

  function open(key, label, start) {
    if (key === shown) return;
    shown = key;
    el.hidden = false;
    el.setAttribute("aria-label", label);
    start();
  }

  return {
    el,
    /** Preview `member` of `archive`; with no member, hide the pane. */
    show(archive, member) {
      if (!archive || !member) hide();
      else open(`${archive}\n${member}`, "Member preview pane", () => preview.show(archive, member));
    },
    /** Preview the stored file at `path` (not inside an archive); with none, hide the pane. */
    showFile(path) {
      if (!path) hide();
      else open(`\n${path}`, "File preview pane", () => preview.showFile(path));
    },
    dispose: () => scope.dispose(),
  };
}
