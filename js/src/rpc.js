// Calls from a view to its Python object, and events pushed back, over custom messages.

let counter = 0;

export function createRpc(model, { timeoutMs = 120000 } = {}) {
  const pending = new Map();
  const listeners = new Map();

  function onMessage(msg) {
    if (!msg || typeof msg !== "object") return;
    if (msg.kind === "reply" && pending.has(msg.id)) {
      const { resolve, reject, timer } = pending.get(msg.id);
      clearTimeout(timer);
      pending.delete(msg.id);
      if (msg.error) {
        const error = new Error(msg.error.message);
        error.type = msg.error.type;
        reject(error);
      } else {
        resolve(msg.result);
      }
    } else if (msg.kind === "event") {
      (listeners.get(msg.event) || []).forEach((fn) => fn(msg));
    }
  }
  model.on("msg:custom", onMessage);

  return {
    call(method, args = {}) {
      counter += 1;
      const id = `${Date.now().toString(36)}-${counter}`;
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          pending.delete(id);
          reject(new Error(`No answer from the kernel for ${method} after ` +
            `${Math.round(timeoutMs / 1000)} s (is the kernel busy or restarted?)`));
        }, timeoutMs);
        pending.set(id, { resolve, reject, timer });
        model.send({ kind: "call", id, method, args });
      });
    },
    on(event, fn) {
      if (!listeners.has(event)) listeners.set(event, []);
      listeners.get(event).push(fn);
    },
    dispose() {
      model.off("msg:custom", onMessage);
      pending.forEach(({ timer }) => clearTimeout(timer));
      pending.clear();
    },
  };
}

export function newToken() {
  counter += 1;
  return `t${Date.now().toString(36)}${counter}`;
}
