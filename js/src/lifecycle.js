// Setup and teardown. A view and each of its components own a Scope: every model listener,
// DOM listener, timer, animation frame and child component they start is registered in it,
// and `dispose()` undoes all of it (last in, first out), so a view rendered again and again
// leaves nothing behind (test/lifecycle.test.js counts).
import { build } from "./dom.js";

export class Scope {
  #cleanups = new Set();
  #disposed = false;

  get disposed() {
    return this.#disposed;
  }

  /** Run `cleanup` at teardown; returns `release()`, which runs it now and forgets it. */
  add(cleanup) {
    if (this.#disposed) {
      cleanup();
      return () => {};
    }
    let done = false;
    const once = () => {
      if (done) return;
      done = true;
      this.#cleanups.delete(once);
      cleanup();
    };
    this.#cleanups.add(once);
    return once;
  }

  /** target.addEventListener, undone at teardown (or by the returned function). */
  listen(target, type, fn, options) {
    target.addEventListener(type, fn, options);
    return this.add(() => target.removeEventListener(type, fn, options));
  }

  /** model.on(event), undone at teardown. */
  onModel(model, event, fn) {
    model.on(event, fn);
    return this.add(() => model.off(event, fn));
  }

  /** setTimeout that never fires after teardown; returns a cancel function. */
  timeout(fn, ms) {
    let id = null;
    const cancel = this.add(() => clearTimeout(id));
    id = setTimeout(() => {
      cancel();
      fn();
    }, ms);
    return cancel;
  }

  /** requestAnimationFrame that never fires after teardown; returns a cancel function. */
  frame(fn) {
    let id = null;
    const cancel = this.add(() => cancelAnimationFrame(id));
    id = requestAnimationFrame(() => {
      cancel();
      fn();
    });
    return cancel;
  }

  /**
   * `fn()` in the next animation frame after `el`'s width changes (at most once a frame),
   * until teardown: a bar that fits its content to its width measures again. Nothing where
   * ResizeObserver is missing (the first fit is the caller's).
   */
  onWidthChange(el, fn) {
    if (typeof ResizeObserver !== "function") return;
    let width = -1;
    let pending = null;
    const observer = new ResizeObserver(() => {
      if (pending || el.clientWidth === width) return;
      pending = this.frame(() => {
        pending = null;
        width = el.clientWidth;
        fn();
      });
    });
    observer.observe(el);
    this.add(() => observer.disconnect());
  }

  /** A scope torn down with this one, or earlier on its own (a dialog, a list's rows). */
  child() {
    const scope = new Scope();
    const release = this.add(() => scope.dispose());
    scope.add(release);
    return scope;
  }

  /** `h()` whose `on…` attributes become listeners of this scope. */
  h(tag, attrs, ...children) {
    return build((el, type, fn) => this.listen(el, type, fn), tag, attrs, children);
  }

  dispose() {
    if (this.#disposed) return;
    this.#disposed = true;
    for (const cleanup of [...this.#cleanups].reverse()) cleanup();
    this.#cleanups.clear();
  }
}
