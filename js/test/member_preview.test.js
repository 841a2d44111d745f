import { test } from "node:test";
import assert from "node:assert/strict";
import { fetchedNote, memberSummary, mergeText, rangeNote } from "../src/member_preview.js";
import { buildMemberTree, sortedChildren } from "../src/zip_explorer.js";

test("the network cost reads naturally", () => {
  assert.equal(fetchedNote(12595, 4.1 * 1024 ** 3), "fetched 12.3 KiB of this 4.10 GiB archive");
  assert.equal(fetchedNote(0, null), "fetched 0 B of the archive");
});

test("member sizes and the method name the reply carries", () => {
  assert.equal(memberSummary({ size: 285065, compressed_size: 44012, compress_type: 8, method: "deflate" }),
    "278 KiB, 43.0 KiB compressed (deflate)");
  assert.equal(memberSummary({ size: 7843, compressed_size: 7843, compress_type: 0, method: "stored" }),
    "7.66 KiB (stored, not compressed)");
  assert.equal(memberSummary({ size: 10, compressed_size: 9, compress_type: 14, method: "lzma" }),
    "10 B, 9 B compressed (lzma)");
  assert.equal(memberSummary({ size: 10, compressed_size: 9, compress_type: 93, method: "method 93" }),
    "10 B, 9 B compressed (method 93)");
});

test("text ranges", () => {
  assert.equal(rangeNote(0, 100, 100), "all 100 bytes");
  assert.equal(rangeNote(0, 65536, 285065), "bytes 0 – 65,536 of 285,065");
  assert.equal(rangeNote(0, 0, 0), "empty");
});

test("load more appends, load earlier prepends, head/tail replace", () => {
  const shown = { text: "b\n", start: 10, end: 12 };
  assert.deepEqual(mergeText(shown, { mode: "more", text: "c\n", offset: 12, next_offset: 14 }),
    { text: "b\nc\n", start: 10, end: 14 });
  assert.deepEqual(mergeText(shown, { mode: "earlier", text: "a\n", offset: 8, next_offset: 10 }),
    { text: "a\nb\n", start: 8, end: 12 });
  assert.deepEqual(mergeText(shown, { mode: "tail", text: "z\n", offset: 98, next_offset: 100 }),
    { text: "z\n", start: 98, end: 100 });
});

test("a flat member list becomes a tree with folder totals", () => {
  const members = [
    { name: "artifacts/stdout.txt", size: 100, compressed_size: 10, compress_type: 8 },
    { name: "artifacts/results/b.csv", size: 50, compressed_size: 20, compress_type: 8 },
    { name: "artifacts/results/a.csv", size: 5, compressed_size: 5, compress_type: 0 },
    { name: "top.txt", size: 1, compressed_size: 1, compress_type: 0 },
  ];
  const root = buildMemberTree(members, ["artifacts/empty"]);
  assert.equal(root.count, 4);
  assert.equal(root.size, 156);
  const artifacts = root.folders.get("artifacts");
  assert.equal(artifacts.path, "artifacts");
  assert.equal(artifacts.count, 3);
  assert.equal(artifacts.compressed_size, 35);
  const results = artifacts.folders.get("results");
  assert.equal(results.path, "artifacts/results");
  assert.equal(results.size, 55);
  const { folders, files } = sortedChildren(artifacts);
  assert.deepEqual(folders.map((f) => f.name), ["empty", "results"]);
  assert.deepEqual(files.map((f) => f.name), ["artifacts/stdout.txt"]);
  assert.deepEqual(sortedChildren(results).files.map((f) => f.name),
    ["artifacts/results/a.csv", "artifacts/results/b.csv"]);
  assert.equal(artifacts.folders.get("empty").count, 0);
  assert.deepEqual(root.files.map((f) => f.name), ["top.txt"]);
});
