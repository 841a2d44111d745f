// The one alert of every view: a role=alert line, with a dismiss button unless the owner
// clears it itself; `show("")` hides it.
import { clear, h } from "./dom.js";

/**
 * @param {import("./lifecycle.js").Scope} scope
 * @param {{className?: string, dismissible?: boolean}} [options]
 */
export function createAlert(scope, { className = "iw-alert", dismissible = true } = {}) {
  const el = h("div", { class: className, role: "alert", hidden: true });
  scope.listen(el, "click", (e) => {
    if (e.target.closest("[data-dismiss]")) show("");
  });

  function show(message) {
    el.hidden = !message;
    clear(el);
    if (!message) return;
    el.append(h("span", {}, message));
    if (dismissible) {
      el.append(h("button", { class: "iw-link", "aria-label": "Dismiss message", "data-dismiss": "" }, "✕"));
    }
  }

  return { el, show };
}
