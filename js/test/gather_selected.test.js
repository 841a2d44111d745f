// "Gather from the N selected tasks" in the member preview, the panel's title, and the
// folders skipped (no archive at all) folded away in the GatherView's status.
import { test } from "node:test";
import assert from "node:assert/strict";
import { FakeModel, settle, window } from "./support/dom.js";

const { createMemberPreview } = await import("../src/member_preview.js");
const { selectedLabel } = await import("../src/preview_gather.js");
const { createGatherPanel } = await import("../src/gather_panel.js");
const { default: gatherView, splitSkipped } = await import("../src/gather_view.js");
const { Scope } = await import("../src/lifecycle.js");
const { createRpc } = await import("../src/rpc.js");
const document = window.document;

const OFFER = { path: "runs/t2/output.zip/g.csv", tasks: ["runs/t1", "runs/t2", "runs/t3"] };

function previewReply(args) {
  return { kind: "text", mode: "head", text: "a\n", offset: 0, next_offset: 2, size: 2,
    member: args.member, method: "stored", compressed_size: 2, archive_size: 10, bytes_fetched: 2,
    code: "", ...(args.member === "g.csv" ? { gather_selected: OFFER } : {}) };
}

test("labels", () => {
  assert.equal(selectedLabel(3), "Gather from the 3 selected tasks");
  assert.equal(selectedLabel(1), "Gather from the 1 selected task");
  const rows = [{ status: "found" }, { status: "skipped" }, { status: "missing" }];
  assert.deepEqual(splitSkipped(rows), { tasks: [rows[0], rows[2]], skipped: [rows[1]] });
});

test("the preview offers the selected tasks only when its reply does, and sends the offer", async () => {
  const model = new FakeModel({}, { preview: previewReply, open_gather: () => ({ pattern: "3 tasks" }) });
  const scope = new Scope();
  const rpc = createRpc(scope, model);
  const preview = createMemberPreview(scope, { rpc, onGather: () => rpc.call("open_gather", {}) });
  document.body.append(preview.el);
  const button = () => preview.el.querySelector("button[title^='Read this member from the task folders selected']");
  const all = () => [...preview.el.querySelectorAll("button")].find((b) => b.textContent === "Gather from all tasks");

  preview.show("runs/t2/output.zip", "g.csv");
  assert.equal(button().hidden, true); // until the reply says so
  await settle();
  assert.equal(button().hidden, false);
  assert.equal(button().textContent, "Gather from the 3 selected tasks");
  assert.equal(all().hidden, false);
  button().click();
  await settle();
  const sent = model.calls.filter((c) => c.method === "open_gather");
  assert.deepEqual(sent.map((c) => c.args), [OFFER]);

  // Another member whose reply offers nothing: the button goes.
  preview.show("runs/t2/output.zip", "other.txt");
  await settle();
  assert.equal(button().hidden, true);
  all().click();
  await settle();
  assert.deepEqual(model.calls.filter((c) => c.method === "open_gather").at(-1).args, {});
  scope.dispose();
  preview.el.remove();
});

test("the panel's title says which tasks were gathered", async () => {
  const model = new FakeModel({ gather_view: null, gather_title: "Gathered from all tasks" }, {});
  const scope = new Scope();
  const panel = createGatherPanel(scope, { model, host: undefined, rpc: createRpc(scope, model), onError: () => {} });
  const title = () => panel.el.querySelector(".iw-gather-panel-title").textContent;
  assert.equal(title(), "Gathered from all tasks");
  model.change("gather_title", "Gathered from 3 selected tasks");
  assert.equal(title(), "Gathered from 3 selected tasks");
  scope.dispose();
});

test("folders without the archive are one folded line, their rows kept", async () => {
  const model = new FakeModel({
    pattern: "*/output.zip/g.txt", height: 400, autorun: true, state: "idle", files_done: 0,
    files_total: 0, bytes_done: 0, error: "", code: "",
  }, {
    run: () => ({ summary: "2 tasks: 1 found, 1 missing · 2 folders without output.zip skipped",
      kind: "text", skipped: "2 folders without output.zip skipped", rows_total: 0, x: null, numeric: [], columns: [],
      status: [{ task: "a", status: "found", detail: "", bytes_read: 9, rows: null },
        { task: "b", status: "missing", detail: "no g.txt in b/output.zip", bytes_read: 0, rows: null },
        { task: "datasets", status: "skipped", detail: "no archive datasets/output.zip", bytes_read: 0, rows: null },
        { task: "notes", status: "skipped", detail: "no archive notes/output.zip", bytes_read: 0, rows: null }] }),
    texts: () => ({ texts: [{ task: "a", text: "hi", cut: false }] }),
  });
  const el = document.createElement("div");
  document.body.append(el);
  const teardown = gatherView.render({ model, el });
  await settle();
  const tasks = el.querySelector("[aria-label='Task status table']");
  assert.equal(tasks.querySelectorAll("tbody tr").length, 2);
  assert.equal(tasks.querySelector("caption").textContent, "2 tasks");
  const folded = el.querySelector("details.iw-gv-skipped");
  assert.equal(folded.open, false);
  assert.equal(folded.querySelector("summary").textContent, "2 folders without output.zip skipped");
  assert.equal(folded.querySelectorAll("tbody tr").length, 2);
  assert.match(folded.textContent, /no archive notes\/output\.zip/);
  teardown();
  el.remove();
});
