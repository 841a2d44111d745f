// Keys typed in a widget are the widget's. JupyterLab acts on keys that bubble up to the
// document: in command mode plain letters edit the notebook ("B" inserts a cell, "D D"
// deletes one, arrows move the active cell), so a letter typed in a filter box, or an arrow
// pressed in a tree, would also act on the notebook around the widget. Every view's root
// calls `keepKeysInWidget`: keys its own elements handle (or type) stop at the root, after
// those elements' listeners ran and with the browser's default action untouched (the input
// still gets its letter, Tab still moves the focus). The rule is `keyStaysInWidget`.

const TEXT_INPUT_TYPES = new Set(["", "text", "search", "url", "email", "tel", "password", "number",
  "date", "datetime-local", "month", "week", "time"]);

// Ctrl/Cmd chords that edit text (select all, copy, cut, paste, undo, redo, word moves and
// deletes): in a text field they are the field's. JupyterLab binds some of them in command
// mode (Accel A selects every cell, Ctrl Backspace merges cells, Ctrl Shift arrows move one).
const EDITING_CHORDS = new Set(["a", "c", "v", "x", "z", "y", "arrowleft", "arrowright", "arrowup",
  "arrowdown", "home", "end", "backspace", "delete"]);

/** Whether `el` takes typed text: a text-like input, a textarea, a select (type-ahead) or
 * an editable element. */
export function isTextEntry(el) {
  if (!el || el.nodeType !== 1) return false;
  const tag = el.tagName;
  if (tag === "TEXTAREA" || tag === "SELECT") return !el.disabled;
  if (tag === "INPUT") return !el.disabled && TEXT_INPUT_TYPES.has((el.getAttribute("type") || "").toLowerCase());
  return el.isContentEditable === true;
}

/**
 * Whether a keydown in a widget stays there (true) or goes on to JupyterLab (false).
 *
 * - Plain keys and Shift+key (letters, digits, arrows, Space, Enter, Escape, Tab…) stay:
 *   the widget's controls use them, and in command mode JupyterLab would edit the notebook.
 * - Shift/Ctrl/Cmd/Alt+Enter go on to JupyterLab (run the cell) from a button, a row or
 *   any control that is not a text field; in a text field they are the field's.
 * - Ctrl/Cmd chords go on (save, the command palette, undo in the notebook…), except the
 *   text-editing ones in a text field, which stay with the field.
 * - Alt (Option on a Mac) types characters in a text field: it stays there, and goes on
 *   elsewhere. AltGr (reported as Ctrl+Alt on Windows) types characters too.
 * - Keys an input method is composing always stay.
 *
 * @param {{key: string, ctrlKey?: boolean, metaKey?: boolean, altKey?: boolean,
 *   shiftKey?: boolean, isComposing?: boolean, getModifierState?: (k: string) => boolean}} e
 * @param {Element | null} target  the focused element the key was typed in
 * @returns {boolean}
 */
export function keyStaysInWidget(e, target) {
  if (e.isComposing || e.key === "Process") return true;
  const text = isTextEntry(target);
  const accel = e.ctrlKey || e.metaKey;
  const altGraph = (e.ctrlKey && e.altKey) || !!e.getModifierState?.("AltGraph");
  if (e.key === "Enter" && (e.shiftKey || accel || e.altKey)) return text;
  if (text && altGraph) return true;
  if (accel) return text && EDITING_CHORDS.has(String(e.key).toLowerCase());
  if (e.altKey) return text;
  return true;
}

const GUARD = "iwKeys"; // data-iw-keys on a guarded root

/**
 * Keep the keys typed inside `root` from reaching JupyterLab (the rule: `keyStaysInWidget`).
 * A root inside another guarded root (a GatherView shown in the StorageBrowser's gather
 * panel) leaves the stopping to the outer one, so the outer widget's own listeners (the
 * panel's Escape) still see the keys.
 * @param {import("./lifecycle.js").Scope} scope  the view's scope (the listener goes with it)
 * @param {HTMLElement} root  the view's outermost element
 */
export function keepKeysInWidget(scope, root) {
  root.dataset[GUARD] = "";
  scope.add(() => { delete root.dataset[GUARD]; });
  scope.listen(root, "keydown", (e) => {
    if (root.parentElement?.closest("[data-iw-keys]")) return;
    const target = (e.composedPath?.()[0]) || e.target;
    if (keyStaysInWidget(e, target)) e.stopPropagation();
  });
}
