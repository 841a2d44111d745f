// The StorageBrowser's preview pane: the member preview of the one member selected inside
// an archive, hidden otherwise.
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
  });
  const el = h("aside", { class: "iw-preview-pane", "aria-label": "Member preview pane", hidden: true }, preview.el);
  let shown = null;

  return {
    el,
    /** Preview `member` of `archive`; with no member, hide the pane. */
    show(archive, member) {
      if (!archive || !member) {
        el.hidden = true;
        shown = null;
        return;
      }
      const key = `${archive}\n${member}`;
      if (key === shown) return;
      shown = key;
      el.hidden = false;
      preview.show(archive, member);
    },
    dispose: () => scope.dispose(),
  };
}
