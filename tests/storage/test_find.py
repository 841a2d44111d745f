"""storage.find / iter_find inside archives, and storage.read_range / read_tail, against the
real bundled server over real HTTP (the demo storage, plus a few hostile archives)."""

from __future__ import annotations

import io
import threading
import time
import zipfile

import httpx
import pytest

import inductiva_widgets.storage as st
from inductiva_widgets.demo import seed_demo
from inductiva_widgets.server.config import ServerConfig
from inductiva_widgets.server.runner import start_in_thread
from inductiva_widgets.storage import _find

from ..conftest import KEY
from ..server.helpers import region_root


class CountingTransport(httpx.HTTPTransport):
    """A real HTTP transport that remembers the paths it requested."""

    def __init__(self) -> None:
        super().__init__()
        self.paths: list[str] = []

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        self.paths.append(request.url.path)
        return super().handle_request(request)


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    root = tmp_path_factory.mktemp("find-storage")
    server = start_in_thread(ServerConfig(root=root, api_keys=[KEY]))
    region = region_root(server, KEY)
    tasks = seed_demo(region, large_result_mb=1)
    big = region / "datasets" / "big.bin"
    big.write_bytes(bytes(range(256)) * (8 * 4096))  # 8 MiB
    (region / "datasets" / "log.txt").write_text("".join(f"line {i}\n" for i in range(5000)))
    yield server, region, [t for t in tasks if t != "datasets"]
    server.stop()


@pytest.fixture
def client(demo):
    server, _, _ = demo
    with st.StorageClient(server.url, KEY) as c:
        yield c


def task_with(region, member: str) -> str:
    for task in sorted(p.name for p in region.iterdir()):
        archive = region / task / "output.zip"
        if archive.exists() and member in zipfile.ZipFile(archive).namelist():
            return task
    raise AssertionError(member)


def test_default_keeps_todays_behaviour(client):
    assert st.find("gauges", client=client) == []
    found = st.find("*.zip", client=client)
    assert found and all(not e["in_archive"] for e in found)


def test_members_found_from_the_root_with_counts(demo, client):
    _, region, tasks = demo
    seen = []
    found = st.find("gauges", inside_archives=True, progress=seen.append, client=client)
    task = task_with(region, "artifacts/results/gauges.csv")
    hits = {e["path"]: e for e in found}
    hit = hits[f"{task}/output.zip/artifacts/results/gauges.csv"]
    assert hit["in_archive"] is True and hit["is_directory"] is False
    assert hit["archive"] == f"{task}/output.zip"
    assert hit["member"] == "artifacts/results/gauges.csv"
    assert hit["name"] == "gauges.csv" and hit["size_bytes"] > 1000
    assert hit["compress_type"] == 8 and hit["compressed_size"] > 0
    assert all(e["name"].lower().count("gauges") for e in found)
    last = seen[-1]
    assert last.done and not last.truncated
    assert last.archives == 2 * len(tasks) and last.archives_failed == 0
    assert last.folders == len(tasks) + 1 + 3  # the root, the tasks, datasets and its own
    assert last.matches == len(found)


def test_member_folders_match_once(demo, client):
    _, region, _ = demo
    found = st.find("plots", inside_archives=True, client=client)
    assert found and all(e["is_directory"] and e["member"] == "artifacts/plots/"
                         for e in found)
    assert len({e["archive"] for e in found}) == len(found)


def test_search_from_inside_an_archive(demo, client):
    _, region, _ = demo
    task = task_with(region, "artifacts/results/gauges.csv")
    for start in (f"{task}/output.zip", f"{task}/output.zip/artifacts",
                  f"{task}/output.zip/artifacts/results"):
        found = st.find("GAUGES", start, client=client)  # members, whatever inside_archives
        assert [e["path"] for e in found] == [f"{task}/output.zip/artifacts/results/gauges.csv"]
    assert st.find("stdout", f"{task}/output.zip/artifacts/results", client=client) == []
    assert st.find("gauges", f"{task}/input.zip", client=client) == []
    with pytest.raises(st.NotFoundError):
        st.find("x", f"{task}/missing.zip/artifacts", client=client)


def test_cap_and_cancel(client):
    seen = []
    found = st.find("*", max_results=5, inside_archives=True, progress=seen.append,
                    client=client)
    assert len(found) == 5 and seen[-1].truncated and seen[-1].matches == 5
    token = st.CancelToken()

    def stop_after_first_archive(p):
        if p.archives:
            token.cancel()

    with pytest.raises(st.TransferCancelled):
        st.find("*.csv", inside_archives=True, progress=stop_after_first_archive,
                cancel=token, client=client)
    lazy = st.iter_find("*", inside_archives=True, client=client)
    assert next(lazy)
    lazy.close()  # stopping early ends the archive workers with it


def test_member_lists_are_cached_per_archive_version(demo, tmp_path):
    server, _, _ = demo
    transport = CountingTransport()
    with st.StorageClient(server.url, KEY, transport=transport) as client:
        st.find("gauges", inside_archives=True, client=client)
        first = transport.paths.count("/storage/zip-contents")
        assert first >= 12
        st.find("stdout", inside_archives=True, client=client)
        assert transport.paths.count("/storage/zip-contents") == first
        local = tmp_path / "fresh.zip"
        with zipfile.ZipFile(local, "w") as z:
            z.writestr("a/gauges_v1.csv", "t,h\n")
        st.upload(str(local), "datasets", client=client)
        assert [e["member"] for e in st.find("gauges_v", "datasets", inside_archives=True,
                                             client=client)] == ["a/gauges_v1.csv"]
        with zipfile.ZipFile(local, "w") as z:  # the archive changes: it is read again
            z.writestr("a/gauges_v2.csv", "t,h\n")
            z.writestr("b.txt", "x")
        st.upload(str(local), "datasets", client=client)
        assert [e["member"] for e in st.find("gauges_v", "datasets", inside_archives=True,
                                             client=client)] == ["a/gauges_v2.csv"]
        st.remove("datasets/fresh.zip", client=client)


def test_hostile_archives_are_counted_not_raised(demo, client, monkeypatch):
    server, region, _ = demo
    hostile = region / "hostile"
    hostile.mkdir()
    try:
        (hostile / "corrupt.zip").write_bytes(b"PK\x03\x04" + b"\xff" * 5000)
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w") as z:
            for i in range(60):
                z.writestr(f"many/f{i}.dat", b"")
            z.writestr("needle_gauges.csv", b"a\n")
        (hostile / "many.zip").write_bytes(buf.getvalue())
        with zipfile.ZipFile(hostile / "fine.zip", "w") as z:
            z.writestr("deep/needle_gauges.csv", b"a\n")
        # The server refuses archives above its member limit with 422, as for a huge
        # central directory; lowered here so the archive stays small.
        monkeypatch.setattr(server.app.state.server.zips, "max_members", 50)
        seen = []
        found = st.find("needle", "hostile", inside_archives=True, progress=seen.append,
                        client=client)
        assert [e["path"] for e in found] == ["hostile/fine.zip/deep/needle_gauges.csv"]
        last = seen[-1]
        assert last.done and last.archives == 1 and last.archives_failed == 2
        reasons = dict(last.failures)
        assert "not a readable ZIP" in reasons["hostile/corrupt.zip"]
        assert "members" in reasons["hostile/many.zip"]
        # The client has its own limit, whatever the server lists.
        monkeypatch.setattr(server.app.state.server.zips, "max_members", 200_000)
        monkeypatch.setattr(_find, "MAX_ARCHIVE_MEMBERS", 10)
        seen.clear()
        with st.StorageClient(server.url, KEY) as fresh:  # no cached member lists
            st.find("needle", "hostile", inside_archives=True, progress=seen.append,
                    client=fresh)
        assert "more than 10 members" in dict(seen[-1].failures)["hostile/many.zip"]
    finally:
        for path in hostile.iterdir():
            path.unlink()
        hostile.rmdir()


def test_listing_parser_streams_and_refuses_hostile_lists():
    body = ('{"contents": [{"name": "a/\\u00e9\\"}ü.txt", "size": 3}, {"name": "b", "size":'
            ' null}], "size": 3}').encode()
    parser = _find._ListingParser()
    for i in range(len(body)):  # one byte at a time: entries split anywhere
        parser.feed(body[i : i + 1])
    assert [r[0] for r in parser.finish()] == ['a/é"}ü.txt', "b"]
    for bad in (b'{"contents": [{"name": "a"}', b'{"size": 3}', b"[1, 2]",
                b'{"contents": [{"nom": 1}]}', b'{"contents": [' + b'"x' * 40_000):
        parser = _find._ListingParser()
        with pytest.raises(st.ValidationError):
            parser.feed(bad)
            parser.finish()
    parser = _find._ListingParser()
    with pytest.raises(st.ValidationError):
        parser.feed(b" " * (_find.MAX_ENTRY_CHARS + 10))


def test_read_range_is_bounded(client):
    data = bytes(range(256)) * (8 * 4096)
    meter = st.ByteMeter()
    assert st.read_range("datasets/big.bin", 0, 65536, meter=meter, client=client) == data[:65536]
    assert meter.n == 65536
    meter = st.ByteMeter()
    assert st.read_range("datasets/big.bin", 1000, 10, meter=meter, client=client) \
        == data[1000:1010]
    assert meter.n == 10
    assert st.read_range("datasets/big.bin", -300, client=client) == data[-300:]
    assert st.read_range("datasets/big.bin", -300, 20, client=client) == data[-300:-280]
    assert st.read_range("datasets/big.bin", len(data) - 5, 100, client=client) == data[-5:]
    assert st.read_range("datasets/big.bin", len(data) + 5, 100, client=client) == b""
    assert st.read_range("datasets/big.bin", 0, 0, client=client) == b""
    assert st.read_range("datasets/empty.txt", 0, 100, client=client) == b""
    with pytest.raises(st.InvalidPathError, match="read_member"):
        st.read_range("t/output.zip/artifacts/stdout.txt", client=client)
    with pytest.raises(st.InvalidPathError, match="folder"):
        st.read_range("datasets/bathymetry", client=client)
    with pytest.raises(st.NotFoundError):
        st.read_range("datasets/nothing.bin", client=client)
    with pytest.raises(st.InvalidArgumentError):
        st.read_range("datasets/big.bin", 0, -1, client=client)


def test_read_tail_reads_suffixes_only(client):
    meter = st.ByteMeter()
    data, start = st.read_tail("datasets/log.txt", 3, meter=meter, client=client)
    text = "".join(f"line {i}\n" for i in range(5000)).encode()
    assert data == b"line 4997\nline 4998\nline 4999\n"
    assert start == len(text) - len(data)
    assert meter.n == 16 * 1024
    data, start = st.read_tail("datasets/log.txt", 10_000, keep=100_000, client=client)
    assert len(data) < 100_000 and text.endswith(data) and start == len(text) - len(data)
    assert st.read_tail("datasets/empty.txt", 5, client=client) == (b"", 0)


class SlowArchiveTransport(httpx.HTTPTransport):
    """Real HTTP; each member-list request takes 50 ms more, and the most at once is kept."""

    def __init__(self) -> None:
        super().__init__()
        self.lock = threading.Lock()
        self.now = self.most = 0

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        if request.url.path != "/storage/zip-contents":
            return super().handle_request(request)
        with self.lock:
            self.now += 1
            self.most = max(self.most, self.now)
        try:
            time.sleep(0.05)
            return super().handle_request(request)
        finally:
            with self.lock:
                self.now -= 1


def test_archives_are_searched_in_parallel_a_few_at_once(demo):
    server, _, tasks = demo
    transport = SlowArchiveTransport()
    with st.StorageClient(server.url, KEY, transport=transport) as client:
        seen = []
        st.find("stdout", inside_archives=True, progress=seen.append, client=client)
    assert seen[-1].archives == 2 * len(tasks)
    assert 1 < transport.most <= _find.ARCHIVE_WORKERS
