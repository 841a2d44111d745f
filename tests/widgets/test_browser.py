"""StorageBrowser's Python side against the real server: traits, calls, paging, actions."""

from __future__ import annotations

import time

import pandas as pd
import pytest

from inductiva_widgets import StorageBrowser, StorageFrame, storage_dataframe


def ok(reply: dict):
    assert "error" not in reply, reply
    return reply["result"]


def test_root_page_marks_tasks_and_costs(demo):
    client, region, tasks = demo
    browser = StorageBrowser(client=client)
    assert browser.storage_used > 0 and browser.monthly_cost > 0
    page = ok(browser.call("page", {"path": "/", "sort_by": "size", "order": "desc"}))
    assert page["total"] == len(tasks)
    kinds = {r["name"]: r["kind"] for r in page["rows"]}
    assert kinds["datasets"] == "folder"
    assert sum(k == "task" for k in kinds.values()) == len(tasks) - 1
    sizes = [r["size"] for r in page["rows"]]
    assert sizes == sorted(sizes, reverse=True) and all(s > 0 for s in sizes)
    shares = sum(r["cost"] for r in page["rows"])
    assert shares == pytest.approx(browser.monthly_cost, rel=1e-6)
    assert browser.regions == ["europe-west1"]


def test_paging_of_a_large_folder(demo):
    client, region, _ = demo
    (region / "big").mkdir()
    for i in range(1234):
        (region / "big" / f"f{i:05d}.dat").write_bytes(b"")
    browser = StorageBrowser("big", client=client, folder_sizes=False)
    pages = [ok(browser.call("page", {"path": "big", "page": p, "per_page": 100}))
             for p in (1, 13)]
    assert pages[0]["total"] == 1234 and len(pages[0]["rows"]) == 100
    assert pages[0]["rows"][0]["path"] == "big/f00000.dat"
    assert [r["name"] for r in pages[1]["rows"]] == [f"f{i:05d}.dat" for i in range(1200, 1234)]
    filtered = ok(browser.call("page", {"path": "big", "filter": "f0012"}))
    assert filtered["total"] == 10


def test_archives_open_like_folders(demo):
    client, _, tasks = demo
    browser = StorageBrowser(client=client)
    task = tasks[0]
    top = ok(browser.call("page", {"path": f"{task}/output.zip"}))
    assert [(r["name"], r["kind"]) for r in top["rows"]] == [("artifacts", "member_dir")]
    inner = ok(browser.call("page", {"path": f"{task}/output.zip/artifacts",
                                     "sort_by": "size", "order": "desc"}))
    files = [r for r in inner["rows"] if r["kind"] == "member"]
    assert files and all(r["compress_type"] in (0, 8, 12, 14) for r in files)
    assert all(r["method"] in ("stored", "deflate", "bzip2", "lzma") for r in files)
    assert inner["archive"] == f"{task}/output.zip"  # the view learns membership from this
    assert "archive" not in ok(browser.call("page", {"path": task}))
    assert inner["implied_prefix"] == "artifacts/"
    nodes = ok(browser.call("children", {"path": f"{task}/output.zip"}))["nodes"]
    assert nodes == [{"name": "artifacts", "path": f"{task}/output.zip/artifacts",
                      "kind": "member_dir"}]
    tree = ok(browser.call("children", {"path": task}))["nodes"]
    assert {n["kind"] for n in tree} >= {"zip"}
    top = {n["name"]: n["kind"] for n in ok(browser.call("children", {"path": "/"}))["nodes"]}
    assert top[task] == "task" and top["datasets"] == "folder"


def test_selection_trait_and_callback(demo):
    client, _, tasks = demo
    browser = StorageBrowser(client=client)
    seen = []
    browser.on_select(seen.append)
    browser.selected = [tasks[0], tasks[1]]
    assert seen == [[tasks[0], tasks[1]]]
    browser.navigate(f"/{tasks[0]}/")
    assert browser.path == tasks[0] and browser.selected == []


def test_delete_through_the_widget(demo):
    client, region, tasks = demo
    browser = StorageBrowser(client=client)
    before = browser.storage_used
    info = ok(browser.call("describe", {"paths": [tasks[0], "datasets/README.md"]}))
    assert [i["is_dir"] for i in info["items"]] == [True, False]
    assert info["total"] == sum(i["size"] for i in info["items"]) > 0
    version = browser.version
    browser.selected = [tasks[0]]
    reply = ok(browser.call("delete", {"paths": [tasks[0], "datasets/README.md"]}))
    assert reply["deleted"] == [tasks[0], "datasets/README.md"]
    assert not (region / tasks[0]).exists() and not (region / "datasets/README.md").exists()
    assert browser.storage_used == before - info["total"]
    assert browser.version == version + 1 and browser.selected == []


def test_members_cannot_be_deleted_or_copied(demo):
    client, region, tasks = demo
    browser = StorageBrowser(client=client)
    member = f"{tasks[0]}/output.zip/artifacts/stdout.txt"
    for method, args in [("describe", {"paths": [member]}), ("delete", {"paths": [member]}),
                         ("copy", {"paths": [member], "target": "x"})]:
        error = browser.call(method, args)["error"]
        assert error["type"] == "InvalidPathError" and "archive" in error["message"]
    assert (region / tasks[0] / "output.zip").exists()


def test_copy_through_the_widget(demo):
    client, region, tasks = demo
    browser = StorageBrowser(client=client)
    reply = ok(browser.call("copy", {"paths": [f"{tasks[1]}/output.zip", "datasets"],
                                     "target": "backup/nov"}))
    assert reply["copied"] == ["backup/nov/output.zip", "backup/nov/datasets"]
    assert (region / "backup/nov/output.zip").read_bytes() == (
        region / tasks[1] / "output.zip").read_bytes()
    assert (region / "backup/nov/datasets/README.md").exists()
    error = browser.call("copy", {"paths": ["datasets"], "target": "../up"})["error"]
    assert "invalid" in error["message"].lower()


def test_errors_come_back_as_words(demo):
    client, _, _ = demo
    browser = StorageBrowser(client=client)
    error = browser.call("page", {"path": "no/such/folder"})["error"]
    assert error["type"] == "NotFoundError" and "no/such/folder" in error["message"]
    assert browser.call("page", {"path": "a/../b"})["error"]["message"]


def test_view_messages_get_replies(demo, sent):
    client, _, _ = demo
    browser = StorageBrowser(client=client)
    browser._on_custom_msg(browser, {"kind": "call", "id": "42", "method": "page",
                                     "args": {"path": "/"}}, [])
    deadline = time.monotonic() + 10
    while not sent and time.monotonic() < deadline:
        time.sleep(0.01)
    assert sent[0]["kind"] == "reply" and sent[0]["id"] == "42"
    assert sent[0]["result"]["total"] >= 6


def test_search_streams_results_from_every_subfolder(demo, sent):
    client, _, tasks = demo
    browser = StorageBrowser(client=client)
    assert ok(browser.call("search", {"query": "*.zip", "token": "s1"})) == {"started": "s1",
                                                                           "path": "/"}
    deadline = time.monotonic() + 20
    while not any(m.get("done") for m in sent) and time.monotonic() < deadline:
        time.sleep(0.02)
    rows = [r for m in sent if m.get("event") == "search" for r in m["rows"]]
    paths = sorted(r["path"] for r in rows)
    expected = sorted(f"{t}/{name}" for t in tasks if t != "datasets"
                      for name in ("input.zip", "output.zip"))
    assert paths == expected
    assert sent[-1]["done"] is True and sent[-1]["error"] is None


def test_unknown_arguments_are_refused(demo):
    client, _, _ = demo
    with pytest.raises(TypeError, match="colour"):
        StorageBrowser(client=client, colour="red")


def test_dataframes(demo):
    client, _, tasks = demo
    browser = StorageBrowser(client=client)
    frame = browser.to_dataframe()
    assert isinstance(frame, StorageFrame)
    assert str(frame["size"].dtype) == "Int64"
    assert isinstance(frame["creation_time"].dtype, pd.DatetimeTZDtype)
    assert frame["monthly_cost"].sum() == pytest.approx(browser.monthly_cost, rel=1e-6)
    html = frame._repr_html_()
    assert "MiB" in html or "KiB" in html
    everything = storage_dataframe("/", recursive=True, client=client)
    assert (everything["path"] == f"{tasks[0]}/output.zip").any()
    assert len(everything) > 30
    browser.navigate(f"{tasks[0]}/output.zip")
    members = browser.to_dataframe()
    assert "compressed_size" in members and members["name"].str.startswith("artifacts/").all()


def test_bad_paths_are_readable_errors_and_actions_print_nothing(demo, capfd):
    client, region, tasks = demo
    browser = StorageBrowser(client=client)
    capfd.readouterr()
    for target in ("../up", "a//b", "x\\y"):
        reply = browser.call("copy", {"paths": ["datasets"], "target": target})
        assert reply["error"]["type"] == "InvalidPathError", reply
        assert "unexpected" not in reply["error"]["message"]
    # A real action through the widget's own call path: its feedback is the view's, so the
    # storage messages ("Copied ... successfully.") stay out of the cell's output.
    browser._on_custom_msg(browser, {"kind": "call", "id": "c1", "method": "copy",
                                     "args": {"paths": ["datasets"], "target": "copied"}}, [])
    deadline = time.monotonic() + 20
    while not (region / "copied").exists():
        assert time.monotonic() < deadline
        time.sleep(0.05)
    time.sleep(0.2)
    assert capfd.readouterr().err == ""
