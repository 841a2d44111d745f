// A tiny element builder: h("button", {class: "x", "aria-label": "Refresh", onclick}, "↻").

export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value === undefined || value === null || value === false) continue;
    if (key.startsWith("on") && typeof value === "function") {
      el.addEventListener(key.slice(2), value);
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

export function clear(el) {
  while (el.firstChild) el.removeChild(el.firstChild);
  return el;
}

/** An error line (role=alert) with a dismiss button; `show("")` hides it. */
export function createAlert(extraClass = "") {
  const el = h("div", { class: `iw-alert ${extraClass}`.trim(), role: "alert", hidden: true });
  function show(message) {
    el.hidden = !message;
    clear(el);
    if (message) {
      el.append(h("span", {}, message),
        h("button", { class: "iw-link", "aria-label": "Dismiss message", onclick: () => show("") }, "✕"));
    }
  }
  return { el, show };
}
