// Calls from a view to its Python object, and events pushed back, over custom messages.
// Owned by a scope: at teardown the view stops listening, and calls still pending never
// settle (so nothing runs against a view that is gone).

let counter = 0;

export function newToken() {
  counter += 1;
  return `t${Date.now().toString(36)}${counter}`;
}

/**
 * @param {import("./lifecycle.js").Scope} scope
 * @param {import("./models.js").AnyModel} model
 */
export function createRpc(scope, model, { timeoutMs = 120000 } = {}) {
  const pending = new Map();
  const listeners = new Map();

  scope.onModel(model, "msg:custom", (msg) => {
    if (!msg || typeof msg !== "object") return;
    if (msg.kind === "reply" && pending.has(msg.id)) {
      const { resolve, reject, cancelTimer } = pending.get(msg.id);
      cancelTimer();
      pending.delete(msg.id);
      if (msg.error) {
        const error = new Error(msg.error.message);
        error.type = msg.error.type;
        reject(error);
      } else {
        resolve(msg.result);
      }
    } else if (msg.kind === "event") {
      for (const fn of listeners.get(msg.event) || []) fn(msg);
    }
  });
  scope.add(() => {
    pending.clear();
    listeners.clear();
  });

  function send(method, args) {
    counter += 1;
    const id = `${Date.now().toString(36)}-${counter}`;
    model.send({ kind: "call", id, method, args });
    return id;
  }

  return {
    /** Call `method` in Python; resolves with its result, rejects with its error. */
    call(method, args = {}) {
      return new Promise((resolve, reject) => {
        if (scope.disposed) return;
        const id = send(method, args);
        const cancelTimer = scope.timeout(() => {
          pending.delete(id);
          reject(new Error(`No answer from the kernel for ${method} after ` +
            `${Math.round(timeoutMs / 1000)} s (is the kernel busy or restarted?)`));
        }, timeoutMs);
        pending.set(id, { resolve, reject, cancelTimer });
      });
    },
    /** Call `method` without waiting for (or keeping) its answer: progress reports. */
    notify(method, args = {}) {
      send(method, args);
    },
    /** Listen to events pushed by Python; returns the function that stops listening. */
    on(event, fn) {
      if (!listeners.has(event)) listeners.set(event, new Set());
      listeners.get(event).add(fn);
      return () => listeners.get(event)?.delete(fn);
    },
  };
}
