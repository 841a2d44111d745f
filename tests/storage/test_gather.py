"""`storage.gather`: one member from many archives, against the real server over HTTP."""

from __future__ import annotations

import json
import os
import struct
import subprocess
import sys
import textwrap
import zipfile
from pathlib import Path

import httpx
import pandas as pd
import pytest

import inductiva_widgets.storage as st
from inductiva_widgets.server.config import ServerConfig
from inductiva_widgets.server.runner import start_in_thread
from inductiva_widgets.storage import _gather_read

from ..conftest import KEY
from ..server.helpers import region_root
from .sparse import ZERO, HoleWriter, MiB

HEIGHTS = {"sweep-a": 0.05, "sweep-b": 0.10, "sweep-c": 0.15}


def gauges(height: float, rows: int = 50) -> bytes:
    lines = ["time_s,eta_x10,eta_x20"]
    lines += [f"{i * 0.1:.1f},{height * (i % 7):.4f},{height * (i % 5):.4f}"
              for i in range(rows)]
    return ("\n".join(lines) + "\n").encode()


def stdout_for(task: str) -> bytes:
    return ("".join(f"step {i}\n" for i in range(1000)) + f"{task} finished\n").encode()


def write_zip(path: Path, members: dict[str, bytes], method: int = zipfile.ZIP_DEFLATED,
              stored: tuple[str, ...] = ()) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(path, "w") as zf:
        for name, data in members.items():
            zf.writestr(name, data, zipfile.ZIP_STORED if name in stored else method)


def lie_about_sizes(path: Path, name: str, compressed: int, size: int) -> None:
    """Rewrite the central-directory sizes of `name` (the local header is left alone)."""
    raw = bytearray(path.read_bytes())
    pos = 0
    while (pos := raw.find(b"PK\x01\x02", pos)) >= 0:
        name_len = struct.unpack_from("<H", raw, pos + 28)[0]
        if raw[pos + 46: pos + 46 + name_len].decode() == name:
            struct.pack_into("<II", raw, pos + 20, compressed, size)
        pos += 4
    path.write_bytes(bytes(raw))


@pytest.fixture(scope="module")
def farm(tmp_path_factory):
    """A server whose storage holds a small sweep, plus hostile and odd task folders."""
    root = tmp_path_factory.mktemp("gather")
    server = start_in_thread(ServerConfig(root=root / "storage", api_keys=[KEY]))
    region = region_root(server, KEY)
    for task, height in HEIGHTS.items():
        write_zip(region / task / "output.zip",
                  {"artifacts/results/gauges.csv": gauges(height),
                   "artifacts/stdout.txt": stdout_for(task),
                   "artifacts/plots/field.bin": bytes(range(256)) * 64},
                  stored=("artifacts/stdout.txt",))
    # A task that ended before writing its gauges; a folder with no archive at all.
    write_zip(region / "sweep-d" / "output.zip", {"artifacts/stdout.txt": b"crashed\n"})
    (region / "datasets").mkdir(parents=True)
    (region / "datasets" / "notes.txt").write_bytes(b"not a task\n")
    # Hostile: a corrupt central directory, a member claiming 3.9 GB, a zip bomb.
    (region / "bad-cd").mkdir()
    good = (region / "sweep-a" / "output.zip").read_bytes()
    (region / "bad-cd" / "output.zip").write_bytes(good[:-30] + os.urandom(30))
    write_zip(region / "huge" / "output.zip",
              {"artifacts/results/gauges.csv": gauges(9.0)})
    lie_about_sizes(region / "huge" / "output.zip", "artifacts/results/gauges.csv",
                    0xF0000000, 0xF0000000)
    write_zip(region / "bomb" / "output.zip",
              {"artifacts/results/gauges.csv": b"0," * (24 * MiB)})
    yield server, region
    server.stop()


@pytest.fixture
def counted(farm):
    """A client whose every request is recorded (path, and Range if any)."""
    server, _ = farm
    seen: list[str] = []

    class Counting(httpx.HTTPTransport):
        def handle_request(self, request: httpx.Request) -> httpx.Response:
            seen.append(request.url.path)
            return super().handle_request(request)

    _gather_read.clear_caches()
    with st.StorageClient(server.url, KEY, transport=Counting()) as client:
        yield client, seen


@pytest.fixture
def client(farm):
    _gather_read.clear_caches()
    with st.StorageClient(farm[0].url, KEY) as c:
        yield c


SWEEP = "sweep-*/output.zip/artifacts/results/gauges.csv"


def test_table_from_a_pattern_with_missing_members_reported(client):
    result = st.gather(SWEEP, progress=False, client=client)
    assert result.kind == "table"
    frame = result.frame
    assert list(frame.columns[:2]) == ["task", "archive"]
    assert list(frame.columns[2:]) == ["time_s", "eta_x10", "eta_x20"]
    assert list(frame["task"].cat.categories) == ["sweep-a", "sweep-b", "sweep-c", "sweep-d"]
    assert frame.groupby("task", observed=True).size().to_dict() == {
        "sweep-a": 50, "sweep-b": 50, "sweep-c": 50}
    for task, height in HEIGHTS.items():
        rows = frame[frame["task"] == task]
        assert rows["eta_x10"].max() == pytest.approx(6 * height)
        assert (rows["archive"] == f"{task}/output.zip").all()
        assert result.frames[task].shape == (50, 3)
    status = result.status.set_index("task")
    assert status.loc["sweep-d", "status"] == "missing"
    assert "results/gauges.csv" in status.loc["sweep-d", "detail"]
    assert result.missing == ["sweep-d"] and result.errors == {}
    assert (status.loc[list(HEIGHTS), "rows"] == 50).all()
    assert (status.loc[list(HEIGHTS), "member"] == "artifacts/results/gauges.csv").all()
    assert (status.loc[list(HEIGHTS), "bytes_read"] > 0).all()
    assert status.loc["sweep-d", "bytes_read"] == 0
    assert "3 found, 1 missing" in repr(result)


def test_hostile_archives_are_errors_and_the_rest_still_arrive(client):
    tasks = ["sweep-a", "bad-cd", "huge", "bomb", "sweep-b", "datasets", "no-such-task"]
    result = st.gather(tasks, member="results/gauges.csv", progress=False, client=client)
    status = result.status.set_index("task")["status"].to_dict()
    assert status == {"sweep-a": "found", "bad-cd": "error", "huge": "error",
                      "bomb": "error", "sweep-b": "found", "datasets": "missing",
                      "no-such-task": "missing"}
    errors = result.errors
    assert "not a readable ZIP" in errors["bad-cd"] or "ZIP" in errors["bad-cd"]
    assert "max_bytes" in errors["huge"] and "max_bytes" in errors["bomb"]
    bytes_read = result.status.set_index("task")["bytes_read"]
    assert bytes_read["huge"] == 0  # refused before any byte was fetched
    assert bytes_read["bomb"] < 2 * MiB  # inflation stopped at max_bytes (32 MiB of output)
    assert sorted(result.frame["task"].unique()) == ["sweep-a", "sweep-b"]
    # A tail inflates from the start too: the bomb is stopped there as well.
    tail = st.gather(["bomb", "sweep-c"], member="results/gauges.csv", tail=2,
                     progress=False, client=client)
    assert "max_bytes" in tail.errors["bomb"] and tail.texts["sweep-c"].startswith("4.8,")


def test_max_bytes_caps_every_member(client):
    result = st.gather(SWEEP, max_bytes=100, progress=False, client=client)
    assert set(result.errors) == set(HEIGHTS)
    assert all("max_bytes=100" in e for e in result.errors.values())
    assert result.frame.empty


def test_text_and_tail(client):
    tails = st.gather(["sweep-a", "sweep-b/output.zip"], member="stdout.txt", tail=2,
                      progress=False, client=client)
    assert tails.kind == "text"
    assert tails.texts == {"sweep-a": "step 999\nsweep-a finished",
                           "sweep-b": "step 999\nsweep-b finished"}
    # A stored log's tail reads its end only, not the whole member.
    assert tails.status["bytes_read"].max() < 16 * 1024 + 1024
    whole = st.gather("sweep-[ab]", member="stdout.txt", progress=False, client=client)
    assert whole.texts["sweep-b"] == stdout_for("sweep-b").decode()
    # Member paths in a list: the member comes from them.
    paths = st.gather(["sweep-a/output.zip/stdout.txt", "/sweep-c/output.zip/stdout.txt"],
                      tail=1, progress=False, client=client)
    assert paths.texts == {"sweep-a": "sweep-a finished", "sweep-c": "sweep-c finished"}
    with pytest.raises(st.InvalidArgumentError, match="another member"):
        st.gather(["sweep-a/output.zip/stdout.txt"], member="x.csv", client=client)


def test_binary_members_come_back_as_bytes(client):
    result = st.gather("sweep-*/output.zip/plots/field.bin", progress=False, client=client)
    assert result.kind == "bytes" and result.frame is None
    assert result.contents["sweep-c"] == bytes(range(256)) * 64
    assert result.missing == ["sweep-d"]


def test_read_csv_keywords_pass_through(client):
    result = st.gather(SWEEP, usecols=["time_s", "eta_x20"], nrows=5, progress=False,
                       client=client)
    assert list(result.frame.columns) == ["task", "archive", "time_s", "eta_x20"]
    assert len(result.frame) == 15
    with pytest.raises(TypeError, match="no_such_option"):
        st.gather(SWEEP, no_such_option=1, progress=False, client=client)
    with pytest.raises(TypeError, match="only apply to tables"):
        st.gather(["sweep-a"], member="stdout.txt", usecols=["x"], client=client)


def test_whitespace_tables_with_names_in_comments(farm, client):
    _, region = farm
    table = b"% SWASH table\n%\n% Tsec Watlev Vel\n% [s] [m] [m/s]\n" + b"".join(
        f"  {i * 0.5:8.3f} {i * 0.01:9.4f} {i * 0.02:9.4f}\n".encode() for i in range(20))
    write_zip(region / "swash-1" / "output.zip", {"artifacts/gauges.tbl": table})
    result = st.gather("swash-*/output.zip/gauges.tbl", progress=False, client=client)
    assert list(result.frame.columns) == ["task", "archive", "Tsec", "Watlev", "Vel"]
    assert result.frame["Vel"].iloc[-1] == pytest.approx(0.38)


def test_few_round_trips_and_a_cache(counted):
    client, seen = counted
    client.concurrency = 8
    first = st.gather(SWEEP, progress=False, client=client)
    assert len(first.found) == 3
    ranges = [p for p in seen if p == "/storage/zip-file-range"]
    blobs = [p for p in seen if p.startswith("/-/")]
    # Per archive: one locate and one read of the member's bytes, nothing else.
    assert len(ranges) == 4 and len(blobs) == 3
    assert seen.count("/storage/signed-urls") <= 2
    assert not [p for p in seen if p == "/storage/zip-contents"]
    seen.clear()
    again = st.gather(SWEEP, progress=False, client=client)
    pd.testing.assert_frame_equal(first.frame, again.frame)
    # Locations and URLs are cached: only the missing member is looked up again.
    assert seen.count("/storage/zip-file-range") == 1
    assert seen.count("/storage/signed-urls") == 0


def test_a_rewritten_archive_is_located_again(farm, client):
    _, region = farm
    path = region / "moving" / "output.zip"
    write_zip(path, {"artifacts/results/gauges.csv": gauges(1.0)})
    assert st.gather(["moving"], member="results/gauges.csv", progress=False,
                     client=client).frame["eta_x10"].max() == pytest.approx(6.0)
    write_zip(path, {"artifacts/stdout.txt": b"x" * 5000,
                     "artifacts/results/gauges.csv": gauges(2.0)})
    again = st.gather(["moving"], member="results/gauges.csv", progress=False, client=client)
    assert again.found == ["moving"], again.status
    assert again.frame["eta_x10"].max() == pytest.approx(12.0)


def test_cancellation(client):
    token = st.CancelToken()
    token.cancel()
    with pytest.raises(st.TransferCancelled):
        st.gather(SWEEP, progress=False, cancel=token, client=client)
    full = st.gather(SWEEP, progress=False, client=client).bytes_read
    token = st.CancelToken()
    seen: list[st.TransferProgress] = []

    def stop_after_first_read(p: st.TransferProgress) -> None:
        seen.append(p)
        if p.bytes_done > 0:
            token.cancel()

    client.concurrency = 1  # one read at a time: the cancel lands between two of them
    with pytest.raises(st.TransferCancelled):
        st.gather(SWEEP, progress=stop_after_first_read, cancel=token, client=client)
    assert 0 < seen[-1].bytes_done < full / 2  # one member of three was read, no more


def test_progress_reports_bytes_and_tasks(client):
    reports: list[st.TransferProgress] = []
    result = st.gather(SWEEP, progress=reports.append, client=client)
    last = reports[-1]
    assert last.finished and last.files_total == 4 and last.files_done == 4  # 1 missing
    assert last.bytes_done == result.bytes_read == last.bytes_total


def test_bad_arguments(client):
    with pytest.raises(st.InvalidArgumentError, match="name the member"):
        st.gather("sweep-*/output.zip", client=client)
    with pytest.raises(st.InvalidArgumentError, match="member="):
        st.gather(["sweep-a"], client=client)
    with pytest.raises(st.InvalidPathError):
        st.gather("../x/output.zip/a.csv", client=client)
    with pytest.raises(st.InvalidArgumentError, match="kind"):
        st.gather(SWEEP, kind="image", client=client)
    empty = st.gather("nothing-*/output.zip/a.csv", progress=False, client=client)
    assert empty.status.empty and empty.frame.empty


MEMORY_SCRIPT = """
import json, re, sys
import inductiva_widgets.storage as st

def peak():
    return int(re.search(r"VmHWM:\\s+(\\d+) kB", open("/proc/self/status").read())[1]) * 1024

client = st.StorageClient(sys.argv[1], sys.argv[2])
st.gather(["big-0"], member="small.csv", progress=False, client=client)  # warm imports
before = peak()
table = st.gather("big-*/output.zip/small.csv", progress=False, client=client)
field = st.gather("big-*", member="field.bin", progress=False, client=client)
log = st.gather("big-*", member="log.txt", tail=3, progress=False, client=client)
print(json.dumps({"extra": peak() - before, "rows": len(table.frame),
                  "field": sorted(set(field.status["status"])), "log": log.texts}))
"""


def test_memory_is_bounded_by_what_is_gathered(farm, tmp_path):
    """Archives of 256 MiB each (sparse on disk), gathered from by a fresh process."""
    server, region = farm
    big = 256 * MiB
    for i in range(3):
        path = region / f"big-{i}" / "output.zip"
        path.parent.mkdir(parents=True)
        with open(path, "wb") as fh, zipfile.ZipFile(HoleWriter(fh), "w") as zf:
            info = zipfile.ZipInfo("artifacts/field.bin")
            info.file_size = big
            with zf.open(info, "w") as dst:  # zeros, stored: a hole on disk, not data
                for _ in range(big // MiB):
                    dst.write(ZERO)
            log = b"".join(b"line %d\n" % n for n in range(200_000))
            zf.writestr("artifacts/log.txt", log, zipfile.ZIP_STORED)
            zf.writestr("artifacts/small.csv", gauges(float(i)), zipfile.ZIP_DEFLATED)
    proc = subprocess.run([sys.executable, "-c", textwrap.dedent(MEMORY_SCRIPT), server.url,
                           KEY], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout.strip().splitlines()[-1])
    assert out["rows"] == 150
    assert out["field"] == ["error"]  # 256 MiB each: over max_bytes, refused unread
    assert out["log"]["big-2"] == "line 199997\nline 199998\nline 199999"
    assert out["extra"] < 24 * MiB, out
