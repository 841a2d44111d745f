// The StorageBrowser's actions on the selection: delete, copy, transfers, URL, export.
// Each opens a dialog and calls the widget's Python side; "Show code" shows the code Python
// writes for the action (the `code` call), so the snippets exist once, in Python.
import { h } from "./dom.js";
import { field } from "./dialogs.js";
import { formatBytes, formatDate } from "./format.js";

const plural = (n, word) => `${n} ${word}${n === 1 ? "" : "s"}`;

/**
 * What the actions need from the view.
 * @typedef {object} ActionHost
 * @property {() => string[]} selected
 * @property {() => string} folder          the folder on show
 * @property {() => string} downloadFolder  the kernel-side folder last used
 * @property {() => void} clearSelection
 * @property {() => void} changed           the storage changed: list it again
 * @property {(message: string) => void} error
 * @property {(message: string) => void} status
 * @property {HTMLElement} el               where a hidden download link is clicked
 */

/**
 * @param {import("./lifecycle.js").Scope} scope  the view's: polls stop with it
 * @param {{rpc: object, dialogs: object, uploads: object, host: ActionHost}} options
 */
export function createBrowserActions(scope, { rpc, dialogs, uploads, host }) {
  const code = (action, args) => () => rpc.call("code", { action, args }).then((reply) => reply.code);
  const input = (attrs) => h("input", { class: "iw-input iw-wide", type: "text", ...attrs });

  async function askDelete() {
    const paths = host.selected();
    if (!paths.length) return;
    let info;
    try {
      info = await rpc.call("describe", { paths });
    } catch (error) {
      host.error(error.message);
      return;
    }
    const list = h("ul", { class: "iw-dialog-list" }, info.items.slice(0, 10).map((i) =>
      h("li", {}, `${i.path}${i.is_dir ? "/" : ""} — ${formatBytes(i.size)}`)));
    if (info.items.length > 10) list.append(h("li", {}, `… and ${info.items.length - 10} more`));
    const { confirm } = dialogs.open({
      title: `Delete ${plural(info.items.length, "item")} (${formatBytes(info.total)})?`,
      body: [h("p", {}, "This cannot be undone. Folders are deleted with everything in them."), list],
      confirmLabel: "Confirm delete",
      danger: true,
      code: code("delete", { paths }),
      onConfirm: async () => {
        const reply = await rpc.call("delete", { paths });
        host.clearSelection();
        host.status(`Deleted ${plural(reply.deleted.length, "item")} (${formatBytes(info.total)})`);
        host.changed();
      },
    });
    confirm.focus();
  }

  function askCopy() {
    const paths = host.selected();
    if (!paths.length) return;
    const target = input({ "aria-label": "Target folder", placeholder: "e.g. backups/2026-11", value: "" });
    dialogs.open({
      title: `Copy ${plural(paths.length, "item")} to a folder`,
      body: [h("p", {}, "The copy is made in the storage itself; nothing is downloaded."), target],
      confirmLabel: "Copy",
      code: () => code("copy", { paths, target: target.value.trim() })(),
      submitOnEnter: [target],
      onConfirm: async () => {
        const folder = target.value.trim();
        if (!folder) throw new Error("Type the folder to copy into.");
        const reply = await rpc.call("copy", { paths, target: folder });
        host.status(`Copied ${plural(reply.copied.length, "item")} to ${folder}`);
        host.changed();
      },
    });
    target.focus();
  }

  function askDownload() {
    const paths = host.selected();
    if (!paths.length) return;
    const folder = input({ value: host.downloadFolder() });
    const unzip = h("input", { type: "checkbox" });
    unzip.checked = true;
    const replace = h("input", { type: "checkbox" });
    dialogs.open({
      title: `Download ${plural(paths.length, "item")} to the kernel's disk`,
      body: [h("div", { class: "iw-form" }, ...field("Local folder", folder),
        ...field("Unpack downloaded .zip files", unzip), ...field("Replace existing files", replace)),
      h("p", { class: "iw-muted-text" }, "Runs in the background; follow it below, cancel or retry there.")],
      confirmLabel: "Start download",
      code: () => code("download", { paths, folder: folder.value.trim(), decompress: unzip.checked })(),
      submitOnEnter: [folder],
      onConfirm: async () => {
        await rpc.call("start_download", { paths, folder: folder.value, decompress: unzip.checked,
          overwrite: replace.checked });
        host.status(`Downloading ${plural(paths.length, "item")} to ${folder.value}`);
      },
    });
    folder.focus();
  }

  async function saveToComputer() {
    const [path] = host.selected();
    if (!path) return;
    try {
      const reply = await rpc.call("browser_download_url", { path });
      const link = h("a", { href: reply.url, download: reply.name, style: { display: "none" } });
      host.el.append(link);
      link.click();
      link.remove();
      host.status(`Your browser is saving ${reply.name}`);
    } catch (error) {
      host.error(error.message);
    }
  }

  /** Files from this computer into the folder on show. */
  function uploadFiles(files) {
    uploads.upload(files, host.folder()).then(host.changed, (error) => host.error(error.message));
  }

  function askUpload() {
    const folder = host.folder();
    const picker = h("input", { type: "file", multiple: true, "aria-label": "Choose files to upload" });
    const drop = h("div", { class: "iw-drop", role: "group", "aria-label": "Drop files here to upload" }, "Drop files here, or ", picker);
    const local = input({ placeholder: "e.g. ./my_simulation" });
    const dialog = dialogs.open({
      title: `Upload into ${folder}`,
      body: [h("p", {}, "From this computer (sent straight to the storage):"), drop,
        h("p", {}, "Or a file or folder on the kernel's machine:"),
        h("div", { class: "iw-form" }, ...field("Kernel-side path", local))],
      confirmLabel: "Upload from kernel",
      code: () => code("upload", { local_path: local.value.trim(), folder })(),
      onConfirm: async () => {
        if (!local.value.trim()) throw new Error("Type a path on the kernel's machine, or choose files above.");
        await rpc.call("start_upload", { local_path: local.value.trim(), folder });
        host.status(`Uploading ${local.value.trim()} to ${folder}`);
      },
    });
    dialog.scope.listen(drop, "dragover", (e) => { e.preventDefault(); drop.classList.add("iw-over"); });
    dialog.scope.listen(drop, "dragleave", () => drop.classList.remove("iw-over"));
    dialog.scope.listen(drop, "drop", (e) => {
      e.preventDefault();
      e.stopPropagation(); // the browser's own drop handler must not upload them again
      const files = e.dataTransfer.files;
      dialogs.close();
      uploadFiles(files);
    });
    dialog.scope.listen(picker, "change", () => {
      const files = picker.files;
      dialogs.close();
      uploadFiles(files);
    });
  }

  function askUploadFromUrl() {
    const url = input({ type: "url", placeholder: "https://…" });
    const folder = input({ value: host.folder() === "/" ? "" : host.folder() });
    const name = input({ placeholder: "(from the URL)" });
    dialogs.open({
      title: "Upload from a URL",
      body: [h("p", {}, "The storage server fetches the URL itself; nothing passes through your computer."),
        h("div", { class: "iw-form" }, ...field("URL", url), ...field("Folder", folder), ...field("File name", name))],
      confirmLabel: "Fetch",
      code: () => code("upload_from_url", { url: url.value.trim(), folder: folder.value.trim(), name: name.value.trim() })(),
      onConfirm: async () => {
        const reply = await rpc.call("start_upload_from_url", { url: url.value, folder: folder.value, name: name.value });
        host.status(`Fetching into ${reply.path}…`);
        waitForFile(reply.path, Date.now() + 10 * 60 * 1000);
      },
    });
    url.focus();
  }

  async function waitForFile(path, deadline) {
    try {
      const reply = await rpc.call("exists", { path });
      if (reply.exists) {
        host.status(`${path} arrived (${formatBytes(reply.size)})`);
        host.changed();
        return;
      }
    } catch (error) {
      host.error(error.message);
      return;
    }
    if (Date.now() > deadline) host.error(`${path} did not appear after 10 minutes`);
    else scope.timeout(() => waitForFile(path, deadline), 1000);
  }

  function askExport() {
    const [path] = host.selected();
    if (!path) return;
    const bucket = input({ placeholder: "my-bucket" });
    const fileName = input({ value: path.split("/").pop() });
    const partSize = h("input", { class: "iw-input", type: "number", min: "5", value: "128" });
    const region = input({ placeholder: "(storage default)" });
    const progress = h("div", { role: "status", "aria-live": "polite" });
    let operation = null;
    const args = () => ({ path, bucket: bucket.value.trim(), file_name: fileName.value.trim(),
      part_size: Number(partSize.value) || 128, region: region.value.trim() });
    const { confirm } = dialogs.open({
      title: `Export ${path} to AWS S3`,
      body: [h("p", {}, "The storage server copies the file to your bucket (multipart upload); your AWS credentials only sign the URLs."),
        h("div", { class: "iw-form" }, ...field("Bucket", bucket), ...field("Object name", fileName),
          ...field("Part size (MiB)", partSize), ...field("Storage region", region)), progress],
      confirmLabel: "Start export",
      code: () => code("export", args())(),
      onConfirm: async () => {
        if (operation && operation.status !== "RUNNING") return true;
        operation = await rpc.call("start_export", args());
        confirm.textContent = "Close";
        confirm.setAttribute("aria-label", "Close");
        const poll = () => {
          const a = operation.attributes || {};
          progress.textContent = `${operation.status}: ${formatBytes(a.bytes_done || 0)} of ${formatBytes(a.size_bytes)}` +
            (operation.error_message ? ` — ${operation.error_message}` : "");
          progress.dataset.status = operation.status;
          if (operation.status !== "RUNNING") {
            confirm.disabled = false;
            host.status(`Export of ${path}: ${operation.status}`);
            return;
          }
          scope.timeout(async () => {
            try {
              operation = await rpc.call("operation", { id: operation.id });
              poll();
            } catch (e) {
              progress.textContent = e.message;
            }
          }, 700);
        };
        poll();
        return false;
      },
    });
    bucket.focus();
  }

  async function showOperations() {
    let reply;
    try {
      reply = await rpc.call("operations");
    } catch (error) {
      host.error(error.message);
      return;
    }
    const items = reply.operations.map((op) => h("li", {},
      `${op.status} · ${op.attributes?.path || ""} · started ${formatDate(op.start_time)}` +
      (op.error_message ? ` · ${op.error_message}` : "")));
    dialogs.open({
      title: "Export operations",
      body: [items.length ? h("ul", { class: "iw-dialog-list", "aria-label": "Past operations" }, items)
        : h("p", {}, "No exports yet.")],
      confirmLabel: "Close",
      onConfirm: async () => {},
    });
  }

  async function copyPaths() {
    const paths = host.selected();
    const text = paths.join("\n");
    try {
      await navigator.clipboard.writeText(text);
      host.status(`Copied ${paths.length} path(s) to the clipboard`);
    } catch {
      host.status(`Paths: ${text}`);
    }
  }

  return { askDelete, askCopy, askDownload, saveToComputer, uploadFiles, askUpload,
    askUploadFromUrl, askExport, showOperations, copyPaths };
}
