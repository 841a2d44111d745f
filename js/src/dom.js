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
