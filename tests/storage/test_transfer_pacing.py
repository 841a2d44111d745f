"""How transfers pace themselves: URL batches in flight together, a busy server waited for,
the link timed from answers already received. Real server processes over real HTTP."""

from __future__ import annotations

import os
import threading
import time

import httpx
import pytest

import inductiva_widgets.storage as st
from inductiva_widgets.storage import _client
from tests.conftest import KEY
from tests.server.serverproc import KEY as TIGHT_KEY
from tests.server.serverproc import ServerProcess


@pytest.fixture(scope="module")
def tight_server(tmp_path_factory):
    """A server allowing one upload and one download at a time per key."""
    root = tmp_path_factory.mktemp("tight") / "storage"
    server = ServerProcess(root, limits={"max_uploads_per_key": 1, "max_downloads_per_key": 1})
    yield server
    server.stop()


def _files(folder, count: int, size: int = 3000) -> dict[str, bytes]:
    folder.mkdir(parents=True, exist_ok=True)
    made = {}
    for i in range(count):
        data = os.urandom(size)
        (folder / f"f{i:03d}.bin").write_bytes(data)
        made[f"f{i:03d}.bin"] = data
    return made


def _requests_log(client: st.StorageClient) -> list[tuple[str, str, int]]:
    """(client, path, status) of every answer, recorded by httpx's own hooks."""
    seen: list[tuple[str, str, int]] = []
    lock = threading.Lock()

    def hook(which: str):
        def record(response: httpx.Response) -> None:
            with lock:
                seen.append((which, response.request.url.path, response.status_code))
        return record

    client._http.event_hooks["response"].append(hook("api"))
    client.blobs.event_hooks["response"].append(hook("blob"))
    return seen


def test_a_busy_server_is_waited_for_not_failed(tight_server, tmp_path):
    """429 + Retry-After from the per-key limits: every file still arrives, none fails."""
    made = _files(tmp_path / "up", 3, size=3 * 1024 * 1024)
    with st.StorageClient(tight_server.url, TIGHT_KEY, concurrency=3) as client:
        seen = _requests_log(client)
        st.upload(str(tmp_path / "up"), "busy", progress=False, client=client)
        st.download("busy/", str(tmp_path / "down"), progress=False, client=client)
    assert any(status == 429 for _, _, status in seen), "the limit of 1 was never reached"
    for name, data in made.items():
        assert (tmp_path / "down" / "busy" / name).read_bytes() == data
    assert not list((tmp_path / "down").rglob("*.part"))


def test_waiting_for_a_busy_server_can_be_cancelled(tight_server, tmp_path):
    """A cancel ends a wait for the server's turn at once, not after its Retry-After (2 s)."""
    _files(tmp_path / "up", 3, size=3 * 1024 * 1024)
    cancel = st.CancelToken()
    with st.StorageClient(tight_server.url, TIGHT_KEY, concurrency=3) as client:
        seen = _requests_log(client)
        waiting = threading.Event()
        client.blobs.event_hooks["response"].append(
            lambda response: response.status_code == 429 and waiting.set())
        threading.Thread(target=lambda: waiting.wait(30) and cancel.cancel()).start()
        started = time.monotonic()
        with pytest.raises(st.TransferCancelled):
            st.upload(str(tmp_path / "up"), "cancelled", progress=False, cancel=cancel,
                      client=client)
        # Two files wait 2 s for their turn; the cancel comes right after the first 429.
        assert time.monotonic() - started < 1.9
    assert any(status == 429 for _, _, status in seen)


def test_upload_urls_come_in_concurrent_batches(server, tmp_path, monkeypatch):
    """More files than a batch: each batch is asked once, every file lands where it should."""
    monkeypatch.setattr(_client, "SIGNED_URL_BATCH", 7)
    made = _files(tmp_path / "many", 30, size=100)
    with st.StorageClient(server.url, KEY, concurrency=4) as client:
        seen = _requests_log(client)
        st.upload(str(tmp_path / "many"), "batched", progress=False, client=client)
        urls = [path for which, path, _ in seen if path.endswith("/signed-urls")]
        assert len(urls) == 5  # ceil(30 / 7), no more
        listed = {e["name"]: e["size_bytes"] for e in client.iter_contents("batched/")}
    assert listed == {name: len(data) for name, data in made.items()}


def test_a_short_batch_answer_fails_the_upload_clearly(server, tmp_path, monkeypatch):
    monkeypatch.setattr(_client, "SIGNED_URL_BATCH", 2)
    (tmp_path / "dup").mkdir()
    for name in ("a", "b", "c"):
        (tmp_path / "dup" / name).write_bytes(b"x")
    with st.StorageClient(server.url, KEY) as client:
        real = client._get

        def drop_one(route, **params):
            answer = real(route, **params)
            return answer[:-1] if route.endswith("signed-urls") and len(answer) > 1 else answer

        monkeypatch.setattr(client, "_get", drop_one)
        with pytest.raises(st.ServerError, match="asked for 2 signed URLs, got 1"):
            st.upload(str(tmp_path / "dup"), "short", progress=False, client=client)


def test_the_link_is_timed_from_answers_already_received(server, tmp_path):
    """No probe requests when an API answer has already been seen."""
    _files(tmp_path / "up", 12, size=10)
    with st.StorageClient(server.url, KEY) as client:
        seen = _requests_log(client)
        st.upload(str(tmp_path / "up"), "timed", progress=False, client=client)
        st.download("timed/", str(tmp_path / "down"), progress=False, client=client)
        assert client._fastest_s is not None
    assert not [path for _, path, _ in seen if path.endswith("version-check")]


def test_a_member_read_asks_its_url_meanwhile_and_reuses_a_warm_connection(server, tmp_path):
    """The archive's URL is asked while the member is located; the blob request goes on a
    connection already open (one pool); the API key never travels with a signed URL."""
    import zipfile

    archive = tmp_path / "out.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("logs/stdout.txt", b"hello\n" * 500)
    with st.StorageClient(server.url, KEY) as client:
        st.upload(str(archive), "member-task", progress=False, client=client)
        sent: list[httpx.Request] = []
        client._http.event_hooks["request"].append(sent.append)
        client.blobs.event_hooks["request"].append(sent.append)
        connections: list[int] = []
        client.blobs.event_hooks["response"].append(
            lambda r: connections.append(r.extensions["network_stream"].get_extra_info(
                "client_addr")[1]))
        api_ports: list[int] = []
        client._http.event_hooks["response"].append(
            lambda r: api_ports.append(r.extensions["network_stream"].get_extra_info(
                "client_addr")[1]))
        reader = st.MemberReader(client)
        member = reader.locate("member-task/out.zip", "logs/stdout.txt")
        assert reader.read_all(member) == b"hello\n" * 500
    paths = [request.url.path for request in sent]
    assert paths.count("/storage/signed-urls") == 1 and "/storage/zip-contents" in paths
    assert connections and set(connections) <= set(api_ports)
    for request in sent:
        if request.url.path.startswith("/-/"):
            assert "x-api-key" not in request.headers
        else:
            assert request.headers["x-api-key"] == KEY
