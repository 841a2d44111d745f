"""StorageBrowser: search inside archives with progress counts, and previews of plain files,
over the real server (no front end: the events the view would get are collected)."""

from __future__ import annotations

import base64
import time
import zipfile

import pytest

import inductiva_widgets.storage as st
from inductiva_widgets import StorageBrowser
from inductiva_widgets.demo import seed_demo
from inductiva_widgets.server.config import ServerConfig, user_id_for
from inductiva_widgets.server.runner import start_in_thread
from inductiva_widgets.widgets.previews import HEAD_BYTES, HEX_BYTES

from .conftest import KEY

# The smallest valid PNG: one transparent pixel.
PNG = base64.b64decode("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwAD"
                       "hgGAWjR9awAAAABJRU5ErkJggg==")
BIG = 8 * 1024 * 1024


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    root = tmp_path_factory.mktemp("browser-search")
    region = root / "users" / user_id_for(KEY) / "europe-west1"
    tasks = seed_demo(region, large_result_mb=1)
    files = region / "datasets"
    (files / "pixel.png").write_bytes(PNG)
    (files / "big.log").write_bytes(b"".join(b"step %07d ok\n" % i for i in range(BIG // 16)))
    (files / "blob.bin").write_bytes(bytes(range(256)) * (BIG // 256))
    for i in range(200):  # a search through these takes long enough to be stopped
        (region / "many" / f"d{i:03d}").mkdir(parents=True)
        (region / "many" / f"d{i:03d}" / "needle.txt").write_text("x")
    (region / "broken").mkdir()
    (region / "broken" / "corrupt.zip").write_bytes(b"PK\x03\x04" + b"\x00" * 2000)
    with start_in_thread(ServerConfig(root=root, api_keys=[KEY])) as server, \
            st.StorageClient(server.url, KEY) as client:
        yield client, region, [t for t in tasks if t != "datasets"]


def ok(reply):
    assert "error" not in reply, reply
    return reply["result"]


def search(browser, sent, **args):
    token = f"s{len(sent)}-{time.monotonic()}"
    assert ok(browser.call("search", {"token": token, **args}))["started"] == token
    deadline = time.monotonic() + 30
    mine = []
    while time.monotonic() < deadline:
        mine = [m for m in sent if m.get("event") == "search" and m["token"] == token]
        if mine and mine[-1]["done"]:
            break
        time.sleep(0.02)
    assert mine and mine[-1]["done"], "the search did not finish"
    return [r for m in mine for r in m["rows"]], mine[-1]


def gauges_task(region, tasks):
    return next(t for t in tasks if "artifacts/results/gauges.csv"
                in zipfile.ZipFile(region / t / "output.zip").namelist())


def test_search_finds_members_inside_archives_from_the_root(demo, sent):
    client, region, tasks = demo
    browser = StorageBrowser(client=client)
    rows, last = search(browser, sent, query="gauges")
    task = gauges_task(region, tasks)
    row = next(r for r in rows if r["path"] == f"{task}/output.zip/artifacts/results/gauges.csv")
    assert row["kind"] == "member" and row["in_archive"] is True and not row["is_dir"]
    assert row["archive"] == f"{task}/output.zip"
    assert row["member"] == "artifacts/results/gauges.csv"
    assert row["method"] == "deflate" and row["size"] > 1000
    progress = last["progress"]
    assert last["error"] is None
    assert progress["archives"] == 2 * len(tasks)
    assert progress["archives_failed"] == 1  # broken/corrupt.zip, counted, not raised
    assert progress["failures"][0]["archive"] == "broken/corrupt.zip"
    assert progress["folders"] >= len(tasks) + 1
    assert progress["matches"] == len(rows)


def test_search_from_inside_an_archive_does_not_404(demo, sent):
    client, region, tasks = demo
    task = gauges_task(region, tasks)
    browser = StorageBrowser(f"{task}/output.zip/artifacts", client=client)
    rows, last = search(browser, sent, query="GAUGES", path=f"{task}/output.zip/artifacts")
    assert last["error"] is None
    assert [r["path"] for r in rows] == [f"{task}/output.zip/artifacts/results/gauges.csv"]
    assert last["progress"]["archives"] == 1
    rows, last = search(browser, sent, query="gauges", path="/", inside_archives=False)
    assert rows == [] and last["progress"]["archives"] == 0


def test_search_scope_all_searches_from_the_root_inside_an_archive(demo, sent):
    client, region, tasks = demo
    task = gauges_task(region, tasks)
    here = f"{task}/input.zip"
    browser = StorageBrowser(here, client=client)
    rows, last = search(browser, sent, query="gauges", path=here, scope="here")
    assert rows == [] and last["error"] is None and last["progress"]["archives"] == 1
    token = f"scope-all-{time.monotonic()}"
    reply = ok(browser.call("search", {"query": "gauges", "path": here, "token": token,
                                       "scope": "all"}))
    assert reply == {"started": token, "path": "/"}
    rows, last = search(browser, sent, query="gauges", path=here, scope="all")
    assert last["error"] is None
    assert f"{task}/output.zip/artifacts/results/gauges.csv" in [r["path"] for r in rows]
    assert last["progress"]["archives"] == 2 * len(tasks)
    # "here" is the default; anything else is refused in words, before any search starts.
    assert ok(browser.call("search", {"query": "x", "path": here, "token": "t"}))["path"] == here
    reply = browser.call("search", {"query": "x", "path": here, "token": "u", "scope": "every"})
    assert reply["error"]["type"] == "InvalidArgumentError"
    assert "'here' or 'all'" in reply["error"]["message"]
    assert not [m for m in sent if m.get("event") == "search" and m["token"] == "u"]


def test_a_search_stops_when_cancelled(demo, sent):
    client, _, _ = demo
    browser = StorageBrowser(client=client)
    token = "stop-me"
    ok(browser.call("search", {"query": "needle", "path": "many", "token": token}))
    assert ok(browser.call("cancel_search", {"token": token})) == {"cancelled": True}
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and not any(
            m.get("token") == token and m["done"] for m in sent):
        time.sleep(0.02)
    events = [m for m in sent if m.get("token") == token]
    assert events[-1]["done"] and events[-1]["cancelled"] is True
    assert sum(len(m["rows"]) for m in events) < 200
    assert ok(browser.call("cancel_search", {"token": token})) == {"cancelled": False}
    rows, last = search(browser, sent, query="needle", path="many")
    assert len(rows) == 200 and last["progress"]["folders"] == 201


def test_plain_file_previews_by_byte_range(demo):
    client, _, _ = demo
    browser = StorageBrowser(client=client)
    csv = ok(browser.call("file_preview", {"path": "datasets/tide_gauge_levels.csv"}))
    assert csv["kind"] == "csv" and csv["file"] == "datasets/tide_gauge_levels.csv"
    assert csv["rows_shown"] == 50 and len(csv["columns"]) >= 2
    assert 0 < csv["bytes_fetched"] <= HEAD_BYTES < csv["size"]
    assert "storage.read_range('datasets/tide_gauge_levels.csv'" in csv["code"]

    log = ok(browser.call("file_preview", {"path": "datasets/big.log"}))
    assert log["kind"] == "text" and log["mode"] == "tail" and log["log"] is True
    assert log["text"].endswith(f"step {BIG // 16 - 1:07d} ok\n")
    assert log["bytes_fetched"] <= 256 * 1024 and log["eof"]
    head = ok(browser.call("file_preview", {"path": "datasets/big.log", "mode": "head"}))
    assert head["text"].startswith("step 0000000 ok\n") and head["bytes_fetched"] == HEAD_BYTES
    more = ok(browser.call("file_preview", {"path": "datasets/big.log", "mode": "more",
                                            "offset": head["next_offset"]}))
    assert more["offset"] == head["next_offset"] and more["bytes_fetched"] <= HEAD_BYTES
    earlier = ok(browser.call("file_preview", {"path": "datasets/big.log", "mode": "earlier",
                                               "offset": log["offset"]}))
    assert earlier["next_offset"] == log["offset"] and earlier["bytes_fetched"] <= HEAD_BYTES

    blob = ok(browser.call("file_preview", {"path": "datasets/blob.bin"}))
    assert blob["kind"] == "binary" and blob["bytes_fetched"] == HEX_BYTES
    assert blob["hex"].startswith("00000000  00 01 02 03")

    image = ok(browser.call("file_preview", {"path": "datasets/pixel.png"}))
    assert image["kind"] == "image" and image["bytes_fetched"] == len(PNG)
    assert base64.b64decode(image["data_url"].split(",", 1)[1]) == PNG

    empty = ok(browser.call("file_preview", {"path": "datasets/empty.txt"}))
    assert empty["note"] == "This file is empty." and empty["bytes_fetched"] == 0


def test_file_previews_refuse_folders_and_members(demo):
    client, region, tasks = demo
    browser = StorageBrowser(client=client)
    folder = browser.call("file_preview", {"path": "datasets/bathymetry"})
    assert folder["error"]["type"] == "ValidationError"
    assert "folder" in folder["error"]["message"]
    member = browser.call("file_preview", {"path": f"{tasks[0]}/output.zip/artifacts/stdout.txt"})
    assert "inside an archive" in member["error"]["message"]
    missing = browser.call("file_preview", {"path": "datasets/nothing.txt"})
    assert missing["error"]["type"] == "NotFoundError"
    bad = browser.call("file_preview", {"path": "datasets/README.md", "mode": "sideways"})
    assert bad["error"]["type"] == "ValidationError"
