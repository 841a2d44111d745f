// Modal dialogs inside the widget (role=dialog), with an optional "Show code" box.
import { h, clear } from "./dom.js";
import { newToken } from "./rpc.js";

export function createDialogs(host, { onError, onClose }) {
  function close() {
    clear(host);
    onClose();
  }

  /**
   * @param {{title: string, body: Node[], confirmLabel: string,
   *          onConfirm: () => Promise<void|boolean>, danger?: boolean,
   *          code?: () => string}} spec  onConfirm may return false to keep the dialog open
   */
  function open(spec) {
    clear(host);
    const titleId = `iw-dialog-${newToken()}`;
    const problem = h("div", { class: "iw-error-text", role: "alert" });
    const codeBox = h("pre", { class: "iw-code", hidden: true, "aria-label": "Equivalent code" });
    const confirm = h("button", {
      class: `iw-button ${spec.danger ? "iw-danger" : "iw-primary"}`,
      "aria-label": spec.confirmLabel,
      onclick: async () => {
        confirm.disabled = true;
        problem.textContent = "";
        try {
          const keep = await spec.onConfirm();
          if (keep === false) confirm.disabled = false;
          else close();
        } catch (error) {
          confirm.disabled = false;
          problem.textContent = error.message;
          onError(error);
        }
      },
    }, spec.confirmLabel);
    const buttons = [h("button", { class: "iw-button", "aria-label": "Cancel", onclick: close }, "Cancel")];
    if (spec.code) {
      buttons.unshift(h("button", { class: "iw-button", "aria-label": "Show code", onclick: () => {
        codeBox.hidden = !codeBox.hidden;
        codeBox.textContent = spec.code();
      } }, "Show code"));
    }
    const box = h("div", { class: "iw-dialog", role: "dialog", "aria-modal": "true", "aria-labelledby": titleId },
      h("h3", { id: titleId }, spec.title), ...spec.body, problem, codeBox,
      h("div", { class: "iw-dialog-buttons" }, ...buttons, confirm));
    host.append(h("div", { class: "iw-overlay" }, box));
    return { box, confirm, problem, codeBox };
  }

  return { open, close, get isOpen() { return host.firstChild !== null; } };
}

/** A labelled input row for a dialog form. */
export function field(label, input) {
  const id = `iw-field-${newToken()}`;
  input.id = id;
  return [h("label", { for: id }, label), input];
}
