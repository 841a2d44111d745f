import { test } from "node:test";
import assert from "node:assert/strict";
import { PageCache } from "../src/pager.js";

function server(total) {
  const asked = [];
  const fetchPage = async (page) => {
    asked.push(page);
    const start = (page - 1) * 100;
    const rows = [];
    for (let i = start; i < Math.min(total, start + 100); i += 1) rows.push({ path: `f${i}` });
    return { total, rows };
  };
  return { asked, fetchPage };
}

test("only the pages in view (and one ahead) are fetched", async () => {
  const s = server(100000);
  const cache = new PageCache(s.fetchPage, 100, () => {});
  await cache.ensure(0, 30);
  assert.deepEqual(s.asked, [1, 2]);
  assert.equal(cache.get(5).path, "f5");
  assert.equal(cache.get(250), undefined);
  await cache.ensure(50000, 50030);
  assert.deepEqual(s.asked, [1, 2, 501, 502]);
  assert.equal(cache.get(50010).path, "f50010");
  assert.equal(cache.total, 100000);
});

test("a page is fetched once even when asked twice at the same time", async () => {
  const s = server(1000);
  const cache = new PageCache(s.fetchPage, 100, () => {});
  await Promise.all([cache.ensure(0, 10), cache.ensure(0, 10)]);
  assert.deepEqual(s.asked, [1, 2]);
});

test("pages past the end are not asked for", async () => {
  const s = server(150);
  const cache = new PageCache(s.fetchPage, 100, () => {});
  await cache.ensure(0, 10);
  await cache.ensure(140, 149);
  assert.deepEqual(s.asked, [1, 2]);
});

test("answers from before a reset are dropped", async () => {
  const releases = [];
  const cache = new PageCache(() => new Promise((r) => { releases.push(r); }), 100, () => {});
  const pending = cache.ensure(0, 0);
  cache.reset();
  releases.forEach((release) => release({ total: 5, rows: [{ path: "stale" }] }));
  await pending;
  assert.equal(cache.get(0), undefined);
  assert.equal(cache.total, null);
});

test("errors are kept for the view to show", async () => {
  let changes = 0;
  const cache = new PageCache(async () => { throw new Error("boom"); }, 100, () => { changes += 1; });
  await cache.ensure(0, 0);
  assert.equal(cache.error.message, "boom");
  assert.ok(changes >= 1);
});
