// A browser-like global environment (happy-dom) for tests that render views, with every
// listener registration counted, and a fake anywidget model that counts its own.
import { Window } from "happy-dom";

export const window = new Window({ url: "http://localhost/", width: 1200, height: 800 });
for (const name of ["document", "Node", "HTMLElement", "Element", "Event", "KeyboardEvent",
  "MouseEvent", "requestAnimationFrame", "cancelAnimationFrame", "XMLHttpRequest", "getComputedStyle"]) {
  globalThis[name] = typeof window[name] === "function" && !/^[A-Z]/.test(name) ? window[name].bind(window) : window[name];
}
globalThis.window = window;

// Live DOM listeners: +1 for each (target, type, fn, capture) added, -1 when removed.
const live = new WeakMap();
const ids = new WeakMap();
let nextId = 0;
let count = 0;
const key = (type, fn, options) => {
  if (!ids.has(fn)) ids.set(fn, (nextId += 1));
  const capture = typeof options === "boolean" ? options : !!options?.capture;
  return `${type}|${ids.get(fn)}|${capture}`;
};
// The prototype that owns addEventListener (window.EventTarget is a subclass of it).
let proto = Object.getPrototypeOf(window.document.createElement("div"));
while (!Object.prototype.hasOwnProperty.call(proto, "addEventListener")) proto = Object.getPrototypeOf(proto);
const add = proto.addEventListener;
const remove = proto.removeEventListener;
proto.addEventListener = function addEventListener(type, fn, options) {
  if (fn) {
    if (!live.has(this)) live.set(this, new Set());
    const k = key(type, fn, options);
    if (!live.get(this).has(k)) { live.get(this).add(k); count += 1; }
  }
  return add.call(this, type, fn, options);
};
proto.removeEventListener = function removeEventListener(type, fn, options) {
  if (fn && live.get(this)?.delete(key(type, fn, options))) count -= 1;
  return remove.call(this, type, fn, options);
};

/** DOM listeners now registered (all targets: elements, document, window). */
export const domListeners = () => count;

let unanswered = 0; // calls sent to a FakeModel and not answered yet

/** Let pending replies (and the calls they lead to), timers and animation frames run. */
export async function settle(ms = 30) {
  const sleep = () => new Promise((resolve) => setTimeout(resolve, ms));
  await sleep();
  for (let i = 0; unanswered > 0 && i < 100; i += 1) await sleep();
  await sleep();
}

/**
 * A fake anywidget model: traits, `on`/`off` counted per event, and calls answered by
 * `answers[method](args)` (asynchronously, as the kernel does).
 */
export class FakeModel {
  constructor(traits, answers = {}) {
    this.traits = { ...traits };
    this.answers = answers;
    this.handlers = new Map();
    this.calls = [];
  }

  get(name) { return this.traits[name]; }

  set(name, value) { this.traits[name] = value; }

  save_changes() {}

  on(event, fn) {
    if (!this.handlers.has(event)) this.handlers.set(event, new Set());
    this.handlers.get(event).add(fn);
  }

  off(event, fn) { this.handlers.get(event)?.delete(fn); }

  /** Model listeners now registered, over every event. */
  listeners() {
    let n = 0;
    for (const set of this.handlers.values()) n += set.size;
    return n;
  }

  /** A trait changed in Python: its listeners run. */
  change(name, value) {
    this.traits[name] = value;
    for (const fn of [...(this.handlers.get(`change:${name}`) || [])]) fn();
  }

  emit(event, ...args) {
    for (const fn of [...(this.handlers.get(event) || [])]) fn(...args);
  }

  send(msg) {
    if (msg.kind !== "call") return;
    this.calls.push(msg);
    const answer = this.answers[msg.method];
    unanswered += 1;
    setTimeout(() => {
      unanswered -= 1;
      try {
        const result = answer ? answer(msg.args) : {};
        this.emit("msg:custom", { kind: "reply", id: msg.id, result });
      } catch (error) {
        this.emit("msg:custom", { kind: "reply", id: msg.id, error: { type: "Error", message: error.message } });
      }
    }, 1);
  }
}
