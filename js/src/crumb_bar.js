// The breadcrumbs, collapsed in the middle when they do not fit: "Storage / … / parent /
// current", where "…" opens a menu of the folders between. The fit is measured again
// whenever the bar's width changes (ResizeObserver) and on every navigation.
import { clear, h } from "./dom.js";
import { crumbs } from "./format.js";
import { hiddenCrumbs } from "./fit.js";
import { createMenu } from "./menu.js";

/**
 * @param {import("./lifecycle.js").Scope} parentScope
 * @param {{menuHost: HTMLElement, onCrumb: (path: string) => void}} options
 *   menuHost: the positioned bar the "…" menu is placed in; its width changes are watched
 */
export function createCrumbBar(parentScope, { menuHost, onCrumb }) {
  const scope = parentScope.child();
  const el = h("nav", { class: "iw-crumbs", "aria-label": "Breadcrumbs" });
  const more = h("button", { class: "iw-crumb iw-crumb-more", type: "button", "aria-label": "Show hidden folders",
    title: "Folders between" }, "…");
  const moreSep = h("span", { class: "iw-crumb-sep", "aria-hidden": "true" }, "/");
  /** @type {{name: string, path: string, button: HTMLElement, sep: HTMLElement|null}[]} */
  let parts = [];
  let hidden = [];
  const menu = createMenu(scope, { button: more, host: menuHost, label: "Hidden folders",
    items: () => hidden.map((i) => ({ label: `Go to ${parts[i].name}`, text: parts[i].name, title: parts[i].path,
      onSelect: () => onCrumb(parts[i].path) })) });
  scope.listen(el, "click", (e) => {
    const crumb = e.target.closest("[data-path]");
    if (crumb) onCrumb(crumb.dataset.path);
  });

  /** Show the crumbs of `path`, collapsed as the bar's width asks. */
  function render(path) {
    const refocus = document.activeElement === more; // a choice from its menu: clear() blurs it
    menu.close(false);
    clear(el);
    const list = crumbs(path);
    parts = list.map((c, i) => ({ ...c,
      sep: i ? h("span", { class: "iw-crumb-sep", "aria-hidden": "true" }, "/") : null,
      button: h("button", { class: "iw-crumb", type: "button", "aria-label": `Go to ${c.name}`, title: c.path,
        "aria-current": i === list.length - 1 ? "location" : undefined, "data-path": c.path }, c.name) }));
    parts.forEach((p, i) => {
      if (p.sep) el.append(p.sep);
      el.append(p.button);
      if (i === 0) el.append(moreSep, more);
    });
    fit(refocus);
  }

  /** Hide the crumbs that do not fit (measured at their natural widths) behind "…". */
  function fit(refocus = document.activeElement === more) {
    menu.close(false);
    hidden = [];
    for (const p of parts) {
      p.button.hidden = false;
      if (p.sep) p.sep.hidden = false;
    }
    moreSep.hidden = more.hidden = false;
    // The path group (Up, the crumbs, Refresh) is measured at its widest share (CSS), then
    // asks for no more than its crumbs need: the finders beside it have the rest.
    const group = el.parentElement;
    group?.style.removeProperty("--iw-path-need");
    el.classList.add("iw-measuring"); // natural widths: nothing shrinks or is cut
    const room = el.clientWidth;
    if (room > 0) {
      const gap = parseFloat(getComputedStyle(el).columnGap) || 0;
      const width = (...els) => els.reduce((sum, e) => sum + e.getBoundingClientRect().width + gap, 0);
      const widths = parts.map((p) => (p.sep ? width(p.sep, p.button) : width(p.button) - gap));
      const moreWidth = width(moreSep, more);
      hidden = hiddenCrumbs(widths, room, moreWidth);
      const need = widths.reduce((sum, w, i) => sum + (hidden.includes(i) ? 0 : w), 0) +
        (hidden.length ? moreWidth : 0);
      const around = group.getBoundingClientRect().width - room; // Up, Refresh and the gaps
      // A few pixels spare: the group gives up a small share when the toolbar is tight
      // (CSS), and a crumb short of even one pixel shows an ellipsis.
      group.style.setProperty("--iw-path-need", `${Math.ceil(need + around + 8)}px`);
    }
    el.classList.remove("iw-measuring");
    for (const i of hidden) parts[i].button.hidden = parts[i].sep.hidden = true;
    moreSep.hidden = more.hidden = hidden.length === 0;
    // The focus stays on "…"; when it went away (a wider bar, a shallower folder) the
    // current folder's crumb takes it, so the focus stays in the breadcrumbs.
    if (refocus) (more.hidden ? parts[parts.length - 1]?.button : more)?.focus();
  }

  // A width change (the sidebar dragged, the notebook resized, the search scope shown)
  // measures again. The bar's, not the crumbs': their own width follows what they show.
  scope.onWidthChange(menuHost, () => fit());

  return {
    el,
    render,
    fit,
    /** The crumbs' names hidden behind "…" (for tests and the status). */
    hiddenNames: () => hidden.map((i) => parts[i].name),
    dispose: () => scope.dispose(),
  };
}
