// The StorageBrowser's actions on the selection: delete, copy, transfers, URL, export.
// Each opens a dialog (with "Show code") and calls the widget's Python side.
import { h } from "./dom.js";
import { newToken } from "./rpc.js";
import { field } from "./dialogs.js";
import { formatBytes, formatDate } from "./format.js";
import { copyCode, deleteCode, downloadCode, exportCode, uploadCode, uploadFromUrlCode } from "./code.js";

/**
 * @param {object} ctx  what the actions need from the view: rpc, model, state, dialogs,
 *   root, tree, select, reload, showError, showStatus, renderTransfers
 */
export function createBrowserActions(ctx) {
  const { rpc, model, state, dialogs, root, tree, select, reload, showError, showStatus,
    renderTransfers } = ctx;
  const closeDialog = () => dialogs.close();

  async function askDelete() {
    const paths = state.selection.selected;
    if (!paths.length) return;
    let info;
    try {
      info = await rpc.call("describe", { paths });
    } catch (error) {
      showError(error.message);
      return;
    }
    const list = h("ul", { class: "iw-dialog-list" }, info.items.slice(0, 10).map((i) =>
      h("li", {}, `${i.path}${i.is_dir ? "/" : ""} — ${formatBytes(i.size)}`)));
    if (info.items.length > 10) list.append(h("li", {}, `… and ${info.items.length - 10} more`));
    const what = `${info.items.length} item${info.items.length === 1 ? "" : "s"}`;
    const { confirm } = dialogs.open({
      title: `Delete ${what} (${formatBytes(info.total)})?`,
      body: [h("p", {}, "This cannot be undone. Folders are deleted with everything in them."), list],
      confirmLabel: "Confirm delete",
      danger: true,
      code: () => deleteCode(paths),
      onConfirm: async () => {
        const reply = await rpc.call("delete", { paths });
        select({ selected: [], anchor: null });
        showStatus(`Deleted ${reply.deleted.length} item${reply.deleted.length === 1 ? "" : "s"} (${formatBytes(info.total)})`);
        reload();
        tree.refresh();
      },
    });
    confirm.focus();
  }

  function askCopy() {
    const paths = state.selection.selected;
    if (!paths.length) return;
    const input = h("input", { class: "iw-input iw-wide", type: "text", "aria-label": "Target folder",
      placeholder: "e.g. backups/2026-11", value: "" });
    const { confirm } = dialogs.open({
      title: `Copy ${paths.length} item${paths.length === 1 ? "" : "s"} to a folder`,
      body: [h("p", {}, "The copy is made in the storage itself; nothing is downloaded."), input],
      confirmLabel: "Copy",
      code: () => copyCode(paths, input.value.trim() || "<folder>"),
      onConfirm: async () => {
        const target = input.value.trim();
        if (!target) throw new Error("Type the folder to copy into.");
        const reply = await rpc.call("copy", { paths, target });
        showStatus(`Copied ${reply.copied.length} item${reply.copied.length === 1 ? "" : "s"} to ${target}`);
        reload();
        tree.refresh();
      },
    });
    input.addEventListener("keydown", (e) => { if (e.key === "Enter") confirm.click(); });
    input.focus();
  }

  function askDownload() {
    const paths = state.selection.selected;
    if (!paths.length) return;
    const folder = h("input", { class: "iw-input iw-wide", type: "text", value: model.get("download_folder") });
    const unzip = h("input", { type: "checkbox" });
    unzip.checked = true;
    const replace = h("input", { type: "checkbox" });
    const { confirm } = dialogs.open({
      title: `Download ${paths.length} item${paths.length === 1 ? "" : "s"} to the kernel's disk`,
      body: [h("div", { class: "iw-form" }, ...field("Local folder", folder),
        ...field("Unpack downloaded .zip files", unzip), ...field("Replace existing files", replace)),
      h("p", { class: "iw-muted-text" }, "Runs in the background; follow it below, cancel or retry there.")],
      confirmLabel: "Start download",
      code: () => downloadCode(paths, folder.value.trim(), unzip.checked),
      onConfirm: async () => {
        await rpc.call("start_download", { paths, folder: folder.value, decompress: unzip.checked,
          overwrite: replace.checked });
        showStatus(`Downloading ${paths.length} item${paths.length === 1 ? "" : "s"} to ${folder.value}`);
      },
    });
    folder.addEventListener("keydown", (e) => { if (e.key === "Enter") confirm.click(); });
    folder.focus();
  }

  async function saveToComputer() {
    const [path] = state.selection.selected;
    if (!path) return;
    try {
      const reply = await rpc.call("browser_download_url", { path });
      const link = h("a", { href: reply.url, download: reply.name, style: { display: "none" } });
      root.append(link);
      link.click();
      link.remove();
      showStatus(`Your browser is saving ${reply.name}`);
    } catch (error) {
      showError(error.message);
    }
  }

  function uploadFromBrowser(files) {
    const folder = model.get("path");
    const list = [...files];
    if (!list.length) return Promise.resolve();
    return rpc.call("browser_upload_urls", { folder, names: list.map((f) => f.name) }).then((reply) =>
      Promise.all(reply.targets.map((target, i) => new Promise((resolve) => {
        const file = list[i];
        const xhr = new XMLHttpRequest();
        const t = { id: `local-${newToken()}`, local: true, kind: "upload",
          label: `Upload ${file.name} → ${folder} (from this browser)`, state: "running",
          bytes_done: 0, bytes_total: file.size, files_done: 0, files_total: 1, rate: 0,
          started: performance.now(), abort: () => xhr.abort() };
        state.localTransfers.push(t);
        renderTransfers();
        xhr.upload.onprogress = (e) => {
          t.bytes_done = e.loaded;
          const seconds = (performance.now() - t.started) / 1000;
          t.rate = seconds > 0 ? e.loaded / seconds : 0;
          t.eta_s = t.rate ? (file.size - e.loaded) / t.rate : null;
          renderTransfers();
        };
        const finish = (stateName, error) => {
          t.state = stateName;
          t.error = error || null;
          if (stateName === "done") { t.bytes_done = file.size; t.files_done = 1; }
          renderTransfers();
          resolve();
        };
        xhr.onload = () => (xhr.status === 200 ? finish("done")
          : finish("failed", `The storage refused ${file.name}: HTTP ${xhr.status} ${xhr.responseText.slice(0, 200)}`));
        xhr.onerror = () => finish("failed", `Network error while uploading ${file.name}`);
        xhr.onabort = () => finish("cancelled");
        xhr.open("PUT", target.url);
        xhr.setRequestHeader("Content-Type", "application/octet-stream");
        xhr.send(file);
      })))).then(() => { reload(); tree.refresh(); rpc.call("reload").catch(() => {}); });
  }

  function askUpload() {
    const folder = model.get("path");
    const picker = h("input", { type: "file", multiple: true, "aria-label": "Choose files to upload" });
    const drop = h("div", { class: "iw-drop", "aria-label": "Drop files here to upload" },
      "Drop files here, or ", picker);
    drop.addEventListener("dragover", (e) => { e.preventDefault(); drop.classList.add("iw-over"); });
    drop.addEventListener("dragleave", () => drop.classList.remove("iw-over"));
    drop.addEventListener("drop", (e) => {
      e.preventDefault();
      e.stopPropagation(); // the browser's own drop handler must not upload them again
      closeDialog();
      uploadFromBrowser(e.dataTransfer.files).catch((error) => showError(error.message));
    });
    picker.addEventListener("change", () => {
      const files = picker.files;
      closeDialog();
      uploadFromBrowser(files).catch((error) => showError(error.message));
    });
    const local = h("input", { class: "iw-input iw-wide", type: "text", placeholder: "e.g. ./my_simulation" });
    dialogs.open({
      title: `Upload into ${folder}`,
      body: [h("p", {}, "From this computer (sent straight to the storage):"), drop,
        h("p", {}, "Or a file or folder on the kernel's machine:"),
        h("div", { class: "iw-form" }, ...field("Kernel-side path", local))],
      confirmLabel: "Upload from kernel",
      code: () => uploadCode(local.value.trim() || "<local path>", folder),
      onConfirm: async () => {
        if (!local.value.trim()) throw new Error("Type a path on the kernel's machine, or choose files above.");
        await rpc.call("start_upload", { local_path: local.value.trim(), folder });
        showStatus(`Uploading ${local.value.trim()} to ${folder}`);
      },
    });
  }

  function askUploadFromUrl() {
    const url = h("input", { class: "iw-input iw-wide", type: "url", placeholder: "https://…" });
    const folder = h("input", { class: "iw-input iw-wide", type: "text", value: model.get("path") === "/" ? "" : model.get("path") });
    const name = h("input", { class: "iw-input iw-wide", type: "text", placeholder: "(from the URL)" });
    dialogs.open({
      title: "Upload from a URL",
      body: [h("p", {}, "The storage server fetches the URL itself; nothing passes through your computer."),
        h("div", { class: "iw-form" }, ...field("URL", url), ...field("Folder", folder), ...field("File name", name))],
      confirmLabel: "Fetch",
      code: () => uploadFromUrlCode(url.value.trim(), folder.value.trim(), name.value.trim()),
      onConfirm: async () => {
        const reply = await rpc.call("start_upload_from_url", { url: url.value, folder: folder.value, name: name.value });
        showStatus(`Fetching into ${reply.path}…`);
        waitForFile(reply.path);
      },
    });
    url.focus();
  }

  async function waitForFile(path, deadline = Date.now() + 10 * 60 * 1000) {
    try {
      const reply = await rpc.call("exists", { path });
      if (reply.exists) {
        showStatus(`${path} arrived (${formatBytes(reply.size)})`);
        reload();
        tree.refresh();
        rpc.call("reload").catch(() => {});
        return;
      }
    } catch (error) {
      showError(error.message);
      return;
    }
    if (Date.now() > deadline) { showError(`${path} did not appear after 10 minutes`); return; }
    setTimeout(() => waitForFile(path, deadline), 1000);
  }

  function askExport() {
    const [path] = state.selection.selected;
    if (!path) return;
    const bucket = h("input", { class: "iw-input iw-wide", type: "text", placeholder: "my-bucket" });
    const fileName = h("input", { class: "iw-input iw-wide", type: "text", value: path.split("/").pop() });
    const partSize = h("input", { class: "iw-input", type: "number", min: "5", value: "128" });
    const region = h("input", { class: "iw-input iw-wide", type: "text", placeholder: "(storage default)" });
    const progress = h("div", { role: "status", "aria-live": "polite" });
    let operation = null;
    const { confirm } = dialogs.open({
      title: `Export ${path} to AWS S3`,
      body: [h("p", {}, "The storage server copies the file to your bucket (multipart upload); your AWS credentials only sign the URLs."),
        h("div", { class: "iw-form" }, ...field("Bucket", bucket), ...field("Object name", fileName),
          ...field("Part size (MiB)", partSize), ...field("Storage region", region)), progress],
      confirmLabel: "Start export",
      code: () => exportCode(path, bucket.value.trim() || "<bucket>", fileName.value.trim(), Number(partSize.value) || 128),
      onConfirm: async () => {
        if (operation && operation.status !== "RUNNING") return true;
        operation = await rpc.call("start_export", { path, bucket: bucket.value, file_name: fileName.value,
          part_size: Number(partSize.value) || 128, region: region.value.trim() });
        confirm.textContent = "Close";
        confirm.setAttribute("aria-label", "Close");
        const poll = async () => {
          const a = operation.attributes || {};
          const done = a.bytes_done || 0;
          progress.textContent = `${operation.status}: ${formatBytes(done)} of ${formatBytes(a.size_bytes)}` +
            (operation.error_message ? ` — ${operation.error_message}` : "");
          progress.dataset.status = operation.status;
          if (operation.status === "RUNNING") {
            setTimeout(async () => {
              try { operation = await rpc.call("operation", { id: operation.id }); poll(); } catch (e) { progress.textContent = e.message; }
            }, 700);
          } else {
            confirm.disabled = false;
            showStatus(`Export of ${path}: ${operation.status}`);
          }
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
      showError(error.message);
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
    const text = state.selection.selected.join("\n");
    try {
      await navigator.clipboard.writeText(text);
      showStatus(`Copied ${state.selection.selected.length} path(s) to the clipboard`);
    } catch {
      showStatus(`Paths: ${text}`);
    }
  }

  return { askDelete, askCopy, askDownload, saveToComputer, uploadFromBrowser, askUpload,
    askUploadFromUrl, askExport, showOperations, copyPaths };
}
