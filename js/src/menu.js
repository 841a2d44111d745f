// A menu button (the WAI-ARIA menu button pattern): the button says it has a menu and
// whether it is open; the menu's items are reached with the arrow keys, Home and End;
// Escape (or a click elsewhere) closes it and the focus goes back to the button.
import { clear, h } from "./dom.js";
import { newToken } from "./rpc.js";

/**
 * One item of a menu.
 * @typedef {object} MenuItem
 * @property {string} label        its accessible name
 * @property {string} text         what it shows
 * @property {string} [title]
 * @property {boolean} [disabled]  shown, focusable, but does nothing (aria-disabled)
 * @property {() => void} onSelect
 */

/**
 * @param {import("./lifecycle.js").Scope} parentScope
 * @param {{button: HTMLButtonElement, host: HTMLElement, label: string, items: () => MenuItem[]}} options
 *   host: the positioned element the menu is placed in, under the button
 */
export function createMenu(parentScope, { button, host, label, items }) {
  const scope = parentScope.child();
  const menu = h("div", { class: "iw-menu", role: "menu", id: `iw-menu-${newToken()}`, "aria-label": label,
    hidden: true });
  host.append(menu);
  scope.add(() => menu.remove());
  button.setAttribute("aria-haspopup", "menu");
  button.setAttribute("aria-expanded", "false");
  button.setAttribute("aria-controls", menu.id);
  let chosen = [];
  let releaseOutside = null;

  const entries = () => [...menu.querySelectorAll("[role=menuitem]")];
  const isOpen = () => !menu.hidden;

  // Under the button, kept inside the host (a button at the right edge opens it leftwards).
  function place() {
    const b = button.getBoundingClientRect();
    const r = host.getBoundingClientRect();
    menu.style.top = `${b.bottom - r.top + 2}px`;
    const left = Math.min(b.left - r.left, host.clientWidth - menu.offsetWidth);
    menu.style.left = `${Math.max(0, left)}px`;
  }

  function open(focusLast = false) {
    chosen = items();
    clear(menu);
    for (const item of chosen) {
      menu.append(h("button", { class: "iw-menu-item", role: "menuitem", tabindex: "-1", type: "button",
        "aria-label": item.label, title: item.title, "aria-disabled": item.disabled ? "true" : undefined }, item.text));
    }
    menu.hidden = false;
    button.setAttribute("aria-expanded", "true");
    place();
    const all = entries();
    (focusLast ? all[all.length - 1] : all[0])?.focus();
    // A press anywhere else closes the menu (and leaves the focus where the press put it).
    releaseOutside = scope.listen(document, "pointerdown", (e) => {
      if (!menu.contains(e.target) && !button.contains(e.target)) close(false);
    }, true);
  }

  /** Close; with `restore`, the focus goes back to the button. */
  function close(restore = true) {
    if (!isOpen()) return;
    releaseOutside?.();
    releaseOutside = null;
    const hadFocus = menu.contains(document.activeElement);
    menu.hidden = true;
    clear(menu);
    button.setAttribute("aria-expanded", "false");
    if (restore && hadFocus) button.focus();
  }

  function choose(index) {
    const item = chosen[index];
    if (!item || item.disabled) return;
    close();
    item.onSelect();
  }

  scope.listen(button, "click", () => (isOpen() ? close() : open()));
  scope.listen(button, "keydown", (e) => {
    if (e.key === "ArrowDown" || e.key === "ArrowUp") {
      e.preventDefault();
      open(e.key === "ArrowUp");
    }
  });
  scope.listen(menu, "click", (e) => {
    const item = e.target.closest("[role=menuitem]");
    if (item) choose(entries().indexOf(item));
  });
  scope.listen(menu, "keydown", (e) => {
    const all = entries();
    const at = all.indexOf(document.activeElement);
    const go = (i) => all[(i + all.length) % all.length]?.focus();
    if (e.key === "ArrowDown") go(at + 1);
    else if (e.key === "ArrowUp") go(at - 1);
    else if (e.key === "Home") go(0);
    else if (e.key === "End") go(all.length - 1);
    else if (e.key === "Escape") close();
    else if (e.key === "Enter" || e.key === " ") choose(at);
    else if (e.key === "Tab") {
      // The focus moves on from the button, as if the menu had not been there.
      close();
      return;
    } else return;
    e.preventDefault();
    e.stopPropagation(); // Escape here is the menu's, not a dialog's or the notebook's
  });

  return { el: menu, open, close, get isOpen() { return isOpen(); }, dispose: () => scope.dispose() };
}
