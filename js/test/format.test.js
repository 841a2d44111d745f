import { test } from "node:test";
import assert from "node:assert/strict";
import { crumbs, exactBytes, exactCost, formatBytes, formatCost, parentPath, splitMiddle } from "../src/format.js";

test("sizes are human readable", () => {
  assert.equal(formatBytes(null), "—");
  assert.equal(formatBytes(0), "0 B");
  assert.equal(formatBytes(1023), "1023 B");
  assert.equal(formatBytes(1024), "1.00 KiB");
  assert.equal(formatBytes(1536 * 1024), "1.50 MiB");
  assert.equal(formatBytes(250 * 1024 ** 3), "250 GiB");
  assert.equal(exactBytes(1234567), "1,234,567 bytes");
});

test("costs read at a glance: cents or more, '< $0.01' below, '—' for nothing known", () => {
  assert.equal(formatCost(0), "$0.00");
  assert.equal(formatCost(12.345), "$12.35");
  assert.equal(formatCost(1234.5), "$1,234.50");
  assert.equal(formatCost(0.0000172), "< $0.01");
  assert.equal(formatCost(6.6e-7), "< $0.01");
  assert.equal(formatCost(null), "—");
  assert.equal(formatCost(undefined), "—");
  assert.equal(formatCost(0.5, "EUR"), "€0.50");
  assert.equal(formatCost(0.5, "not a code"), "0.50 not a code");
  // The hover text keeps the exact value, without exponents.
  assert.equal(exactCost(6.6e-7), "0.00000066 USD per month");
  assert.equal(exactCost(0.0000172), "0.000017 USD per month");
  assert.equal(exactCost(12.345), "12.35 USD per month");
});

test("long names are cut in the middle, keeping the end whole", () => {
  assert.deepEqual(splitMiddle("short.txt"), ["short.txt", ""]);
  const [head, tail] = splitMiddle("60kvj50ce9uvw53efr4xq7zt2");
  assert.equal(head + tail, "60kvj50ce9uvw53efr4xq7zt2");
  assert.equal(tail, "r4xq7zt2");
  // A file keeps its extension and a few characters before it.
  assert.deepEqual(splitMiddle("a_forty_character_long_simulation_name.csv"),
    ["a_forty_character_long_simulation_", "name.csv"]);
  assert.equal(splitMiddle("x".repeat(30) + ".parquet")[1], "xxxx.parquet");
});

test("breadcrumbs and parents", () => {
  assert.deepEqual(crumbs("/"), [{ name: "Storage", path: "/" }]);
  assert.deepEqual(crumbs("a/b.zip/c").map((c) => c.path), ["/", "a", "a/b.zip", "a/b.zip/c"]);
  assert.equal(parentPath("a/b/c"), "a/b");
  assert.equal(parentPath("a"), "/");
  assert.equal(parentPath("/"), "/");
});
