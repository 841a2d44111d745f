// The "Inductiva storage" sidebar panel: a header with the panel's own actions, a status
// line, and the output of the kernel's bootstrap (the StorageBrowser view, or a message).
// The kernel starts the first time the panel is shown, not when JupyterLab loads.
import { OutputArea, OutputAreaModel } from "@jupyterlab/outputarea";
import { Panel, Widget } from "@lumino/widgets";
import { PanelKernel } from "./kernel.js";

const BOOTSTRAP = (folder) =>
  "from inductiva_widgets.lab_panel import panel_browser\n" +
  `panel_browser(${JSON.stringify(folder)})`;

function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) node.setAttribute(key, value);
  node.append(...children);
  return node;
}

export class StoragePanel extends Panel {
  /**
   * @param {object} options
   * @param {import("@jupyterlab/application").JupyterFrontEnd} options.app
   * @param {import("@jupyterlab/rendermime").IRenderMimeRegistry} options.rendermime
   * @param {object | null} options.fileBrowser  JupyterLab's default file browser
   * @param {() => string} options.notebookFolder  the folder of the active notebook, if any
   * @param {(code: string) => Promise<unknown>} options.openInNotebook
   */
  constructor({ app, rendermime, fileBrowser, notebookFolder, openInNotebook }) {
    super();
    this.addClass("jp-InductivaPanel");
    this._app = app;
    this._fileBrowser = fileBrowser;
    this._notebookFolder = notebookFolder;
    this._openInNotebook = openInNotebook;
    this._comm = null;
    this._started = null;

    this._openButton = el("button", { type: "button", class: "jp-Button jp-mod-styled jp-mod-accept", disabled: "",
      title: "Insert the code that downloads the selected items into the active notebook" }, "Open in a notebook");
    this._restartButton = el("button", { type: "button", class: "jp-Button jp-mod-styled jp-mod-reject",
      "aria-label": "Restart the panel's kernel", title: "Restart the panel's Python kernel and reload the browser" }, "Restart");
    this._status = el("div", { class: "jp-InductivaPanel-status", role: "status", "aria-live": "polite" });
    const header = el("div", { class: "jp-InductivaPanel-header" },
      el("h2", { class: "jp-InductivaPanel-title" }, "Inductiva storage"),
      el("div", { class: "jp-InductivaPanel-actions" }, this._openButton, this._restartButton));
    this._openButton.addEventListener("click", () => void this.openSelection());
    this._restartButton.addEventListener("click", () => void this.restart());
    this.addWidget(new Widget({ node: el("div", { class: "jp-InductivaPanel-top" }, header, this._status) }));

    this._rendermime = rendermime.clone();
    this._output = new OutputArea({ model: new OutputAreaModel({ trusted: true }), rendermime: this._rendermime });
    this._output.addClass("jp-InductivaPanel-output");
    this.addWidget(this._output);

    this._kernel = new PanelKernel({ app, rendermime: this._rendermime,
      onComm: (comm) => this._attach(comm), onStatus: (status) => this._kernelStatus(status) });
    fileBrowser?.model.pathChanged.connect(this._sendFolder, this);
  }

  /** The folder the file browser shows, as a path below JupyterLab's root. */
  get folder() {
    const path = this._fileBrowser?.model.path ?? "";
    return this._app.serviceManager.contents.localPath(path);
  }

  onAfterShow(msg) {
    super.onAfterShow(msg);
    if (!this._started) this._started = this.start();
  }

  /** Start (or reconnect to) the kernel and show what the bootstrap returns. */
  async start() {
    this._busy(true);
    this.say("Starting the panel's Python kernel…");
    try {
      await this._kernel.start();
      await this._bootstrap();
    } catch (error) {
      this.say(`The storage panel could not start: ${error.message ?? error}`, true);
    } finally {
      this._busy(false);
    }
  }

  async restart() {
    if (!this._kernel.sessionContext) {
      this._started = this.start();
      return this._started;
    }
    this._busy(true);
    this.say("Restarting the panel's Python kernel…");
    try {
      this._setComm(null);
      this._output.model.clear();
      await this._kernel.restart();
      await this._bootstrap();
    } catch (error) {
      this.say(`The storage panel could not restart: ${error.message ?? error}`, true);
    } finally {
      this._busy(false);
    }
  }

  async _bootstrap() {
    this.say("Opening the storage…");
    this._output.model.clear();
    const reply = await OutputArea.execute(BOOTSTRAP(this.folder), this._output, this._kernel.sessionContext);
    const content = reply?.content;
    if (!content) throw new Error("the kernel did not answer");
    if (content.status === "error") {
      const missing = content.ename === "ModuleNotFoundError" && /inductiva_widgets/.test(content.evalue);
      throw new Error(missing
        ? "the panel's Python kernel cannot import inductiva_widgets: install inductiva-widgets in the environment of the \"Python 3\" kernel."
        : `${content.ename}: ${content.evalue}`);
    }
    this.say("");
  }

  /** Show a status line; errors are announced (role alert) and styled as such. */
  say(text, isError = false) {
    this._status.textContent = text;
    this._status.classList.toggle("jp-mod-error", isError);
    this._status.setAttribute("role", isError ? "alert" : "status");
  }

  _busy(on) {
    this._restartButton.disabled = on;
    this.node.setAttribute("aria-busy", on ? "true" : "false");
  }

  _kernelStatus(status) {
    if (status === "restarting" || status === "dead") this._setComm(null);
    if (status === "dead") {
      this.say("The panel's Python kernel stopped. Press Restart to start it again.", true);
    }
  }

  /** The kernel's link for this page: it exists once the browser is shown. */
  _attach(comm) {
    this._setComm(comm);
    comm.onMsg = (msg) => this._received(msg.content.data ?? {});
    comm.onClose = () => { if (this._comm === comm) this._setComm(null); };
    this._sendFolder();
  }

  _setComm(comm) {
    this._comm = comm;
    this._openButton.disabled = !comm;
  }

  _send(data) {
    if (!this._comm || this._comm.isDisposed) return false;
    this._comm.send(data);
    return true;
  }

  _sendFolder() {
    this._send({ request: "folder", path: this.folder });
  }

  async _received(data) {
    if (data.event === "downloaded") {
      await this._fileBrowser?.model.refresh();
    } else if (data.event === "code") {
      if (data.error) {
        this.say(data.error, true);
        return;
      }
      try {
        await this._openInNotebook(data.code);
        this.say("Inserted the code into the notebook.");
      } catch (error) {
        this.say(`Could not insert the code: ${error.message ?? error}`, true);
      }
    }
  }

  /** Ask the kernel for the selection's code; the answer arrives as a "code" event. */
  openSelection() {
    const folder = this._notebookFolder() ?? this.folder;
    if (!this._send({ request: "code", relative_to: folder })) {
      this.say("The storage panel is not ready yet.", true);
    }
  }

  dispose() {
    if (this.isDisposed) return;
    this._fileBrowser?.model.pathChanged.disconnect(this._sendFolder, this);
    this._kernel.dispose();
    super.dispose();
  }
}
