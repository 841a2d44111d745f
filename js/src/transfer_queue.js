// TransferQueue view: the transfers panel on its own.
import { createRpc } from "./rpc.js";
import { createTransfersPanel } from "./transfers_panel.js";
import { h } from "./dom.js";

function render({ model, el }) {
  const rpc = createRpc(model);
  const alertBox = h("div", { class: "iw-alert", role: "alert", hidden: true });
  const fail = (error) => { alertBox.hidden = false; alertBox.textContent = error.message; };
  const codeBox = h("pre", { class: "iw-code", hidden: true, "aria-label": "Equivalent code" });
  const panel = createTransfersPanel({
    onCancel: (t) => rpc.call("cancel", { id: t.id }).catch(fail),
    onRetry: (t) => rpc.call("retry", { id: t.id }).catch(fail),
    onClear: () => rpc.call("clear_finished").catch(fail),
    onCode: (t) => { codeBox.hidden = false; codeBox.textContent = t.code; },
  });
  const root = h("div", { class: "iw-queue" }, alertBox, panel.el, codeBox);
  el.append(root);
  const update = () => {
    const transfers = model.get("transfers") || [];
    panel.update(transfers);
    panel.el.hidden = false;
  };
  model.on("change:transfers", update);
  update();
  return () => { rpc.dispose(); model.off("change:transfers", update); };
}

export default { render };
