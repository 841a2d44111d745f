// Keys typed in a widget stay there: JupyterLab's command-mode shortcuts (letters, arrows),
// which listen on the document, must not see them. Here a document listener stands in for
// JupyterLab, and the four views are rendered for real (happy-dom) with fake models.
import { test } from "node:test";
import assert from "node:assert/strict";
import { FakeModel, settle, window } from "./support/dom.js";

const { isTextEntry, keepKeysInWidget, keyStaysInWidget } = await import("../src/keys.js");
const { Scope } = await import("../src/lifecycle.js");
const { default: storageBrowser } = await import("../src/storage_browser.js");
const { default: zipExplorer } = await import("../src/zip_explorer.js");
const { default: transferQueue } = await import("../src/transfer_queue.js");
const { default: gatherView } = await import("../src/gather_view.js");
const document = window.document;

const el = (html) => {
  const holder = document.createElement("div");
  holder.innerHTML = html;
  return holder.firstElementChild;
};
const textInput = el("<input type='text'>");
const search = el("<input type='search'>");
const checkbox = el("<input type='checkbox'>");
const button = el("<button>Go</button>");
const select = el("<select><option>a</option></select>");
const row = el("<div role='treeitem' tabindex='0'>x</div>");

test("text entry: text-like inputs, textareas, selects, editable elements", () => {
  for (const yes of [textInput, search, el("<input>"), el("<input type='number'>"), el("<textarea></textarea>"),
    select]) assert.equal(isTextEntry(yes), true, yes.outerHTML);
  for (const no of [checkbox, button, row, el("<input type='radio'>"), el("<input type='range'>"),
    el("<input type='text' disabled>"), null, document]) assert.equal(isTextEntry(no), false, String(no?.outerHTML));
});

test("the rule: which keys stay in the widget and which go on to JupyterLab", () => {
  const k = (key, mods = {}) => ({ key, ctrlKey: false, metaKey: false, altKey: false, shiftKey: false, ...mods });
  const stays = (key, mods, target) => keyStaysInWidget(k(key, mods), target);
  // Plain and Shift keys stay, wherever they are typed: "b" inserts a cell, "d d" deletes
  // one, arrows move the active cell, Shift+Z redoes, "1" makes a heading.
  for (const target of [textInput, button, row, select, checkbox]) {
    for (const key of ["a", "b", "c", "d", "m", "x", "v", "y", "z", "0", "1", " ", "ArrowUp", "ArrowDown",
      "ArrowLeft", "ArrowRight", "Home", "End", "Enter", "Escape", "Tab", "Backspace", "Delete"]) {
      assert.equal(stays(key, {}, target), true, `${key} on ${target.tagName}`);
    }
    for (const key of ["A", "B", "Z", "M", "ArrowDown", "Tab", "End"]) {
      assert.equal(stays(key, { shiftKey: true }, target), true, `Shift+${key} on ${target.tagName}`);
    }
  }
  // Running the cell: from a button or a row, JupyterLab's; in a text field, the field's.
  for (const mods of [{ shiftKey: true }, { ctrlKey: true }, { metaKey: true }, { altKey: true }]) {
    assert.equal(stays("Enter", mods, button), false, JSON.stringify(mods));
    assert.equal(stays("Enter", mods, row), false, JSON.stringify(mods));
    assert.equal(stays("Enter", mods, textInput), true, JSON.stringify(mods));
  }
  // Ctrl/Cmd chords reach JupyterLab (save, palette)…
  for (const target of [textInput, button, row]) {
    assert.equal(stays("s", { ctrlKey: true }, target), false);
    assert.equal(stays("s", { metaKey: true }, target), false);
    assert.equal(stays("C", { ctrlKey: true, shiftKey: true }, button), false);
  }
  // …but the editing ones typed in a text field are the field's (JupyterLab binds Accel A,
  // Ctrl Backspace and Ctrl Shift arrows in command mode).
  for (const key of ["a", "c", "v", "x", "z", "Z", "y", "ArrowLeft", "ArrowUp", "Home", "Backspace", "Delete"]) {
    assert.equal(stays(key, { ctrlKey: true }, textInput), true, `Ctrl+${key} in a text field`);
    assert.equal(stays(key, { metaKey: true, shiftKey: true }, search), true, `Cmd+Shift+${key} in a text field`);
    assert.equal(stays(key, { ctrlKey: true }, button), false, `Ctrl+${key} on a button`);
  }
  // Alt/Option types characters in a field; AltGr arrives as Ctrl+Alt.
  assert.equal(stays("é", { altKey: true }, textInput), true);
  assert.equal(stays("@", { ctrlKey: true, altKey: true }, textInput), true);
  assert.equal(stays("@", { getModifierState: (m) => m === "AltGraph" }, textInput), true);
  assert.equal(stays("ArrowUp", { altKey: true }, button), false);
  // An input method composing a character keeps every key.
  assert.equal(keyStaysInWidget({ key: "Process", ctrlKey: true }, textInput), true);
  assert.equal(keyStaysInWidget({ key: "Enter", shiftKey: true, isComposing: true }, button), true);
});

/** Keys seen by a listener on the document (as JupyterLab's): [key, ...]. */
function lab() {
  const seen = [];
  const fn = (e) => seen.push(e.key);
  document.addEventListener("keydown", fn);
  return { seen, stop: () => document.removeEventListener("keydown", fn) };
}

function press(target, key, mods = {}) {
  const e = new window.KeyboardEvent("keydown", { key, bubbles: true, cancelable: true, ...mods });
  target.dispatchEvent(e);
  return e;
}

test("a guarded root stops the widget's keys after its own listeners, defaults untouched", () => {
  const scope = new Scope();
  const root = el("<div><input type='text' aria-label='Filter'><button>Go</button></div>");
  document.body.append(root);
  const [input, go] = root.children;
  const own = [];
  scope.listen(input, "keydown", (e) => own.push(e.key));
  keepKeysInWidget(scope, root);
  const jl = lab();
  try {
    const events = ["b", "a", "d", "d", "x", "ArrowDown", "Tab"].map((key) => press(input, key));
    assert.deepEqual(own, ["b", "a", "d", "d", "x", "ArrowDown", "Tab"], "the input's own handler ran");
    assert.ok(events.every((e) => !e.defaultPrevented), "the browser still types the letter");
    press(go, "ArrowUp");
    press(go, "z");
    assert.deepEqual(jl.seen, [], "JupyterLab saw none of them");
    press(input, "s", { ctrlKey: true });
    press(go, "Enter", { shiftKey: true });
    press(input, "Enter", { shiftKey: true });
    press(input, "c", { ctrlKey: true });
    assert.deepEqual(jl.seen, ["s", "Enter"], "Ctrl+S and Shift+Enter on a button reached JupyterLab");
    assert.equal(root.dataset.iwKeys, "");
    scope.dispose();
    press(input, "b");
    assert.deepEqual(jl.seen, ["s", "Enter", "b"], "after teardown nothing is stopped");
    assert.equal(root.dataset.iwKeys, undefined);
  } finally {
    jl.stop();
    root.remove();
  }
});

test("a view inside another (a gathered view in a panel) leaves the keys to the outer one", () => {
  const scope = new Scope();
  const outer = el("<div><section class='panel'><div class='inner'><button>Run</button></div></section></div>");
  document.body.append(outer);
  const panel = outer.querySelector(".panel");
  const inner = outer.querySelector(".inner");
  const panelSaw = [];
  scope.listen(panel, "keydown", (e) => panelSaw.push(e.key));
  keepKeysInWidget(scope, outer);
  keepKeysInWidget(scope, inner);
  const jl = lab();
  try {
    press(inner.querySelector("button"), "Escape");
    press(inner.querySelector("button"), "b");
    assert.deepEqual(panelSaw, ["Escape", "b"], "the panel's Escape still works");
    assert.deepEqual(jl.seen, []);
  } finally {
    jl.stop();
    scope.dispose();
    outer.remove();
  }
});

// -- every view we ship ------------------------------------------------------------------------
const transfer = (state) => ({ id: `t-${state}`, kind: "download", origin: "kernel", label: `Download x (${state})`,
  source: "x", target: "d", state, bytes_done: 10, bytes_total: 100, files_done: 0, files_total: 1,
  current_file: null, rate: 5, eta_s: 18, error: null, result: [], result_count: 0, code: "c", retryable: true });

const views = {
  StorageBrowser: [storageBrowser, () => {
    const rows = [{ name: "a", path: "a", kind: "folder", is_dir: true, size: 10 },
      { name: "c.txt", path: "c.txt", kind: "file", is_dir: false, size: 5 }];
    return new FakeModel({ path: "/", region: "", regions: ["europe-west1"], selected: [], folder_sizes: true,
      height: 500, storage_used: 35, monthly_cost: 0.5, currency: "USD", error: "", version: 0,
      transfers: [transfer("running")], last_frame_name: "", download_folder: "./downloads" }, {
      page: () => ({ total: rows.length, rows, path: "/" }),
      children: () => ({ nodes: [], truncated: false }),
      describe: ({ paths }) => ({ items: paths.map((path) => ({ path, is_dir: false, size: 5 })), total: 5 }),
    });
  }, "[aria-label='Filter this folder']"],
  ZipExplorer: [zipExplorer, () => new FakeModel({ path: "t/output.zip", region: "", height: 480, selected: "",
    archive_size: 1000, member_count: 1, total_size: 100, implied_prefix: "", error: "", version: 0,
    last_frame_name: "", download_folder: "./downloads" }, {
    member_list: () => ({ mode: "all", members: [{ name: "a.txt", size: 100, compressed_size: 40, method: "deflate" }],
      folders: [] }),
  }), "[role=treeitem]"],
  TransferQueue: [transferQueue, () => new FakeModel({ transfers: [transfer("running")] }),
    "[aria-label='Cancel Download x (running)']"],
  GatherView: [gatherView, () => new FakeModel({ pattern: "*/output.zip/g.csv", height: 400, autorun: false,
    state: "idle", files_done: 0, files_total: 0, bytes_done: 0, error: "", code: "c" }), "button"],
};

for (const [name, [view, makeModel, control]] of Object.entries(views)) {
  test(`${name}: letters and arrows typed in it never reach JupyterLab`, async () => {
    const model = makeModel();
    const host = document.createElement("div");
    document.body.append(host);
    const teardown = view.render({ model, el: host });
    const jl = lab();
    try {
      await settle();
      const root = host.firstElementChild;
      assert.equal(root.dataset.iwKeys, "", "the view's root is guarded");
      const target = host.querySelector(control);
      assert.ok(target, `${control} is shown`);
      for (const key of ["b", "a", "d", "d", "x", "ArrowDown", "ArrowUp", "B", "1"]) press(target, key);
      assert.deepEqual(jl.seen, []);
      press(target, "s", { ctrlKey: true });
      assert.deepEqual(jl.seen, ["s"]);
    } finally {
      jl.stop();
      teardown();
      host.remove();
    }
  });
}
