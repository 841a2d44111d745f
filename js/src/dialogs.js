// Modal dialogs inside the widget (role=dialog), with an optional "Show code" box whose
// text Python writes (the view only shows it). Each open dialog has its own scope: closing
// it removes every listener its body added. Modal for real: the rest of the widget is inert
// while one is open, Tab and Shift+Tab wrap inside it, Escape closes it from anywhere in it,
// and the keyboard focus goes back to the control that opened it.
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
  let opener = null;  // the element focused when it opened
  let inert = [];     // the widget's parts made inert meanwhile

  function release() {
    for (const part of inert) part.inert = false;
    inert = [];
  }
  scope.add(release);

  function close() {
    current?.dispose();
    current = null;
    clear(host);
    release();
    const back = opener;
    opener = null;
    // Back to the opener when it can still take the focus (a Delete button disabled by the
    // emptied selection cannot): else the owner's choice (the table).
    if (back?.isConnected && !back.disabled && !back.closest("[inert]")) back.focus();
    else onClose();
  }

  /** @param {DialogSpec} spec */
  function open(spec) {
    if (!current) {
      const active = document.activeElement;
      opener = active && active !== document.body ? active : null;
    }
    current?.dispose();
    clear(host);
    release();
    const dialog = scope.child();
    current = dialog;
    const titleId = `iw-dialog-${newToken()}`;
    const problem = h("div", { class: "iw-error-text", role: "alert" });
    const codeBox = h("pre", { class: "iw-code", hidden: true, role: "group", "aria-label": "Equivalent code" });
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
    const overlay = h("div", { class: "iw-overlay" }, box);
    host.append(overlay);
    inert = [...(host.parentElement?.children || [])].filter((part) => part !== host && !part.inert);
    for (const part of inert) part.inert = true;
    dialog.listen(overlay, "keydown", (e) => {
      if (e.key === "Escape") {
        e.preventDefault();
        e.stopPropagation(); // the notebook must not take it as "command mode"
        close();
      } else if (e.key === "Tab") {
        trapTab(e, box);
      }
    });
    // A click on the dimmed backdrop keeps the focus in the dialog.
    dialog.listen(overlay, "mousedown", (e) => {
      if (e.target === overlay) {
        e.preventDefault();
        confirm.focus();
      }
    });
    confirm.focus(); // until the caller focuses the dialog's first field
    return { box, confirm, problem, codeBox, scope: dialog };
  }

  return { open, close, get isOpen() { return host.firstChild !== null; }, dispose: () => scope.dispose() };
}

/** Tab and Shift+Tab wrap around the dialog's controls. */
function trapTab(e, box) {
  const controls = [...box.querySelectorAll("button, input, select, textarea, a[href], [tabindex]")]
    .filter((c) => !c.disabled && c.tabIndex >= 0 && !c.closest("[hidden]"));
  if (!controls.length) return;
  const first = controls[0];
  const last = controls[controls.length - 1];
  const i = controls.indexOf(document.activeElement);
  if (e.shiftKey && i <= 0) {
    e.preventDefault();
    last.focus();
  } else if (!e.shiftKey && (i === -1 || i === controls.length - 1)) {
    e.preventDefault();
    first.focus();
  }
}

/** A labelled input row for a dialog form. */
export function field(label, input) {
  const id = `iw-field-${newToken()}`;
  input.id = id;
  return [h("label", { for: id }, label), input];
}
