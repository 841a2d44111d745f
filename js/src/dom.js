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
