"""`storage.gather`: folders with no archive at all are "skipped", apart from the tasks
whose archive lacks the member ("missing"), against the real server over HTTP."""

from __future__ import annotations

import logging
import zipfile

import pytest

import inductiva_widgets.storage as st
from inductiva_widgets.server.config import ServerConfig
from inductiva_widgets.server.runner import start_in_thread
from inductiva_widgets.storage import _gather_read

from ..conftest import KEY
from ..server.helpers import region_root

CSV = b"time_s,eta\n0.0,1.0\n0.1,2.0\n"


@pytest.fixture(scope="module")
def client(tmp_path_factory):
    """Two tasks with the table, one without it, one with input.zip only (still running),
    and three plain folders beside them."""
    root = tmp_path_factory.mktemp("gather-skipped")
    with start_in_thread(ServerConfig(root=root / "storage", api_keys=[KEY])) as server:
        region = region_root(server, KEY)
        for task, members in {"run-a": {"artifacts/t.csv": CSV},
                              "run-b": {"artifacts/t.csv": CSV},
                              "run-c": {"artifacts/stdout.txt": b"crashed\n"}}.items():
            (region / task).mkdir(parents=True)
            with zipfile.ZipFile(region / task / "output.zip", "w") as zf:
                for name, data in members.items():
                    zf.writestr(name, data)
        (region / "run-d").mkdir()
        with zipfile.ZipFile(region / "run-d" / "input.zip", "w") as zf:
            zf.writestr("sim/INPUT", b"x\n")
        for plain in ("datasets", "notes", "run-plots"):
            (region / plain).mkdir()
            (region / plain / "readme.txt").write_bytes(b"not a task\n")
        _gather_read.clear_caches()
        with st.StorageClient(server.url, KEY) as c:
            yield c


def test_folders_without_an_archive_are_skipped_not_missing(client, caplog):
    with caplog.at_level(logging.WARNING, logger="inductiva_widgets.storage"):
        result = st.gather("*/output.zip/t.csv", progress=False, client=client)
    status = result.status.set_index("task")
    # Every folder stays a row: nothing is dropped silently.
    assert list(status.index) == ["datasets", "notes", "run-a", "run-b", "run-c", "run-d",
                                  "run-plots"]
    assert status["status"].to_dict() == {
        "datasets": "skipped", "notes": "skipped", "run-a": "found", "run-b": "found",
        "run-c": "missing", "run-d": "skipped", "run-plots": "skipped"}
    assert status.loc["notes", "detail"] == "no archive notes/output.zip"
    assert "t.csv" in status.loc["run-c", "detail"]
    assert result.missing == ["run-c"]
    assert result.skipped == ["datasets", "notes", "run-d", "run-plots"]
    assert result.found == ["run-a", "run-b"] and result.errors == {}
    assert (status.loc[result.skipped, "bytes_read"] == 0).all()
    assert "skipped" in result.STATUSES
    assert result.counts() == "3 tasks, 2 found, 1 missing"
    assert result.skipped_note() == "4 folders without output.zip skipped"
    assert repr(result) == ("<GatherResult gather('*/output.zip/t.csv'): 3 tasks, 2 found, "
                            "1 missing; 4 folders without output.zip skipped; frame of 4 "
                            "rows x 4 columns>")
    assert sorted(result.frame["task"].unique()) == ["run-a", "run-b"]
    assert "<p>gather(" in result._repr_html_() and "skipped" in result._repr_html_()
    # The warning is about the missing task, not the folders skipped.
    assert any("1 missing" in r.getMessage() for r in caplog.records)


def test_only_skipped_folders_do_not_warn(client, caplog):
    with caplog.at_level(logging.WARNING, logger="inductiva_widgets.storage"):
        result = st.gather("*a*/output.zip/t.csv", progress=False, client=client)
    assert result.status.set_index("task")["status"].to_dict() == {
        "datasets": "skipped", "run-a": "found"}
    assert result.counts() == "1 task, 1 found"
    assert result.skipped_note() == "1 folder without output.zip skipped"
    assert not caplog.records


def test_a_folder_named_in_a_list_without_its_archive_is_missing(client, caplog):
    """Asked for by name, a folder without the archive is what the user wanted and did
    not get: "missing", warned about, not skipped as a wildcard's stray match would be."""
    with caplog.at_level(logging.WARNING, logger="inductiva_widgets.storage"):
        result = st.gather(["run-a", "run-b", "datasets", "no-such-task"], member="t.csv",
                           progress=False, client=client)
    assert result.status["status"].tolist() == ["found", "found", "missing", "missing"]
    assert result.missing == ["datasets", "no-such-task"] and result.skipped == []
    assert result.counts() == "4 tasks, 2 found, 2 missing"
    assert result.status.set_index("task").loc["datasets", "detail"] == (
        "no archive datasets/output.zip")
    assert any("2 missing" in r.getMessage() for r in caplog.records)


def test_input_archives_name_theirs_and_none_skipped_says_nothing(client):
    result = st.gather("run-*/input.zip/sim/INPUT", progress=False, client=client)
    assert result.status.set_index("task")["status"].to_dict() == {
        "run-a": "skipped", "run-b": "skipped", "run-c": "skipped", "run-d": "found",
        "run-plots": "skipped"}
    assert result.skipped_note() == "4 folders without input.zip skipped"
    mixed = st.gather(["run-a/output.zip", "run-d/input.zip", "notes/input.zip"],
                      member="t.csv", progress=False, client=client)
    assert mixed.skipped_note() == ""
    assert mixed.status["status"].tolist() == ["found", "missing", "missing"]
    assert mixed.status["detail"].tolist()[2] == "no archive notes/input.zip"
    found = st.gather(["run-a", "run-b"], member="t.csv", progress=False, client=client)
    assert found.skipped == [] and found.skipped_note() == ""
    assert "skipped" not in repr(found)
