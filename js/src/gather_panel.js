// "Gather from all tasks" (or from the tasks selected in the StorageBrowser's table): a
// GatherView shown in a panel over the StorageBrowser's or the ZipExplorer's own view.
// Python holds the child widget in the `gather_view` trait, which
// arrives as "anywidget:<model id>"; anywidget's host (widget composition, anywidget 0.11)
// renders the child's own view into the panel. Close asks Python to drop the child, and
// the trait's change takes the panel away.
import { clear, h } from "./dom.js";

const TASK_ARCHIVES = new Set(["input.zip", "output.zip"]);
let panels = 0;

/** Whether `archive` is a task folder's input.zip or output.zip (its members can be
 * gathered from every task beside it). The same rule as Python's `task_pattern`. */
export function isTaskArchive(archive) {
  if (!archive) return false;
  const parts = archive.split("/");
  return parts.length >= 2 && TASK_ARCHIVES.has(parts[parts.length - 1]);
}

/**
 * @param {import("./lifecycle.js").Scope} parentScope
 * @param {{model: object, host: object | undefined, rpc: object,
 *   onError: (message: string) => void}} options
 */
export function createGatherPanel(parentScope, { model, host, rpc, onError }) {
  const scope = parentScope.child();
  panels += 1;
  const titleId = `iw-gather-panel-${panels}`;
  let shown = null; // the ref on show
  let controller = null; // aborts the child's view
  let returnFocus = null;

  const closeButton = scope.h("button", { class: "iw-button", "aria-label": "Close the gathered view",
    onclick: () => close() }, "Close");
  const note = h("div", { class: "iw-gather-panel-note", role: "status" });
  // "Gathered from all tasks" or "Gathered from 3 selected tasks": Python says which.
  const title = h("h3", { class: "iw-gather-panel-title", id: titleId }, "Gathered from all tasks");
  const renderTitle = () => { title.textContent = model.get("gather_title") || "Gathered from all tasks"; };
  const body = h("div", { class: "iw-gather-panel-body" });
  const el = h("section", { class: "iw-gather-panel", role: "region", "aria-labelledby": titleId, hidden: true },
    h("div", { class: "iw-gather-panel-head" },
      title,
      h("span", { class: "iw-spacer" }), closeButton),
    note, body);
  scope.listen(el, "keydown", (e) => {
    if (e.key === "Escape") { e.stopPropagation(); close(); }
  });

  function detach() {
    if (controller) controller.abort(); // anywidget tears the child's view down
    controller = null;
    clear(body);
  }

  async function sync() {
    const ref = model.get("gather_view") || null;
    if (ref === shown) return;
    detach();
    shown = ref;
    note.textContent = "";
    if (!ref) {
      el.hidden = true;
      if (returnFocus?.isConnected) returnFocus.focus();
      returnFocus = null;
      return;
    }
    if (el.hidden) returnFocus = document.activeElement;
    el.hidden = false;
    closeButton.focus();
    const mine = new AbortController();
    controller = mine;
    try {
      if (!host?.getWidget) {
        throw new Error("Showing the gathered view here needs anywidget 0.11 or later " +
          "(pip install -U anywidget); in Python it is `gather_view`.");
      }
      const child = await host.getWidget(ref);
      if (mine.signal.aborted) return;
      const holder = h("div", { class: "iw-gather-panel-view" });
      body.append(holder);
      await child.render({ el: holder, signal: mine.signal });
    } catch (error) {
      if (!mine.signal.aborted) note.textContent = `Cannot show the gathered view: ${error.message}`;
    }
  }

  function close() {
    rpc.call("close_gather").catch((error) => onError(error.message));
  }

  scope.onModel(model, "change:gather_view", sync);
  scope.onModel(model, "change:gather_title", renderTitle);
  renderTitle();
  scope.add(detach);
  sync();
  return { el, dispose: () => scope.dispose() };
}
