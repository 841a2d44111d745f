import { test } from "node:test";
import assert from "node:assert/strict";
import { crumbs, exactBytes, formatBytes, formatCost, parentPath } from "../src/format.js";

test("sizes are human readable", () => {
  assert.equal(formatBytes(null), "—");
  assert.equal(formatBytes(0), "0 B");
  assert.equal(formatBytes(1023), "1023 B");
  assert.equal(formatBytes(1024), "1.00 KiB");
  assert.equal(formatBytes(1536 * 1024), "1.50 MiB");
  assert.equal(formatBytes(250 * 1024 ** 3), "250 GiB");
  assert.equal(exactBytes(1234567), "1,234,567 bytes");
});

test("small costs keep two significant digits", () => {
  assert.equal(formatCost(0), "0 USD");
  assert.equal(formatCost(12.345), "12.35 USD");
  assert.equal(formatCost(0.0000172), "0.000017 USD");
  assert.equal(formatCost(null), "");
});

test("breadcrumbs and parents", () => {
  assert.deepEqual(crumbs("/"), [{ name: "Storage", path: "/" }]);
  assert.deepEqual(crumbs("a/b.zip/c").map((c) => c.path), ["/", "a", "a/b.zip", "a/b.zip/c"]);
  assert.equal(parentPath("a/b/c"), "a/b");
  assert.equal(parentPath("a"), "/");
  assert.equal(parentPath("/"), "/");
});
