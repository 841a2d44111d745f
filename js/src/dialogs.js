// Modal dialogs inside the widget (role=dialog), with an optional "Show code" box whose
// text Python writes (the view only shows it). Each open dialog has its own scope: closing
// it removes every listener its body added.
import { clear, h } from "./dom.js";
import { newToken } from "./rpc.js";

/**
 * @typedef {object} DialogSpec
 * @property {string} title
 * @property {Node[]} body
 * @property {string} confirmLabel
 * @property {() => Promise<void|boolean>} onConfirm  may return false to keep the dialog open
 * @property {boolean} [danger]
 * @property {() => Promise<string>} [code]  the equivalent Python, asked when "Show code" opens
 * @property {HTMLInputElement[]} [submitOnEnter]  inputs where Enter confirms
 */

/**
 * @param {import("./lifecycle.js").Scope} parentScope
 * @param {HTMLElement} host
 * @param {{onClose: () => void}} options
 */
export function createDialogs(parentScope, host, { onClose }) {
  const scope = parentScope.child();
  let current = null; // the open dialog's scope

  function close() {
    current?.dispose();
    current = null;
    clear(host);
    onClose();
  }

  /** @param {DialogSpec} spec */
  function open(spec) {
    current?.dispose();
    clear(host);
    const dialog = scope.child();
    current = dialog;
    const titleId = `iw-dialog-${newToken()}`;
    const problem = h("div", { class: "iw-error-text", role: "alert" });
    const codeBox = h("pre", { class: "iw-code", hidden: true, "aria-label": "Equivalent code" });
    const confirm = dialog.h("button", {
      class: `iw-button ${spec.danger ? "iw-danger" : "iw-primary"}`,
      "aria-label": spec.confirmLabel,
      onclick: async () => {
        confirm.disabled = true;
        problem.textContent = "";
        try {
          const keep = await spec.onConfirm();
          if (keep === false) confirm.disabled = false;
          else if (current === dialog) close();
        } catch (error) {
          confirm.disabled = false;
          problem.textContent = error.message;
        }
      },
    }, spec.confirmLabel);
    const buttons = [dialog.h("button", { class: "iw-button", "aria-label": "Cancel", onclick: close }, "Cancel")];
    if (spec.code) {
      buttons.unshift(dialog.h("button", { class: "iw-button", "aria-label": "Show code", onclick: async () => {
        codeBox.hidden = !codeBox.hidden;
        if (codeBox.hidden) return;
        codeBox.textContent = "…";
        try {
          codeBox.textContent = await spec.code();
        } catch (error) {
          codeBox.textContent = "";
          problem.textContent = error.message;
        }
      } }, "Show code"));
    }
    for (const input of spec.submitOnEnter || []) {
      dialog.listen(input, "keydown", (e) => { if (e.key === "Enter") confirm.click(); });
    }
    const box = h("div", { class: "iw-dialog", role: "dialog", "aria-modal": "true", "aria-labelledby": titleId },
      h("h3", { id: titleId }, spec.title), ...spec.body, problem, codeBox,
      h("div", { class: "iw-dialog-buttons" }, ...buttons, confirm));
    host.append(h("div", { class: "iw-overlay" }, box));
    return { box, confirm, problem, codeBox, scope: dialog };
  }

  return { open, close, get isOpen() { return host.firstChild !== null; }, dispose: () => scope.dispose() };
}

/** A labelled input row for a dialog form. */
export function field(label, input) {
  const id = `iw-field-${newToken()}`;
  input.id = id;
  return [h("label", { for: id }, label), input];
}
