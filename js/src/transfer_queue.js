// TransferQueue view: the transfers panel on its own.
import { h } from "./dom.js";
import { Scope } from "./lifecycle.js";
import { keepKeysInWidget } from "./keys.js";
import { createRpc } from "./rpc.js";
import { createAlert } from "./alert.js";
import { createTransfersPanel } from "./transfers_panel.js";

/** @param {{model: import("./models.js").TransferQueueModel, el: HTMLElement}} view */
function render({ model, el }) {
  const scope = new Scope();
  const rpc = createRpc(scope, model);
  const alert = createAlert(scope);
  const fail = (error) => alert.show(error.message);
  const codeBox = h("pre", { class: "iw-code", hidden: true, "aria-label": "Equivalent code" });
  const panel = createTransfersPanel(scope, {
    onCancel: (t) => rpc.call("cancel", { id: t.id }).catch(fail),
    onRetry: (t) => rpc.call("retry", { id: t.id }).catch(fail),
    onClear: () => rpc.call("clear_finished").catch(fail),
    onCode: (t) => { codeBox.hidden = false; codeBox.textContent = t.code; },
  });
  const root = h("div", { class: "iw-queue" }, alert.el, panel.el, codeBox);
  el.append(root);
  scope.add(() => root.remove());
  keepKeysInWidget(scope, root); // JupyterLab's command-mode keys must not act on the notebook
  const update = () => {
    panel.update(model.get("transfers") || []);
    panel.el.hidden = false;
  };
  scope.onModel(model, "change:transfers", update);
  update();
  return () => scope.dispose();
}

export default { render };
