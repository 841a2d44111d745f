// A tiny element builder: h("button", {class: "x", "aria-label": "Refresh"}, "↻").
// Listeners are never attached here: `scope.h(...)` (lifecycle.js) takes `on…` attributes
// and removes them at teardown.

/** Build an element; `listen(el, type, fn)` attaches the `on…` attributes. */
export function build(listen, tag, attrs, children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value === undefined || value === null || value === false) continue;
    if (key.startsWith("on") && typeof value === "function") {
      listen(el, key.slice(2), value);
    } else if (key === "class") {
      el.className = value;
    } else if (key === "text") {
      el.textContent = value;
    } else if (key === "style" && typeof value === "object") {
      Object.assign(el.style, value);
    } else {
      el.setAttribute(key, value === true ? "" : String(value));
    }
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return el;
}

function refuse(el, type) {
  throw new Error(`h(<${el.tagName.toLowerCase()}>, {on${type}}): attach listeners with scope.h()`);
}

export function h(tag, attrs = {}, ...children) {
  return build(refuse, tag, attrs, children);
}

export function clear(el) {
  while (el.firstChild) el.removeChild(el.firstChild);
  return el;
}

/**
 * A name cut in the middle when its box is too narrow ("60kvj50ce9…w53efr4"): the head
 * shrinks with an ellipsis (CSS), the tail stays whole. The cut copy is aria-hidden and a
 * visually hidden copy carries the full name, so it is read once, whole; `title` shows it.
 * @param {[string, string]} parts  head and tail (format.js `splitMiddle`)
 */
export function middleEllipsis([head, tail], { className = "iw-mid", title } = {}) {
  const full = head + tail;
  return h("span", { class: className, title: title ?? full },
    h("span", { class: "iw-mid-shown", "aria-hidden": "true" },
      h("span", { class: "iw-mid-head" }, head), tail ? h("span", { class: "iw-mid-tail" }, tail) : null),
    h("span", { class: "iw-sr" }, full));
}

/**
 * Scroll `el` into view inside its nearest scrolling box only. `scrollIntoView` also
 * scrolls every box around it (the notebook, the page): a tree following the table after
 * a navigation would move the table under the pointer, between a user's two clicks.
 */
export function scrollIntoBox(el) {
  if (!el) return;
  for (let box = el.parentElement; box && box !== el.ownerDocument.body; box = box.parentElement) {
    const overflow = box.ownerDocument.defaultView.getComputedStyle(box).overflowY;
    if (overflow !== "auto" && overflow !== "scroll") continue;
    const r = el.getBoundingClientRect();
    const b = box.getBoundingClientRect();
    if (r.top < b.top) box.scrollTop -= b.top - r.top;
    else if (r.bottom > b.bottom) box.scrollTop += Math.min(r.bottom - b.bottom, r.top - b.top);
    return;
  }
}
