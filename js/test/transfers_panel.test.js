import { test } from "node:test";
import assert from "node:assert/strict";
import { fraction, formatDuration, transferSummary } from "../src/transfers_panel.js";

test("transfer rows show the rate and ETA Python sent", () => {
  const t = { state: "running", bytes_done: 1024 * 1024, bytes_total: 4 * 1024 * 1024,
    files_done: 3, files_total: 10, rate: 512 * 1024, eta_s: 6 };
  assert.equal(transferSummary(t), "1.00 MiB / 4.00 MiB · 3/10 files · 512 KiB/s · 6 s left");
  assert.equal(transferSummary({ ...t, eta_s: null }), "1.00 MiB / 4.00 MiB · 3/10 files · 512 KiB/s");
  assert.equal(transferSummary({ ...t, state: "done" }), "1.00 MiB / 4.00 MiB · 3/10 files");
  assert.equal(fraction(t), 0.25);
  assert.equal(fraction({ ...t, state: "done" }), 1);
  assert.equal(fraction({ state: "running", bytes_total: null, files_done: 1, files_total: 4 }), 0.25);
  assert.equal(formatDuration(125), "2 min 5 s");
  assert.equal(formatDuration(null), "");
});
