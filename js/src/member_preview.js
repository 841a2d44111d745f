// The preview of one ZIP member, or of one stored file: text head/tail with "Load more", a
// CSV head as a table, an image, or a hex dump; always what it cost over the network.
// Shared by the ZipExplorer and the StorageBrowser: both answer the same rpc calls,
//   preview({archive, member, mode, offset})   mode: auto | head | more | tail | earlier
//   member_frame({archive, member})            the whole CSV into explorer.frames[...]
//   download_member({archive, member, folder}) to a kernel-side folder
// and the StorageBrowser also
//   file_preview({path, mode, offset})         a stored file, by byte range (`showFile`)
// A member of a task archive also offers "Gather from all tasks" (`onGather`), and maybe
// "Gather from the N selected tasks" (see preview_gather.js), which calls
//   open_gather(reply.gather_selected)         the reply holds the call's {path, tasks}
// Python writes the method's name and the "Show code" text; this only shows them.
import { clear, h } from "./dom.js";
import { createAlert } from "./alert.js";
import { exactBytes, formatBytes } from "./format.js";
import { createPreviewGather } from "./preview_gather.js";

let previewCounter = 0;

/** "fetched 12.3 KiB of this 4.10 GiB archive" (or "… file", for a stored file). */
export function fetchedNote(fetched, archiveSize, noun = "archive") {
  const of = archiveSize === null || archiveSize === undefined ? `the ${noun}`
    : `this ${formatBytes(archiveSize)} ${noun}`;
  return `fetched ${formatBytes(fetched || 0)} of ${of}`;
}

/** "278 KiB, 43.0 KiB compressed (deflate)", from a reply's sizes and `method`. */
export function memberSummary(info) {
  if (info.method === "stored") return `${formatBytes(info.size)} (stored, not compressed)`;
  return `${formatBytes(info.size)}, ${formatBytes(info.compressed_size)} compressed (${info.method})`;
}

/** "118 KiB stored file, read by byte range", from a file preview's reply. */
export function fileSummary(info) {
  return `${formatBytes(info.size)} stored file, read by byte range`;
}

/** "bytes 0 – 65,536 of 285,065" for the text currently shown. */
export function rangeNote(start, end, size) {
  const n = (v) => Number(v).toLocaleString("en-US");
  if (!size) return "empty";
  if (start <= 0 && end >= size) return `all ${n(size)} bytes`;
  return `bytes ${n(start)} – ${n(end)} of ${n(size)}`;
}

/** Text shown after appending (more) or prepending (earlier) a chunk. */
export function mergeText(state, reply) {
  if (reply.mode === "more") {
    return { text: state.text + reply.text, start: state.start, end: reply.next_offset };
  }
  if (reply.mode === "earlier") {
    return { text: reply.text + state.text, start: reply.offset, end: state.end };
  }
  return { text: reply.text, start: reply.offset, end: reply.next_offset };
}

function shortName(name) {
  const parts = name.split("/");
  return parts[parts.length - 1] || name;
}

/**
 * @param {import("./lifecycle.js").Scope} parentScope
 * @param {{rpc: object, downloadFolder?: string, onDownloadFolder?: (folder: string) => void,
 *   onFrame?: (reply: object) => void,
 *   onGather?: (archive: string, member: string) => Promise<unknown>}} options
 */
export function createMemberPreview(parentScope, { rpc, downloadFolder = "./downloads",
  onDownloadFolder = null, onFrame = null, onGather = null }) {
  const scope = parentScope.child();
  let bodyScope = scope.child(); // listeners of what the body shows now (an image's load)
  previewCounter += 1;
  const uid = `iw-preview-${previewCounter}`;
  let seq = 0; // replies for an older selection are dropped
  let state = null;

  const title = h("h3", { class: "iw-preview-title", id: `${uid}-title` });
  const meta = h("div", { class: "iw-preview-meta" });
  const fetched = h("div", { class: "iw-preview-fetched" });
  const alert = createAlert(scope, { className: "iw-preview-alert", dismissible: false });
  const note = h("div", { class: "iw-preview-note", hidden: true });
  const actions = h("div", { class: "iw-preview-actions" });
  const codeBox = h("pre", { class: "iw-preview-code", id: `${uid}-code`, hidden: true,
    "aria-label": "Equivalent Python code" });
  const codeButton = h("button", { class: "iw-button", "aria-expanded": "false",
    "aria-controls": `${uid}-code`, "data-action": "code" }, "Show code");
  const folderInput = h("input", { class: "iw-input iw-preview-folder", type: "text",
    value: downloadFolder, "aria-label": "Download folder (on the kernel's machine)",
    title: "Folder on the kernel's machine" });
  scope.listen(folderInput, "keydown", (e) => { if (e.key === "Enter") download(); });
  const downloadButton = scope.h("button", { class: "iw-button", onclick: () => download() },
    "Download member");
  const saveRow = h("div", { class: "iw-preview-save" },
    h("label", { class: "iw-preview-label", for: `${uid}-folder` }, "Save to"), folderInput,
    downloadButton);
  folderInput.id = `${uid}-folder`;
  const gathers = createPreviewGather(scope, { rpc, onGather, onError: (m) => showError(m),
    before: () => { const mine = seq; showError(""); result.textContent = ""; return () => mine === seq; } });
  const result = h("div", { class: "iw-preview-result", role: "status" });
  const body = h("div", { class: "iw-preview-body" });
  const placeholder = h("div", { class: "iw-preview-empty" }, "Select a member to preview it.");
  const head = h("div", { class: "iw-preview-head", hidden: true }, title, meta, fetched);
  const controls = h("div", { class: "iw-preview-controls", hidden: true }, actions, saveRow,
    gathers.el, result, codeBox);
  const el = h("section", { class: "iw-preview", role: "region", "aria-label": "Member preview",
    "aria-live": "polite" }, placeholder, head, alert.el, note, controls, body);
  const showError = alert.show;

  // The buttons above the text come and go with each reply: one listener serves them all.
  const ACTIONS = {
    code: () => toggleCode(),
    head: () => load("head"),
    tail: () => load("tail"),
    more: (offset) => load("more", offset),
    earlier: (offset) => load("earlier", offset),
    frame: () => openFrame(),
  };
  scope.listen(controls, "click", (e) => {
    const target = e.target.closest("[data-action]");
    if (target && ACTIONS[target.dataset.action]) ACTIONS[target.dataset.action](Number(target.dataset.offset || 0));
  });

  function clearBody() {
    bodyScope.dispose();
    bodyScope = scope.child();
    clear(body);
  }

  function setBusy(busy) {
    el.setAttribute("aria-busy", busy ? "true" : "false");
    for (const b of actions.querySelectorAll("button")) b.disabled = busy;
    downloadButton.disabled = busy;
    gathers.setBusy(busy);
  }

  function setCode(code) {
    if (!state) return;
    state.code = code || "";
    codeBox.textContent = state.code;
  }

  function toggleCode() {
    const open = codeBox.hidden;
    codeBox.hidden = !open;
    codeButton.setAttribute("aria-expanded", open ? "true" : "false");
    codeButton.textContent = open ? "Hide code" : "Show code";
  }

  function addFetched(n) {
    state.fetched += n || 0;
    const noun = state.file ? "file" : "archive";
    fetched.textContent = fetchedNote(state.fetched, state.archiveSize, noun);
    fetched.dataset.bytes = String(state.fetched);
    fetched.title = `${exactBytes(state.fetched)} of the ${noun} read for this preview` +
      (state.file ? "" : ` (the member is ${exactBytes(state.info?.compressed_size)} compressed)`);
  }

  function button(label, action, attrs = {}) {
    return h("button", { class: "iw-button", "data-action": action, ...attrs }, label);
  }

  // -- rendering of one reply ----------------------------------------------------------------
  function renderText(reply) {
    const merged = mergeText(state, reply);
    Object.assign(state, merged, { eof: merged.end >= (reply.size || 0), atStart: merged.start <= 0 });
    clearBody();
    const range = h("div", { class: "iw-preview-range" }, rangeNote(state.start, state.end, reply.size));
    const pre = h("pre", { class: "iw-preview-text", tabindex: "0",
      "aria-label": `Text of ${shortName(state.name)}` }, state.text);
    body.append(range, pre);
    clear(actions);
    if (!state.atStart) {
      actions.append(button("Show start", "head"));
      if (state.textMode === "tail") {
        actions.append(button("Load more", "earlier",
          { title: "Load the lines before these", "data-offset": state.start }));
      }
    }
    if (!state.eof) {
      actions.append(button("Load more", "more", { title: "Load the next chunk", "data-offset": state.end }));
      actions.append(button("Show end", "tail"));
    }
    actions.append(codeButton);
    if (reply.mode === "more") pre.scrollTop = pre.scrollHeight;
    if (reply.mode === "tail") bodyScope.frame(() => { pre.scrollTop = pre.scrollHeight; });
  }

  function renderCsv(reply) {
    clearBody();
    const headRow = h("tr", {}, reply.columns.map((c, i) => h("th", { scope: "col" },
      h("span", { class: "iw-preview-col" }, c),
      h("span", { class: "iw-preview-dtype" }, reply.dtypes[i]))));
    const rows = reply.rows.map((r) => h("tr", {}, r.map((v) => h("td", {}, v))));
    const what = reply.complete ? `all ${reply.rows_parsed.toLocaleString("en-US")} rows read`
      : `dtypes from the first ${reply.rows_parsed.toLocaleString("en-US")} rows ` +
        `(${formatBytes(reply.head_bytes)} read)`;
    const caption = h("caption", {}, `preview of the first ${reply.rows_shown} rows · ${what}`);
    const table = h("table", { class: "iw-preview-table" }, caption, h("thead", {}, headRow),
      h("tbody", {}, rows));
    body.append(h("div", { class: "iw-preview-table-wrap", tabindex: "0",
      "aria-label": `Table preview of ${shortName(state.name)}` }, table));
    clear(actions);
    // A whole file as a DataFrame is the members' only: a stored file's CSV can be any size.
    if (!state.file) actions.append(button("Open as DataFrame", "frame"));
    actions.append(button("Show as text", "more", { "data-offset": 0 }), codeButton);
  }

  function renderImage(reply) {
    clearBody();
    clear(actions);
    actions.append(codeButton);
    if (!reply.data_url) return;
    const size = h("div", { class: "iw-preview-range" }, "");
    const img = h("img", { class: "iw-preview-image", alt: `Image ${shortName(state.name)}`,
      src: reply.data_url });
    bodyScope.listen(img, "load", () => { size.textContent = `${img.naturalWidth} × ${img.naturalHeight} px`; });
    bodyScope.listen(img, "error", () => showError(`${state.name} could not be displayed as an image.`));
    body.append(size, h("div", { class: "iw-preview-image-wrap" }, img));
  }

  function renderBinary(reply) {
    clearBody();
    body.append(h("div", { class: "iw-preview-range" },
      `first ${reply.head_bytes} bytes (hex and ASCII)`),
    h("pre", { class: "iw-preview-hex", tabindex: "0", "aria-label": "Hex dump" }, reply.hex));
    clear(actions);
    actions.append(button("Show as text", "more", { "data-offset": 0 }), codeButton);
  }

  function render(reply) {
    state.archiveSize = state.file ? reply.size : reply.archive_size;
    state.info = reply;
    state.name = reply.member ?? reply.file;
    title.textContent = shortName(state.name);
    title.title = state.name;
    meta.textContent = state.file ? fileSummary(reply) : memberSummary(reply);
    meta.title = state.file ? exactBytes(reply.size)
      : `${exactBytes(reply.size)}, ${exactBytes(reply.compressed_size)} compressed`;
    note.hidden = !reply.note;
    note.textContent = reply.note || "";
    gathers.reply(reply);
    el.dataset.kind = reply.kind;
    if (reply.kind === "text") {
      if (reply.mode === "head" || reply.mode === "tail") state.textMode = reply.mode;
      renderText(reply);
    } else if (reply.kind === "csv") renderCsv(reply);
    else if (reply.kind === "image") renderImage(reply);
    else renderBinary(reply);
    setCode(reply.code);
    addFetched(reply.bytes_fetched);
  }

  // -- calls ------------------------------------------------------------------------------------
  async function load(mode, offset = 0) {
    if (!state) return;
    const mine = seq;
    showError("");
    setBusy(true);
    try {
      const reply = await (state.file ? rpc.call("file_preview", { path: state.file, mode, offset })
        : rpc.call("preview", { archive: state.archive, member: state.member, mode, offset }));
      if (mine !== seq) return;
      render(reply);
    } catch (error) {
      if (mine === seq) showError(error.message);
    } finally {
      if (mine === seq) setBusy(false);
    }
  }

  async function openFrame() {
    const mine = seq;
    showError("");
    setBusy(true);
    result.textContent = "Reading the whole member…";
    try {
      const reply = await rpc.call("member_frame", { archive: state.archive, member: state.member });
      if (mine !== seq) return;
      result.textContent = `Available in Python as ${reply.python} — ` +
        `${reply.shape[0].toLocaleString("en-US")} rows × ${reply.shape[1]} columns`;
      setCode(`${reply.code}\n# or, already read: ${reply.python}`);
      addFetched(reply.bytes_fetched);
      if (onFrame) onFrame(reply);
    } catch (error) {
      if (mine === seq) { result.textContent = ""; showError(error.message); }
    } finally {
      if (mine === seq) setBusy(false);
    }
  }

  async function download() {
    if (!state) return;
    const mine = seq;
    const folder = folderInput.value.trim() || "./downloads";
    showError("");
    setBusy(true);
    result.textContent = `Downloading to ${folder}…`;
    try {
      const reply = await rpc.call("download_member", { archive: state.archive, member: state.member, folder });
      if (mine !== seq) return;
      result.textContent = `Saved to ${reply.path} (${formatBytes(reply.size)})`;
      result.title = exactBytes(reply.size);
      setCode(reply.code);
      addFetched(reply.bytes_fetched);
      if (onDownloadFolder) onDownloadFolder(folder);
    } catch (error) {
      if (mine === seq) { result.textContent = ""; showError(error.message); }
    } finally {
      if (mine === seq) setBusy(false);
    }
  }

  /** Preview `member` of `archive` (its default view: a log's tail, anything else's head). */
  function show(archive, member) {
    return start({ archive, member, file: null, name: member });
  }

  /** Preview the stored file at `path` (not in an archive), by byte range. */
  function showFile(path) {
    return start({ archive: null, member: null, file: path, name: path });
  }

  function start(target) {
    seq += 1;
    state = { ...target, fetched: 0, archiveSize: null, text: "", start: 0, end: 0,
      eof: true, atStart: true, textMode: "head", code: "", info: null };
    el.setAttribute("aria-label", target.file ? "File preview" : "Member preview");
    saveRow.hidden = !!target.file; // a stored file downloads with the browser's own buttons
    gathers.start(target.file ? null : target.archive, target.member);
    placeholder.hidden = true;
    head.hidden = false;
    controls.hidden = false;
    title.textContent = shortName(target.name);
    meta.textContent = "";
    fetched.textContent = "Loading…";
    delete fetched.dataset.bytes;
    result.textContent = "";
    note.hidden = true;
    clear(actions);
    clearBody();
    codeBox.textContent = "";
    return load("auto");
  }

  function reset() {
    seq += 1;
    state = null;
    placeholder.hidden = false;
    head.hidden = true;
    controls.hidden = true;
    note.hidden = true;
    showError("");
    clearBody();
  }

  function setDownloadFolder(folder) {
    if (folder && document.activeElement !== folderInput) folderInput.value = folder;
  }

  return { el, show, showFile, reset, setDownloadFolder, current: () => (state ? state.member : null),
    dispose: () => scope.dispose() };
}
