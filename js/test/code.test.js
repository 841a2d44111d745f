import { test } from "node:test";
import assert from "node:assert/strict";
import { copyCode, downloadCode, exportCode, uploadFromUrlCode } from "../src/code.js";
import { fraction, formatDuration, transferSummary } from "../src/transfers_panel.js";

test("show-code strings are valid Python calls", () => {
  assert.match(downloadCode(["t/output.zip"], "downloads", true),
    /storage\.download\("t\/output\.zip", "downloads", decompress=True\)$/);
  assert.match(uploadFromUrlCode("https://x/y.csv", "data", ""), /upload_from_url\("https:\/\/x\/y.csv", "data"\)$/);
  assert.match(exportCode("t/o.zip", "b", "", 64), /part_size=64\)\noperation\.wait\(\)$/);
  assert.match(copyCode(["a/b.txt"], "backup/"), /storage\.copy\("a\/b\.txt", "backup\/b\.txt"\)$/);
  assert.match(downloadCode(['we"ird'], "d", false), /"we\\"ird"/);
});

test("transfer rows summarise progress", () => {
  const t = { state: "running", bytes_done: 1024 * 1024, bytes_total: 4 * 1024 * 1024,
    files_done: 3, files_total: 10, rate: 512 * 1024, eta_s: 6 };
  assert.equal(transferSummary(t), "1.00 MiB / 4.00 MiB · 3/10 files · 512 KiB/s · 6 s left");
  assert.equal(fraction(t), 0.25);
  assert.equal(fraction({ ...t, state: "done" }), 1);
  assert.equal(fraction({ state: "running", bytes_total: null, files_done: 1, files_total: 4 }), 0.25);
  assert.equal(formatDuration(125), "2 min 5 s");
  assert.equal(formatDuration(null), "");
});
