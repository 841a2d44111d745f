// Search results in the StorageBrowser: the counts bar, members shown with their archive,
// Stop, and the previews a selected result opens (a member by its archive, a stored file).
import { test } from "node:test";
import assert from "node:assert/strict";
import { FakeModel, settle, window } from "./support/dom.js";

const { failuresText, searchPlace, searchSummary } = await import("../src/search_results.js");
const { fetchedNote, fileSummary } = await import("../src/member_preview.js");
const { default: storageBrowser } = await import("../src/storage_browser.js");
const document = window.document;

test("the counts read naturally, running and done", () => {
  const progress = { folders: 34, archives: 7, archives_failed: 0, truncated: false, max_results: 1000 };
  assert.equal(searchSummary({ matches: 12, progress }), "12 matches · 34 folders, 7 archives searched · searching…");
  assert.equal(searchSummary({ matches: 1, progress, done: true }), "1 match · 34 folders, 7 archives searched");
  assert.equal(searchSummary({ matches: 0, progress: null }), "0 matches · 0 folders searched · searching…");
  assert.equal(searchSummary({ matches: 3, progress: { folders: 0, archives: 1 }, done: true }),
    "3 matches · 1 archive searched");
  assert.equal(searchSummary({ matches: 1000, done: true,
    progress: { folders: 1, archives: 2, archives_failed: 2, truncated: true, max_results: 1000 } }),
  "1,000 matches · 1 folder, 2 archives searched · 2 archives could not be searched · the first 1,000 shown");
  assert.equal(searchSummary({ matches: 4, progress, done: true, stopped: true }),
    "4 matches · 34 folders, 7 archives searched · stopped");
});

test("the bar says where a search looked: all storage from the root, else the folder's name", () => {
  assert.equal(searchPlace("/"), "all storage");
  assert.equal(searchPlace(""), "all storage");
  assert.equal(searchPlace("t1/input.zip"), "input.zip");
  assert.equal(searchPlace("t1/output.zip/artifacts/"), "artifacts");
  assert.equal(searchSummary({ matches: 1, progress: { folders: 0, archives: 1 }, done: true, path: "t1/input.zip" }),
    "1 match · 1 archive searched in input.zip");
});

test("archives that could not be searched are named with the reason", () => {
  assert.equal(failuresText({}), "");
  assert.equal(failuresText({ archives_failed: 3, failures: [{ archive: "x/a.zip", reason: "not a ZIP" }] }),
    "Could not be searched:\nx/a.zip: not a ZIP\n… and 2 more");
});

test("a file preview's cost is of the file", () => {
  assert.equal(fetchedNote(65536, 8 * 1024 ** 2, "file"), "fetched 64.0 KiB of this 8.00 MiB file");
  assert.equal(fileSummary({ size: 121 * 1024 }), "121 KiB stored file, read by byte range");
});

const MEMBER = { name: "gauges.csv", path: "t1/output.zip/artifacts/gauges.csv", kind: "member", is_dir: false,
  size: 2000, in_archive: true, archive: "t1/output.zip", member: "artifacts/gauges.csv", method: "deflate" };
const FILE = { name: "gauges_old.csv", path: "data/gauges_old.csv", kind: "file", is_dir: false, size: 100 };

function model(calls) {
  const record = (name, reply) => (args) => { calls.push([name, args]); return reply(args); };
  return new FakeModel({
    path: "/", region: "", regions: [], selected: [], folder_sizes: false, height: 500,
    storage_used: 1, monthly_cost: 0, currency: "USD", error: "", version: 0,
    transfers: [], last_frame_name: "", download_folder: "./downloads",
  }, {
    page: ({ path }) => ({ total: 0, rows: [], path, ...(path.includes(".zip") ? { archive: "t1/output.zip" } : {}) }),
    children: () => ({ nodes: [], truncated: false }),
    search: record("search", ({ token }) => ({ started: token })),
    cancel_search: record("cancel_search", () => ({ cancelled: true })),
    preview: record("preview", ({ archive, member }) => ({ archive, member, kind: "csv", mode: "head",
      columns: ["t"], dtypes: ["int64"], rows: [["1"]], rows_shown: 1, rows_parsed: 1, complete: true,
      head_bytes: 4, size: 2000, compressed_size: 900, method: "deflate", archive_size: 5000,
      note: "", bytes_fetched: 900, code: "" })),
    file_preview: record("file_preview", ({ path }) => ({ file: path, kind: "text", mode: "head", text: "a\n",
      offset: 0, next_offset: 2, size: 100, note: "", bytes_fetched: 100, code: "" })),
  });
}

/** A StorageBrowser on a fresh model, rendered and settled; `dispose` also removes it. */
async function mount() {
  const calls = [];
  const m = model(calls);
  const el = document.createElement("div");
  document.body.append(el);
  const unrender = storageBrowser.render({ model: m, el });
  await settle();
  const dispose = () => { unrender(); el.remove(); };
  return { calls, m, el, dispose };
}

test("a search shows counts, members with their archive, stops, and previews what is selected", async () => {
  const { calls, m, el, dispose } = await mount();
  const toggle = el.querySelector("[aria-label='Look inside archives when searching']");
  assert.equal(toggle.checked, true, "archives are searched by default");
  el.querySelector("[aria-label='Search all subfolders by name']").value = "gauges";
  el.querySelector("[aria-label=Search]").click();
  await settle();
  const [, args] = calls.find(([name]) => name === "search");
  assert.equal(args.inside_archives, true);
  assert.equal(args.path, "/");

  const progress = { folders: 3, archives: 2, archives_failed: 1, truncated: false, max_results: 1000,
    failures: [{ archive: "bad.zip", reason: "not a readable ZIP archive" }] };
  m.emit("msg:custom", { kind: "event", event: "search", token: args.token, rows: [MEMBER, FILE],
    progress, done: false });
  await settle();
  const bar = el.querySelector(".iw-search-bar");
  const summary = bar.querySelector("[role=status][aria-label='Search progress']");
  assert.equal(bar.hidden, false);
  assert.match(summary.textContent, /“gauges”: 2 matches · 3 folders, 2 archives searched in all storage · 1 archive could not be searched · searching…/);
  assert.equal(summary.getAttribute("aria-busy"), "true");
  assert.match(summary.title, /bad\.zip: not a readable ZIP archive/);
  const memberRow = el.querySelector(`[data-path='${MEMBER.path}']`);
  assert.match(memberRow.textContent, /gauges\.csv/);
  assert.equal(memberRow.querySelector(".iw-name").title, MEMBER.path);
  assert.match(memberRow.querySelector(".iw-in-archive").textContent, /^in t1\/output\.zip/);

  el.querySelector("[aria-label='Stop searching']").click();
  await settle();
  assert.ok(calls.some(([name, a]) => name === "cancel_search" && a.token === args.token));
  assert.match(summary.textContent, /· stopped$/);
  assert.equal(summary.getAttribute("aria-busy"), "false");
  assert.equal(bar.querySelector("[aria-label='Stop searching']").hidden, true);
  m.emit("msg:custom", { kind: "event", event: "search", token: args.token, rows: [{ ...FILE, path: "late" }],
    progress, done: true, cancelled: true });
  await settle();
  assert.equal(el.querySelectorAll(".iw-row[data-path]").length, 2, "nothing arrives after Stop");

  // One click on a member result previews it from its archive; on a file, by byte range.
  el.querySelector(`[data-path='${MEMBER.path}']`).click(); // the rows are drawn anew
  await settle();
  assert.deepEqual(calls.filter(([name]) => name === "preview").pop()[1],
    { archive: "t1/output.zip", member: "artifacts/gauges.csv", mode: "auto", offset: 0 });
  const pane = el.querySelector(".iw-preview-pane");
  assert.equal(pane.getAttribute("aria-label"), "Member preview pane");
  el.querySelector(`[data-path='${FILE.path}']`).click();
  await settle();
  assert.deepEqual(calls.filter(([name]) => name === "file_preview").pop()[1],
    { path: "data/gauges_old.csv", mode: "auto", offset: 0 });
  assert.equal(pane.getAttribute("aria-label"), "File preview pane");
  assert.equal(pane.querySelector(".iw-preview-fetched").textContent, "fetched 100 B of this 100 B file");
  assert.equal(pane.querySelector(".iw-preview-save").hidden, true);

  // Activating a member result opens its archive folder with the member selected.
  el.querySelector(`[data-path='${MEMBER.path}']`).click();
  el.querySelector(`[data-path='${MEMBER.path}']`).dispatchEvent(new window.MouseEvent("click", { bubbles: true, detail: 2 }));
  await settle();
  assert.equal(m.get("path"), "t1/output.zip/artifacts");
  assert.deepEqual(m.get("selected"), [MEMBER.path]);
  assert.equal(bar.hidden, true, "the results bar goes with the results");
  assert.equal(pane.hidden, false);
  assert.equal(pane.getAttribute("aria-label"), "Member preview pane");
  dispose();
});

test("unchecking the toggle searches names only, and Close results goes back to the folder", async () => {
  const { calls, el, dispose } = await mount();
  el.querySelector("[aria-label='Look inside archives when searching']").click();
  const box = el.querySelector("[aria-label='Search all subfolders by name']");
  box.value = "x";
  box.dispatchEvent(new window.KeyboardEvent("keydown", { key: "Enter", bubbles: true }));
  await settle();
  const [, args] = calls.find(([name]) => name === "search");
  assert.equal(args.inside_archives, false);
  el.querySelector("[aria-label='Close the search results']").click();
  await settle();
  assert.ok(calls.some(([name, a]) => name === "cancel_search" && a.token === args.token));
  assert.equal(el.querySelector(".iw-search-bar").hidden, true);
  dispose();
});

test("inside an archive, \"All storage\" searches from the root and its results open their own archive", async () => {
  const { calls, m, el, dispose } = await mount();
  const scope = el.querySelector("select[aria-label='Search scope']");
  assert.equal(scope.hidden, true, "at the root, here is all storage: no choice to make");
  m.change("path", "t2/input.zip");
  await settle();
  assert.equal(scope.hidden, false);
  assert.deepEqual([...scope.options].map((o) => [o.value, o.textContent]), [["here", "Here"], ["all", "All storage"]]);
  assert.equal(scope.value, "here", "today's behaviour by default");
  const box = el.querySelector("[aria-label='Search all subfolders by name']");
  const summary = el.querySelector(".iw-search-bar [role=status]");

  box.value = "params";
  el.querySelector("[aria-label=Search]").click();
  await settle();
  const [, here] = calls.filter(([name]) => name === "search").pop();
  assert.equal(here.scope, "here");
  assert.equal(here.path, "t2/input.zip");
  m.emit("msg:custom", { kind: "event", event: "search", token: here.token, rows: [],
    progress: { folders: 0, archives: 1 }, done: true });
  await settle();
  assert.equal(summary.textContent, "“params”: 0 matches · 1 archive searched in input.zip");
  assert.equal(summary.title, "Searched beneath t2/input.zip");

  scope.value = "all";
  box.value = "gauges";
  el.querySelector("[aria-label=Search]").click();
  await settle();
  const [, all] = calls.filter(([name]) => name === "search").pop();
  assert.equal(all.scope, "all");
  m.emit("msg:custom", { kind: "event", event: "search", token: all.token, rows: [MEMBER],
    progress: { folders: 4, archives: 6 }, done: true });
  await settle();
  assert.equal(summary.textContent, "“gauges”: 1 match · 4 folders, 6 archives searched in all storage");
  assert.equal(summary.hasAttribute("title"), false);

  // Activating the member found in another task's output.zip opens that archive, selected.
  el.querySelector(`[data-path='${MEMBER.path}']`).dispatchEvent(new window.MouseEvent("click", { bubbles: true, detail: 2 }));
  await settle();
  assert.equal(m.get("path"), "t1/output.zip/artifacts");
  assert.deepEqual(m.get("selected"), [MEMBER.path]);
  assert.deepEqual(calls.filter(([name]) => name === "preview").pop()[1],
    { archive: "t1/output.zip", member: "artifacts/gauges.csv", mode: "auto", offset: 0 });
  assert.equal(el.querySelector(".iw-alert")?.hidden ?? true, true, "no error");
  assert.equal(scope.value, "all", "the choice stays for the next search");
  dispose();
});
