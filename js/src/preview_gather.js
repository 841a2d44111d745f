// The member preview's gather buttons: "Gather from all tasks" for a member of a task
// archive (`onGather`), and "Gather from the N selected tasks" when the preview reply
// carries `gather_selected` (the StorageBrowser's, for a task among the folders selected
// in its table): the reply holds the `open_gather` call's arguments, {path, tasks}.
import { h } from "./dom.js";
import { isTaskArchive } from "./gather_panel.js";

/** "Gather from the 3 selected tasks". */
export function selectedLabel(n) {
  return `Gather from the ${n} selected task${n === 1 ? "" : "s"}`;
}

/**
 * @param {import("./lifecycle.js").Scope} scope
 * @param {{rpc: object, onGather: ((archive: string, member: string) => Promise<unknown>) | null,
 *   before: () => (() => boolean), onError: (message: string) => void}} options
 *   `before()` runs as a gather starts and answers whether the preview still shows its member.
 */
export function createPreviewGather(scope, { rpc, onGather, before, onError }) {
  let target = null; // {archive, member} shown
  let offer = null; // the reply's `gather_selected`
  let gathering = false;
  // The same member from every task beside this one (`storage.gather`), in a panel.
  const allButton = scope.h("button", { class: "iw-button iw-preview-gather", hidden: true,
    title: "Read this member from every task folder beside this one, as one table",
    onclick: () => gather(null) }, "Gather from all tasks");
  const selectedButton = scope.h("button", { class: "iw-button iw-preview-gather", hidden: true,
    title: "Read this member from the task folders selected in the table, as one table",
    onclick: () => gather(offer) }, "");
  // Side by side, wrapping when narrow (CSS); the row goes when neither is offered.
  const el = h("div", { class: "iw-preview-gathers", hidden: true }, allButton, selectedButton);

  function sync() {
    selectedButton.hidden = !offer;
    if (offer) selectedButton.textContent = selectedLabel(offer.tasks.length);
    el.hidden = allButton.hidden && selectedButton.hidden;
  }

  async function gather(selected) {
    // Not disabled while it opens: the button keeps the focus, which the panel gives back.
    if (!target || (!onGather && !selected) || gathering) return;
    const current = before();
    gathering = true;
    try {
      await (selected ? rpc.call("open_gather", selected) : onGather(target.archive, target.member));
    } catch (error) {
      if (current()) onError(error.message);
    } finally {
      gathering = false;
    }
  }

  return {
    el,
    /** A new member (or a stored file, `archive` null): the selected tasks wait for a reply. */
    start(archive, member) {
      target = archive ? { archive, member } : null;
      offer = null;
      allButton.hidden = !onGather || !archive || !isTaskArchive(archive);
      sync();
    },
    /** A preview reply: it may offer the selected tasks. */
    reply(reply) {
      if (reply.gather_selected) offer = reply.gather_selected;
      sync();
    },
    setBusy(busy) {
      allButton.disabled = busy;
      selectedButton.disabled = busy;
    },
  };
}
