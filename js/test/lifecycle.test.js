// Views rendered again and again (as JupyterLab does when an output is re-shown) leave no
// listener behind: after each teardown, the model's and the DOM's counts are back where
// they started, and while a view is shown they stay the same from one render to the next.
import { test } from "node:test";
import assert from "node:assert/strict";
import { domListeners, FakeModel, settle, window } from "./support/dom.js";

const { default: storageBrowser } = await import("../src/storage_browser.js");
const { default: zipExplorer } = await import("../src/zip_explorer.js");
const { default: transferQueue } = await import("../src/transfer_queue.js");
const { Scope } = await import("../src/lifecycle.js");

const RENDERS = 50;
const document = window.document;

const transfer = (state) => ({ id: `t-${state}`, kind: "download", origin: "kernel", label: `Download x (${state})`,
  source: "x", target: "d", state, bytes_done: 10, bytes_total: 100, files_done: 0, files_total: 1,
  current_file: null, rate: 5, eta_s: 18, error: null, result: [], result_count: 0,
  code: "storage.download('x', 'd', decompress=True)", retryable: true });

function browserModel() {
  const rows = [
    { name: "a", path: "a", kind: "folder", is_dir: true, size: 10 },
    { name: "b.zip", path: "b.zip", kind: "zip", is_dir: true, size: 20 },
    { name: "c.txt", path: "c.txt", kind: "file", is_dir: false, size: 5 },
  ];
  return new FakeModel({
    path: "/", region: "", regions: ["europe-west1"], selected: [], folder_sizes: true, height: 500,
    storage_used: 35, monthly_cost: 0.5, currency: "USD", error: "", version: 0,
    transfers: [transfer("running")], last_frame_name: "", download_folder: "./downloads",
  }, {
    page: () => ({ total: rows.length, rows, path: "/" }),
    children: ({ path }) => ({ nodes: path === "/" ? rows.filter((r) => r.is_dir) : [], truncated: false }),
    search: () => ({ started: "x" }),
    describe: ({ paths }) => ({ items: paths.map((path) => ({ path, is_dir: false, size: 5 })), total: 5 }),
    reload: () => ({}),
  });
}

function zipModel() {
  const members = [
    { name: "artifacts/stdout.txt", size: 100, compressed_size: 40, compress_type: 8, method: "deflate" },
    { name: "artifacts/plots/p.png", size: 50, compressed_size: 50, compress_type: 0, method: "stored" },
  ];
  return new FakeModel({
    path: "t/output.zip", region: "", height: 480, selected: "artifacts/stdout.txt", archive_size: 1000,
    member_count: 2, total_size: 150, implied_prefix: "artifacts/", error: "", version: 0,
    last_frame_name: "", download_folder: "./downloads",
  }, {
    member_list: () => ({ mode: "all", members, folders: [] }),
    preview: ({ member }) => ({ archive: "t/output.zip", member, kind: "text", mode: "tail", text: "last line\n",
      offset: 90, next_offset: 100, size: 100, compressed_size: 40, compress_type: 8, method: "deflate",
      archive_size: 1000, note: "", bytes_fetched: 40, code: "storage.tail_member(...)" }),
    reload: () => ({}),
  });
}

const queueModel = () => new FakeModel({ transfers: [transfer("running"), transfer("failed")] });

function dialogsClose(el) {
  el.querySelector("[role=dialog] [aria-label=Cancel]")?.click();
  assert.equal(el.querySelector("[role=dialog]"), null);
}

/** Things a user does while the view is shown, so that every component has worked. */
const exercise = {
  async StorageBrowser(model, el) {
    el.querySelector("[data-path='a'] .iw-tree-toggle")?.click();
    el.querySelector(".iw-row[data-index='0']")?.click();
    model.change("transfers", [transfer("running"), transfer("done")]);
    model.change("selected", ["c.txt"]);
    el.querySelector("[aria-label='Delete selected']").click(); // describe, then a dialog
    el.querySelector("[aria-label='Copy selected to a folder']").click(); // opens a dialog
    el.querySelector("[aria-label='Filter this folder']").dispatchEvent(new window.Event("input"));
    await settle();
    assert.equal(el.querySelectorAll(".iw-row[data-path]").length, 3, "the table shows the rows");
    assert.ok(el.querySelector("[role=treeitem][data-path='a'][aria-expanded=true]"), "the tree opened a folder");
    assert.ok(el.querySelector("[role=dialog]"), "a dialog is open");
    assert.equal(el.querySelectorAll(".iw-transfer").length, 2, "the transfers are shown");
    dialogsClose(el);
    const first = el.querySelector(".iw-row[data-path='a']");
    first.dispatchEvent(new window.MouseEvent("click", { bubbles: true, detail: 1 }));
    el.querySelector(".iw-row[data-path='a']").dispatchEvent(new window.MouseEvent("click", { bubbles: true, detail: 2 }));
    assert.equal(model.get("path"), "a", "a double click opens the folder");
    model.change("path", "/");
    await settle();
  },
  async ZipExplorer(model, el) {
    el.querySelector("[data-path='artifacts/plots'][aria-expanded=false] > .iw-zx-row")?.click();
    el.querySelector("[role=treeitem][data-path='artifacts/stdout.txt']")
      ?.dispatchEvent(new window.KeyboardEvent("keydown", { key: "ArrowDown", bubbles: true }));
    model.change("selected", "artifacts/plots/p.png");
    await settle();
    assert.ok(el.querySelector("[role=treeitem][data-path='artifacts/plots/p.png'][aria-selected=true]"));
    assert.match(el.querySelector(".iw-preview-text")?.textContent || "", /last line/);
  },
  async TransferQueue(model, el) {
    model.change("transfers", [transfer("done")]);
    await settle(5);
    assert.equal(el.querySelectorAll(".iw-transfer").length, 1);
  },
};

for (const [name, view, makeModel] of [["StorageBrowser", storageBrowser, browserModel],
  ["ZipExplorer", zipExplorer, zipModel], ["TransferQueue", transferQueue, queueModel]]) {
  test(`${name}: ${RENDERS} renders leave no listeners behind`, async (t) => {
    const model = makeModel();
    const baseModel = model.listeners();
    const baseDom = domListeners();
    const shown = [];
    for (let i = 0; i < RENDERS; i += 1) {
      const el = document.createElement("div");
      document.body.append(el);
      const teardown = view.render({ model, el });
      await settle();
      await exercise[name](model, el);
      shown.push({ model: model.listeners() - baseModel, dom: domListeners() - baseDom });
      assert.ok(el.querySelector("[role]"), "the view rendered");
      teardown();
      el.remove();
      assert.equal(model.listeners(), baseModel, `model listeners after teardown ${i + 1}`);
      assert.equal(domListeners(), baseDom, `DOM listeners after teardown ${i + 1}`);
    }
    // The same number each time it was shown: nothing accumulates across renders.
    assert.ok(shown[0].model > 0 && shown[0].dom > 0);
    assert.deepEqual(new Set(shown.map((s) => `${s.model}/${s.dom}`)).size, 1, JSON.stringify(shown.slice(0, 3)));
    t.diagnostic(`${name}: ${shown[0].model} model + ${shown[0].dom} DOM listeners while shown, ` +
      `back to the baseline after each of ${RENDERS} teardowns`);
  });
}

test("a scope undoes listeners, timers and children, once, last in first out", async () => {
  const scope = new Scope();
  const target = document.createElement("div");
  const order = [];
  let clicks = 0;
  scope.listen(target, "click", () => { clicks += 1; });
  scope.add(() => order.push("first"));
  const child = scope.child();
  child.add(() => order.push("child"));
  scope.add(() => order.push("last"));
  let fired = false;
  scope.timeout(() => { fired = true; }, 1);
  const before = domListeners();
  target.click();
  scope.dispose();
  scope.dispose();
  target.click();
  await settle(5);
  assert.equal(clicks, 1);
  assert.equal(fired, false);
  assert.deepEqual(order, ["last", "child", "first"]);
  assert.equal(domListeners(), before - 1);
  assert.ok(child.disposed);
});
