"""GatherView's calls, as its view makes them, against the demo storage over real HTTP."""

from __future__ import annotations

import threading
import time

import pytest

from inductiva_widgets.demo.sweep import SWEEP_HEIGHTS
from inductiva_widgets.widgets import GatherView

GAUGES = "*/output.zip/artifacts/results/gauges.csv"


def ok(reply: dict) -> dict:
    assert "error" not in reply, reply
    return reply["result"]


def test_gather_then_status_pages_and_series(demo):
    client, _, tasks = demo
    view = GatherView(GAUGES, client=client, autorun=False)
    assert view.state == "idle" and view.frame is None
    assert "storage.gather('*/output.zip/artifacts/results/gauges.csv')" in view.code
    summary = ok(view.call("run"))
    assert view.state == "done" and view.files_total == len(tasks)
    assert summary["kind"] == "table" and summary["x"] == "time_s"
    assert summary["numeric"] == ["time_s", "eta_x10", "eta_x20", "eta_x30", "u_x20"]
    found = [s for s in summary["status"] if s["status"] == "found"]
    assert len(found) == len(SWEEP_HEIGHTS) + 1  # the sweep and the other SWASH run
    # A folder with no archive at all is no task: a row of its own, counted apart.
    skipped = {s["task"]: s["detail"] for s in summary["status"] if s["status"] == "skipped"}
    assert skipped == {"datasets": "no archive datasets/output.zip"}
    assert summary["skipped"] == "1 folder without output.zip skipped"
    assert view.result.skipped == ["datasets"] and "datasets" not in view.result.missing
    assert summary["rows_total"] == len(view.frame) == sum(s["rows"] for s in found)

    page = ok(view.call("rows", {"offset": 10, "limit": 5000}))
    assert page["total"] == len(view.frame) and len(page["rows"]) == 200  # capped
    assert page["columns"][:3] == ["task", "archive", "time_s"]
    assert page["rows"][0][2] == pytest.approx(view.frame["time_s"].iloc[10])

    series = ok(view.call("series", {"y": "eta_x30", "max_points": 100}))
    assert series["x"] == "time_s" and len(series["lines"]) == len(found)
    assert all(len(line["x"]) == len(line["y"]) <= 102 for line in series["lines"])
    # Each line keeps its extremes and its order in time.
    frame = view.frame
    for line in series["lines"]:
        rows = frame[frame["task"] == line["task"]]
        assert max(line["y"]) == rows["eta_x30"].max()
        assert min(line["y"]) == rows["eta_x30"].min()
        assert line["x"] == sorted(line["x"])
        assert (line["x"][0], line["x"][-1]) == (rows["time_s"].iloc[0], rows["time_s"].iloc[-1])
    assert summary["summary"].startswith(f"{len(tasks) - 1} tasks: {len(found)} found, ")
    assert " · 1 folder without output.zip skipped · " in summary["summary"]
    assert view.call("series", {"y": "nope"})["error"]["type"] == "InvalidArgumentError"

    opened = ok(view.call("open_frame"))
    assert opened["python"].endswith(".frame") and opened["shape"] == list(view.frame.shape)
    assert list(view.status["status"]).count("found") == len(found)


def test_text_members_and_errors_in_words(demo):
    client, _, _ = demo
    view = GatherView(GAUGES.replace("results/gauges.csv", "stdout.txt"), client=client,
                      autorun=False, tail=1)
    assert view.call("rows")["error"]["message"].startswith("nothing gathered yet")
    summary = ok(view.call("run"))
    assert summary["kind"] == "text" and summary["columns"] == []
    texts = ok(view.call("texts"))["texts"]
    assert len(texts) == 12 and all(not t["cut"] for t in texts)
    assert view.call("open_frame")["error"]["type"] == "InvalidArgumentError"
    bad = GatherView("*/output.zip", client=client, autorun=False)
    reply = bad.call("run")
    assert reply["error"]["type"] == "InvalidArgumentError"
    assert bad.state == "failed" and "name the member" in bad.error


def test_cancel_from_the_view(demo):
    client, _, _ = demo
    client.concurrency = 1
    view = GatherView(GAUGES, client=client, autorun=False)
    seen = threading.Event()
    original = view._progress

    def slow(p):  # each task reported slowly, so that the cancel lands mid-way
        original(p)
        seen.set()
        time.sleep(0.05)

    view._progress = slow
    replies = []
    worker = threading.Thread(target=lambda: replies.append(view.call("run")))
    worker.start()
    assert seen.wait(10)
    assert ok(view.call("cancel")) == {"cancelled": True}
    worker.join(30)
    assert replies[0]["error"]["type"] == "TransferCancelled"
    assert view.state == "cancelled" and view.result is None


def test_strict_constructor(demo):
    client, _, _ = demo
    with pytest.raises(TypeError, match="no_such_option"):
        GatherView(GAUGES, client=client, autorun=False, no_such_option=1)
    assert GatherView(GAUGES, client=client, autorun=False, usecols=["time_s"], kind="table")
    with pytest.raises(TypeError):
        GatherView(GAUGES, client=client, bogus_trait_name=1, autorun=False, height="x")
