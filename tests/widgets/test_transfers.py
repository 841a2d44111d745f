"""Transfers and exports driven through the widgets' calls, against the real server."""

from __future__ import annotations

import hashlib
import os
import threading
import time

import httpx
import pytest

import inductiva_widgets.storage as st
from inductiva_widgets import StorageBrowser, TransferQueue
from inductiva_widgets.server.config import ServerConfig, user_id_for
from inductiva_widgets.server.runner import start_in_thread

from ..storage.proxy import CuttingProxy
from ..webpages import serve_pages
from .conftest import KEY


def ok(reply: dict):
    assert "error" not in reply, reply
    return reply["result"]


def test_download_a_task_with_progress_to_100_percent(demo, tmp_path):
    client, region, tasks = demo
    queue = TransferQueue(client=client)
    snapshots = []
    queue.observe(lambda change: snapshots.append(change["new"]), names="transfers")
    transfer = queue.download(f"{tasks[0]}/", str(tmp_path / "dl"), decompress=False)
    queue.wait(timeout=60)
    final = queue.transfers[0]
    assert final["state"] == "done" and final["id"] == transfer.id
    assert final["bytes_done"] == final["bytes_total"] > 0
    assert final["files_done"] == final["files_total"] == 3
    assert (tmp_path / "dl" / tasks[0] / "output.zip").read_bytes() == (
        region / tasks[0] / "output.zip").read_bytes()
    states = [s[0]["state"] for s in snapshots]
    assert states[0] in ("queued", "running") and "running" in states
    assert states[-1] == "done"
    assert final["code"] == (f"storage.download('{tasks[0]}/', '{tmp_path / 'dl'}', "
                             "decompress=False)")


def test_progress_is_throttled_for_many_files(demo, tmp_path):
    client, region, _ = demo
    (region / "many").mkdir()
    for i in range(600):
        (region / "many" / f"f{i:04d}.txt").write_bytes(b"x" * 100)
    queue = TransferQueue(client=client)
    updates = []
    queue.observe(lambda change: updates.append(1), names="transfers")
    queue.download("many/", str(tmp_path / "many"))
    queue.wait(timeout=120)
    assert queue.transfers[0]["state"] == "done"
    assert queue.transfers[0]["files_done"] == 600
    assert len(updates) < 100  # not one (or more) per file


def test_cancel_a_large_download_midway(demo, tmp_path):
    client, region, _ = demo
    (region / "large").mkdir()
    with open(region / "large" / "result.bin", "wb") as fh:
        fh.truncate(512 * 1024 * 1024)
    queue = TransferQueue(client=client)
    transfer = queue.download("large/result.bin", str(tmp_path / "dl"))
    deadline = time.monotonic() + 30
    while transfer.bytes_done < 4 * 1024 * 1024:
        assert time.monotonic() < deadline
        time.sleep(0.005)
    assert ok(queue.call("cancel", {"id": transfer.id})) == {"cancelled": transfer.id}
    queue.wait(timeout=30)
    assert queue.transfers[0]["state"] == "cancelled"
    leftovers = [p for p in (tmp_path / "dl").rglob("*") if p.is_file()]
    assert leftovers == []


def test_retry_resumes_a_failed_download(tmp_path):
    root = tmp_path / "root"
    data = os.urandom(3 * 1024 * 1024)
    config = ServerConfig(root=root, api_keys=[KEY])
    with start_in_thread(config) as server:
        proxy = CuttingProxy(int(server.url.rsplit(":", 1)[1]), cut_after=1024 * 1024, cuts=1)
        config.public_url = proxy.url
        try:
            folder = root / "users" / user_id_for(KEY) / "europe-west1" / "task"
            folder.mkdir(parents=True)
            (folder / "r.bin").write_bytes(data)
            with st.StorageClient(proxy.url, KEY, retries=0) as client:
                queue = TransferQueue(client=client)
                transfer = queue.download("task/r.bin", str(tmp_path / "dl"))
                queue.wait(timeout=30)
                assert transfer.state == "failed" and "resume" in transfer.error
                before = proxy.bytes_to_client
                ok(queue.call("retry", {"id": transfer.id}))
                queue.wait(timeout=30)
                assert transfer.state == "done", transfer.error
            assert (tmp_path / "dl/task/r.bin").read_bytes() == data
            assert proxy.bytes_to_client - before < len(data)  # resumed, not restarted
            assert queue.call("retry", {"id": transfer.id})["error"]["type"] == "ValueError"
        finally:
            proxy.close()


def test_browser_download_and_kernel_upload(demo, tmp_path):
    client, region, tasks = demo
    browser = StorageBrowser(client=client)
    ids = ok(browser.call("start_download", {"paths": [f"{tasks[1]}/output.zip/stdout.txt"],
                                             "folder": str(tmp_path / "d")}))["transfers"]
    browser.queue.wait(timeout=30)
    assert browser.transfers[0]["id"] == ids[0] and browser.transfers[0]["state"] == "done"
    assert (tmp_path / "d" / tasks[1] / "output" / "stdout.txt").stat().st_size > 1000
    assert browser.download_folder == str(tmp_path / "d")
    local = tmp_path / "local"
    local.mkdir()
    (local / "a.txt").write_text("from the kernel")
    version = browser.version
    ok(browser.call("start_upload", {"local_path": str(local), "folder": "incoming"}))
    browser.queue.wait(timeout=30)
    assert (region / "incoming/a.txt").read_text() == "from the kernel"
    deadline = time.monotonic() + 5
    while browser.version == version:
        assert time.monotonic() < deadline, "the listing was not refreshed after the upload"
        time.sleep(0.01)


@pytest.mark.parametrize("args, words", [
    ({"local_path": "/no/such/path", "folder": "x"}, "no file or folder"),
    ({"local_path": ".", "folder": "/"}, "not the storage root"),
])
def test_bad_upload_input_in_words(demo, args, words):
    client, _, _ = demo
    error = StorageBrowser(client=client).call("start_upload", args)["error"]
    assert words in error["message"]


def test_browser_side_upload_and_save_urls(demo):
    client, region, tasks = demo
    browser = StorageBrowser(client=client)
    targets = ok(browser.call("browser_upload_urls", {"folder": "web", "names": ["a b.csv"],
                                                      "sizes": [3]}))
    assert targets["targets"][0]["path"] == "web/a b.csv"
    assert httpx.put(targets["targets"][0]["url"], content=b"1,2").status_code == 200
    ok(browser.call("browser_upload_finished", {"id": targets["targets"][0]["transfer"],
                                                "state": "done"}))
    assert (region / "web/a b.csv").read_bytes() == b"1,2"
    assert browser.call("browser_upload_urls", {"folder": "/", "names": ["x"]})["error"]
    save = ok(browser.call("browser_download_url", {"path": f"{tasks[0]}/output.zip"}))
    response = httpx.get(save["url"])
    assert "attachment" in response.headers["content-disposition"]
    assert hashlib.sha256(response.content).digest() == hashlib.sha256(
        (region / tasks[0] / "output.zip").read_bytes()).digest()


def test_upload_from_url_then_wait_for_the_file(demo, tmp_path):
    client, region, _ = demo
    with serve_pages({"/data/field.bin": (200, os.urandom(200_000))}) as base:
        browser = StorageBrowser(client=client)
        url = f"{base}/data/field.bin"
        # The demo server refuses loopback URLs: a clear message, nothing stored.
        error = browser.call("start_upload_from_url", {"url": url, "folder": "fetched"})["error"]
        assert "private or local" in error["message"]
        assert not ok(browser.call("exists", {"path": "fetched/field.bin"}))["exists"]
        assert "type the URL" in browser.call("start_upload_from_url",
                                              {"url": " ", "folder": "x"})["error"]["message"]


def test_export_through_the_widget(tmp_path, s3):
    region = tmp_path / "users" / user_id_for(KEY) / "europe-west1"
    (region / "task").mkdir(parents=True)
    data = os.urandom(6 * 1024 * 1024)
    (region / "task/output.zip").write_bytes(data)
    config = ServerConfig(root=tmp_path, api_keys=[KEY], allow_private_urls=True)
    with start_in_thread(config) as server, st.StorageClient(server.url, KEY) as client:
        s3.create_bucket(Bucket="widget-exports")
        browser = StorageBrowser(client=client)
        op = ok(browser.call("start_export", {"path": "task/output.zip",
                                              "bucket": "widget-exports", "part_size": 5}))
        deadline = time.monotonic() + 60
        while op["status"] == "RUNNING":
            assert time.monotonic() < deadline
            time.sleep(0.1)
            op = ok(browser.call("operation", {"id": op["id"]}))
        assert op["status"] == "OK", op["error_message"]
        assert s3.get_object(Bucket="widget-exports", Key="output.zip")["Body"].read() == data
        listed = ok(browser.call("operations"))["operations"]
        assert listed[0]["id"] == op["id"]
        missing = browser.call("start_export", {"path": "task/output.zip", "bucket": "nope"})
        assert "does not exist" in missing["error"]["message"]
        empty = browser.call("start_export", {"path": "task/output.zip", "bucket": ""})
        assert "bucket" in empty["error"]["message"]


def test_download_never_silently_replaces_local_files(demo, tmp_path):
    client, region, tasks = demo
    browser = StorageBrowser(client=client)
    mine = tmp_path / "d" / "datasets" / "README.md"
    mine.parent.mkdir(parents=True)
    mine.write_text("my own notes")
    error = browser.call("start_download", {"paths": ["datasets/README.md"],
                                            "folder": str(tmp_path / "d")})["error"]
    assert "already exists" in error["message"] and "Replace existing" in error["message"]
    assert mine.read_text() == "my own notes"
    # Archives unpack into a folder of the same name: that is what is checked.
    (tmp_path / "d" / tasks[0] / "output").mkdir(parents=True)
    error = browser.call("start_download", {"paths": [f"{tasks[0]}/output.zip"],
                                            "folder": str(tmp_path / "d")})["error"]
    assert "output" in error["message"]
    ok(browser.call("start_download", {"paths": ["datasets/README.md"],
                                       "folder": str(tmp_path / "d"), "overwrite": True}))
    browser.queue.wait(timeout=30)
    assert mine.read_bytes() == (region / "datasets/README.md").read_bytes()


def test_browser_uploads_are_transfers_with_rate_and_eta_from_python(demo):
    """The page reports bytes; Python works out rate and ETA, as for its own transfers."""
    client, _, _ = demo
    browser = StorageBrowser(client=client)
    reply = ok(browser.call("browser_upload_urls", {"folder": "web", "names": ["a.bin", "b.bin"],
                                                    "sizes": [4000, 10]}))
    first, second = (t["transfer"] for t in reply["targets"])
    row = {t["id"]: t for t in browser.transfers}[first]
    assert row["state"] == "running" and row["origin"] == "browser"
    assert row["label"] == "Upload a.bin → web (from this browser)"
    assert row["code"] is None and row["retryable"] is False and row["bytes_total"] == 4000
    time.sleep(0.1)
    ok(browser.call("browser_upload_progress", {"id": first, "bytes_done": 1000}))
    time.sleep(0.1)
    ok(browser.call("browser_upload_progress", {"id": first, "bytes_done": 2000}))
    ok(browser.call("browser_upload_progress", {"id": first, "bytes_done": 1500}))  # late: dropped
    browser.queue.manager.publish()
    row = {t["id"]: t for t in browser.transfers}[first]
    assert row["bytes_done"] == 2000
    assert 2000 / 1.0 < row["rate"] < 2000 / 0.2  # 2,000 bytes in about 0.2 s
    assert row["eta_s"] == pytest.approx((4000 - 2000) / row["rate"])
    # Cancelled from any view: Python marks it, the page that sends it aborts the request.
    ok(browser.call("cancel_transfer", {"id": first}))
    assert {t["id"]: t for t in browser.transfers}[first]["state"] == "cancelled"
    ok(browser.call("browser_upload_finished", {"id": first, "state": "cancelled"}))
    assert browser.call("retry_transfer", {"id": first})["error"]["type"] == "ValueError"
    version = browser.version
    ok(browser.call("browser_upload_finished", {"id": second, "state": "done"}))
    done = {t["id"]: t for t in browser.transfers}[second]
    assert done["state"] == "done" and done["bytes_done"] == 10 and done["files_done"] == 1
    assert browser.version == version + 1  # a finished upload refreshes the listing
    ok(browser.call("clear_transfers"))
    assert browser.transfers == []


def test_a_late_progress_report_never_overwrites_finished(tmp_path):
    """A browser's last progress report and its "finished" come on two threads: whatever
    their order, the state sent last is the newest ("done", not a stale "running")."""
    from inductiva_widgets.widgets.transfer_manager import TransferManager

    sent: list[list[dict]] = []
    in_send = threading.Event()
    release = threading.Event()

    def on_change(snapshots):
        if snapshots and snapshots[0]["state"] == "running" and snapshots[0]["bytes_done"]:
            in_send.set()
            release.wait(5)  # a slow comm send of the progress snapshot
        sent.append(snapshots)

    manager = TransferManager(lambda: None, on_change)
    transfer = manager.track_browser_upload("a.txt", "folder", 13)
    reporter = threading.Thread(target=manager.report, args=(transfer.id, 13))
    reporter.start()
    assert in_send.wait(5)
    finisher = threading.Thread(target=manager.finish, args=(transfer.id, "done"))
    finisher.start()
    finisher.join(0.2)  # it must wait for the send in progress, not overtake it
    release.set()
    reporter.join(5)
    finisher.join(5)
    assert sent[-1][0]["state"] == "done"
