// The panel's own Python kernel. It runs under a fixed session path, so a page reload
// reconnects to it (the browser and its transfers are still there) instead of starting
// another; the page's ipywidgets manager is attached so widget outputs render.
import { SessionContext } from "@jupyterlab/apputils";
import { RenderMimeRegistry } from "@jupyterlab/rendermime";
import { registerWidgetManager } from "@jupyter-widgets/jupyterlab-manager";
import { Signal } from "@lumino/signaling";

export const SESSION_PATH = ".inductiva-storage-panel";
export const WIDGET_MIME = "application/vnd.jupyter.widget-view+json";
export const COMM_TARGET = "inductiva_widgets.lab_panel";

/** A Python kernel's name: "python3" when there is one, else any whose language is Python. */
export async function pythonKernelName(specsManager) {
  await specsManager.ready;
  const specs = specsManager.specs?.kernelspecs ?? {};
  if (specs.python3) return "python3";
  const python = Object.values(specs).find((spec) => spec?.language?.toLowerCase() === "python");
  if (!python) {
    throw new Error("JupyterLab has no Python kernel, so the panel cannot run. Install ipykernel in the environment JupyterLab runs from.");
  }
  return python.name;
}

/** Resolves when `test()` is true, checking every 20 ms; rejects after `ms`. */
function until(test, ms, what) {
  return new Promise((resolve, reject) => {
    const deadline = Date.now() + ms;
    const check = () => {
      if (test()) resolve();
      else if (Date.now() > deadline) reject(new Error(`${what} did not happen within ${ms / 1000} s`));
      else setTimeout(check, 20);
    };
    check();
  });
}

/**
 * The kernel, its session and the widget manager bound to `rendermime`.
 * `onComm(comm)` is called for each comm the kernel opens to the panel.
 */
export class PanelKernel {
  constructor({ app, rendermime, onComm, onStatus }) {
    this._app = app;
    this._rendermime = rendermime;
    this._onComm = onComm;
    this._onStatus = onStatus;
    this._manager = null;
    this.sessionContext = null;
  }

  get kernel() {
    return this.sessionContext?.session?.kernel ?? null;
  }

  /** Start the kernel (or reconnect to the panel's running one) and attach the widget manager. */
  async start() {
    const { serviceManager } = this._app;
    const name = await pythonKernelName(serviceManager.kernelspecs);
    const sessionContext = new SessionContext({
      sessionManager: serviceManager.sessions,
      specsManager: serviceManager.kernelspecs,
      path: SESSION_PATH,
      name: "Inductiva storage",
      type: "inductiva-storage",
      kernelPreference: { name, language: "python", shouldStart: true, canStart: true,
        autoStartDefault: false, shutdownOnDispose: true },
    });
    this.sessionContext = sessionContext;
    sessionContext.statusChanged.connect((_, status) => this._onStatus(status));
    sessionContext.kernelChanged.connect(() => this._listen());
    const needsSelection = await sessionContext.initialize();
    if (needsSelection || !this.kernel) {
      throw new Error(`the Python kernel "${name}" could not be started for the panel`);
    }
    this._listen();
    // The manager's renderer replaces this mime type once the session is ready: wait for it,
    // or the first output would be shown as plain text.
    this._rendermime.removeMimeType(WIDGET_MIME);
    this._manager = registerWidgetManager(this._context(), this._rendermime, [][Symbol.iterator]());
    await until(() => this._rendermime.mimeTypes.includes(WIDGET_MIME), 30_000,
      "attaching the widget manager to the panel's kernel");
  }

  /**
   * What the manager reads of a notebook's document context: the session, a save signal
   * (never emitted: the panel has no document to keep widget state in), metadata to
   * restore saved state from (none) and a URL resolver.
   */
  _context() {
    return {
      sessionContext: this.sessionContext,
      saveState: new Signal(this),
      model: { getMetadata: () => undefined, setMetadata: () => undefined, dirty: false },
      urlResolver: new RenderMimeRegistry.UrlResolver({ path: SESSION_PATH,
        contents: this._app.serviceManager.contents }),
      path: SESSION_PATH,
    };
  }

  _listen() {
    this.kernel?.registerCommTarget(COMM_TARGET, (comm) => this._onComm(comm));
  }

  async restart() {
    await this.sessionContext.restartKernel();
  }

  dispose() {
    this._manager?.dispose();
    this._manager = null;
    // shutdownOnDispose: the kernel goes with the panel.
    this.sessionContext?.dispose();
    this.sessionContext = null;
  }
}
