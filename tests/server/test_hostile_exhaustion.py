"""Exhaustion without a key: huge or slow request heads, idle bodies, connection and upload
floods, running out of file descriptors.

Each test runs the server as a process of its own (its memory, descriptors and log are its
own) with small limits so that deadlines pass quickly, and talks to it over real sockets.
"""

from __future__ import annotations

import contextlib
import json
import resource
import select
import socket
import threading
import time
from urllib.parse import urlsplit

import httpx
import pytest

from inductiva_widgets.server.config import user_id_for

from .serverproc import ServerProcess

KEY, OTHER_KEY = "exhaust-key-alice", "exhaust-key-bob"
HALF_SENT = b"GET /storage/contents?path=/ HTTP/1.1\r\nHost: x\r\n"
Server = ServerProcess


@pytest.fixture
def start(tmp_path):
    servers = []

    def _start(**kwargs) -> Server:
        nofile = kwargs.pop("nofile", None)
        server = ServerProcess(tmp_path / f"s{len(servers)}" / "storage", keys=(KEY, OTHER_KEY),
                               limits=kwargs, nofile=nofile)
        servers.append(server)
        return server

    yield _start
    for server in servers:
        alive = server.process.poll() is None
        peak_mb = server.peak_rss_mb() if alive else 0
        server.stop()
        assert alive, "the server process died"
        assert peak_mb < 300, peak_mb
        # No request ended in a 500 (accept errors may log a traceback: they are not 500s).
        assert "Exception in ASGI application" not in server.log_text()
        assert "unexpected error" not in server.log_text()


@pytest.fixture(autouse=True)
def _many_fds():
    """Raise this process's own descriptor limit for the connection floods."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    yield
    resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))


def read_response(sock: socket.socket, timeout: float = 5) -> tuple[int, dict, bytes]:
    """Status, headers and body of one response; (0, {}, b"") if closed without one."""
    sock.settimeout(timeout)
    data = b""
    try:
        while b"\r\n\r\n" not in data:
            chunk = sock.recv(65536)
            if not chunk:
                return 0, {}, b""
            data += chunk
    except ConnectionResetError:
        return 0, {}, b""
    head, body = data.split(b"\r\n\r\n", 1)
    lines = head.decode("latin-1").split("\r\n")
    headers = {k.strip().lower(): v.strip() for k, v in (x.split(":", 1) for x in lines[1:])}
    length = int(headers.get("content-length", "0"))
    while len(body) < length:
        chunk = sock.recv(65536)
        if not chunk:
            break
        body += chunk
    return int(lines[0].split()[1]), headers, body


def closed_within(sock: socket.socket, seconds: float) -> bool:
    """Whether the server closes the connection within `seconds` (reading what it sends)."""
    sock.settimeout(0.2)
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            if not sock.recv(65536):
                return True
        except TimeoutError:
            continue
        except OSError:
            return True
    return False


def upload_urls(server: Server, paths: list[str], key: str = KEY) -> list[str]:
    with server.client(key) as api:
        response = api.get("/storage/signed-urls", params={"paths": paths, "operation": "upload"})
    response.raise_for_status()
    return response.json()


def start_put(server: Server, url: str, total: int, first: bytes) -> socket.socket:
    """A PUT to a signed URL whose body stops after `first`."""
    parts = urlsplit(url)
    sock = server.connect()
    sock.sendall(f"PUT {parts.path}?{parts.query} HTTP/1.1\r\nHost: x\r\n"
                 f"Content-Type: application/octet-stream\r\n"
                 f"Content-Length: {total}\r\n\r\n".encode() + first)
    return sock


def timed_listing(server: Server, key: str = KEY) -> tuple[float, httpx.Response]:
    start = time.monotonic()
    with server.client(key, timeout=5) as api:
        response = api.get("/storage/contents", params={"path": "/"})
    return time.monotonic() - start, response


# -- heads and URLs -----------------------------------------------------------------------

@pytest.mark.timeout(60)
def test_five_10mb_heads_at_once_get_431_and_memory_stays_low(start):
    server = start()
    before = server.peak_rss_mb()
    results = [None] * 5

    def attack(i: int) -> None:
        sock = server.connect(timeout=20)
        junk = b"X-Junk: " + b"a" * (10 << 20) + b"\r\n\r\n"

        def send() -> None:
            with contextlib.suppress(OSError):  # the server stops reading once it answered
                sock.sendall(b"GET /storage/contents?path=/ HTTP/1.1\r\nHost: x\r\n" + junk)

        sender = threading.Thread(target=send, daemon=True)
        sender.start()
        results[i] = read_response(sock, timeout=20)
        results[i] += (closed_within(sock, 5),)
        sock.close()
        sender.join(10)

    threads = [threading.Thread(target=attack, args=(i,)) for i in range(5)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(40)
    for status, headers, body, closed in results:
        assert status == 431, (status, body[:200])
        assert headers["content-type"] == "application/json" and json.loads(body)["detail"]
        assert closed
    after = server.peak_rss_mb()
    assert after - before < 40, (before, after)
    assert after < 300
    assert timed_listing(server)[1].status_code == 200


@pytest.mark.timeout(60)
def test_url_limit_answers_414_and_keeps_50kb_signed_url_calls(start):
    server = start()
    paths = [f"bulk/file-{i:05d}.dat" for i in range(2000)]
    with server.client() as api:
        response = api.get("/storage/signed-urls", params={"paths": paths, "operation": "upload"})
    assert len(str(response.request.url)) > 50_000
    assert response.status_code == 200 and len(response.json()) == 2000

    sock = server.connect()
    sock.sendall(b"GET /storage/contents?path=" + b"a" * 200_000 + b" HTTP/1.1\r\nHost: x\r\n"
                 b"X-API-Key: " + KEY.encode() + b"\r\n\r\n")
    status, headers, body = read_response(sock)
    assert status == 414, (status, body[:200])
    assert headers["content-type"] == "application/json" and json.loads(body)["detail"]
    assert closed_within(sock, 3)
    sock.close()
    assert server.peak_rss_mb() < 300


# -- deadlines ----------------------------------------------------------------------------

@pytest.mark.timeout(60)
def test_slow_and_silent_heads_are_closed_after_the_deadline(start):
    server = start(head_timeout_s=1.0)
    with server.connect() as silent, server.connect() as slow:
        t0 = time.monotonic()
        closed_at, answer = None, b""
        slow.settimeout(0.05)
        for byte in HALF_SENT * 20:  # one byte every 50 ms: busy, never finished
            try:
                slow.send(bytes([byte]))
                received = slow.recv(65536)
                answer += received
                if not received:
                    closed_at = time.monotonic() - t0
                    break
            except TimeoutError:
                continue
            except OSError:
                closed_at = time.monotonic() - t0
                break
            if time.monotonic() - t0 > 6:
                break
        assert closed_at is not None and 0.8 < closed_at < 3.0, closed_at
        assert answer.startswith(b"HTTP/1.1 408 ") and b'{"detail":' in answer, answer
        assert closed_within(silent, 1.0)
    # A normal request on a fresh connection is unaffected.
    elapsed, response = timed_listing(server)
    assert response.status_code == 200 and elapsed < 2  # not starved until a timeout


@pytest.mark.timeout(60)
def test_idle_upload_body_is_closed_after_the_deadline_and_leaves_no_file(start):
    server = start(body_idle_timeout_s=1.0)
    [url] = upload_urls(server, ["stalled/part.bin"])
    sock = start_put(server, url, total=1_000_000, first=b"x" * 10_000)
    t0 = time.monotonic()
    assert closed_within(sock, 4), "the stalled upload was not closed"
    assert time.monotonic() - t0 > 0.8
    sock.close()
    target = server.root / "users" / user_id_for(KEY) / "europe-west1" / "stalled"
    time.sleep(0.2)
    assert not target.exists()
    assert not any((server.root / ".tmp").iterdir())
    # A body that keeps coming, even slowly, is not cut.
    [url] = upload_urls(server, ["steady/ok.bin"])
    sock = start_put(server, url, total=8, first=b"ab")
    for piece in (b"cd", b"ef", b"gh"):
        time.sleep(0.6)
        sock.sendall(piece)
    status, _, _ = read_response(sock)
    assert status == 200
    sock.close()


# -- connection floods --------------------------------------------------------------------

def open_half_sent(server: Server, count: int, connect_timeout: float = 3) -> list[socket.socket]:
    socks = []
    try:
        for _ in range(count):
            sock = server.connect(timeout=connect_timeout)
            sock.sendall(HALF_SENT)
            socks.append(sock)
    except OSError:
        for sock in socks:
            sock.close()
        raise
    return socks


@pytest.mark.slow
@pytest.mark.timeout(120)
def test_5000_idle_half_sent_connections_and_a_keyed_listing_answers_fast(start):
    # A common soft limit; the server raises it to the hard limit (20000 here).
    hard = resource.getrlimit(resource.RLIMIT_NOFILE)[1]
    if hard < 12000:
        pytest.skip(f"needs a hard RLIMIT_NOFILE of 12000 or more, not {hard}")
    server = start(nofile=(1024, hard), head_timeout_s=60.0)
    try:
        socks = open_half_sent(server, 5000)
    except OSError as exc:
        pytest.fail(f"the server stopped accepting connections: {exc}")
    try:
        time.sleep(0.5)
        times = []
        for _ in range(3):
            elapsed, response = timed_listing(server)
            assert response.status_code == 200
            times.append(elapsed)
        # Starved, a listing would wait for the 60 s head timeout; 2 s leaves room for a
        # second pytest worker busy on the same two cores (1.02 s was seen that way).
        assert max(times) < 2.0, times
        # The 5,000 are still held open, not dropped to make room.
        poller = select.poll()
        for sock in socks:
            poller.register(sock, select.POLLIN)
        assert poller.poll(0) == []
        assert server.peak_rss_mb() < 300
    finally:
        for sock in socks:
            sock.close()


@pytest.mark.timeout(90)
def test_at_the_connection_cap_slowloris_is_evicted_and_a_keyed_listing_answers(start):
    # Few descriptors: the connection cap derived from them is well under 400.
    server = start(nofile=(256, 256), head_timeout_s=60.0)
    socks = open_half_sent(server, 400)
    try:
        time.sleep(0.5)
        elapsed, response = timed_listing(server)
        assert response.status_code == 200 and elapsed < 2, elapsed  # not the 60 s timeout
        # The oldest were evicted (closed, with a 503 if anything), never a 500.
        answers = [read_response(sock, timeout=0.5) for sock in socks[:50]]
        assert {status for status, _, _ in answers} <= {0, 503}, answers[:3]
        assert all(json.loads(body)["detail"] for status, _, body in answers if status == 503)
        assert "Too many open files" not in server.log_text()
    finally:
        for sock in socks:
            sock.close()


@pytest.mark.timeout(60)
def test_when_every_connection_is_busy_a_new_one_gets_503(start):
    server = start(max_connections=4, max_uploads_per_key=10)
    urls = upload_urls(server, [f"busy/{i}.bin" for i in range(4)])
    uploads = [start_put(server, url, total=1000, first=b"x") for url in urls]
    time.sleep(0.3)
    sock = server.connect()
    sock.sendall(b"GET /storage/size HTTP/1.1\r\nHost: x\r\nX-API-Key: " + KEY.encode() +
                 b"\r\n\r\n")
    status, headers, body = read_response(sock)
    assert status == 503, (status, body)
    assert json.loads(body)["detail"]
    sock.close()
    for sock in uploads:
        sock.sendall(b"y" * 999)
        assert read_response(sock)[0] == 200
        sock.close()


@pytest.mark.timeout(60)
def test_concurrent_uploads_per_key_are_capped_with_429(start):
    server = start(max_uploads_per_key=3)
    urls = upload_urls(server, [f"many/{i}.bin" for i in range(4)])
    held = [start_put(server, url, total=100, first=b"x" * 10) for url in urls[:3]]
    time.sleep(0.3)
    over = start_put(server, urls[3], total=100, first=b"x" * 100)
    status, headers, body = read_response(over)
    assert status == 429, (status, body)
    assert int(headers["retry-after"]) > 0
    assert "upload" in json.loads(body)["detail"]
    over.close()
    # Another key is not affected.
    [other] = upload_urls(server, ["theirs/a.bin"], key=OTHER_KEY)
    sock = start_put(server, other, total=3, first=b"abc")
    assert read_response(sock)[0] == 200
    sock.close()
    # Once the held uploads finish, the key uploads again.
    for sock in held:
        sock.sendall(b"y" * 90)
        assert read_response(sock)[0] == 200
        sock.close()
    sock = start_put(server, urls[3], total=3, first=b"abc")
    assert read_response(sock)[0] == 200
    sock.close()


@pytest.mark.timeout(60)
def test_concurrent_downloads_per_key_are_capped_and_a_stalled_reader_holds_its_slot(start):
    server = start(max_downloads_per_key=3)
    folder = server.root / "users" / user_id_for(KEY) / "europe-west1" / "big"
    folder.mkdir(parents=True)
    with open(folder / "sparse.bin", "wb") as fh:  # 256 MiB of size, no disk blocks
        fh.truncate(256 << 20)
    with server.client() as api:
        url = api.get("/storage/signed-urls", params={
            "paths": ["big/sparse.bin"], "operation": "download"}).json()[0]
    target = urlsplit(url)
    request = (f"GET {target.path}?{target.query} HTTP/1.1\r\nHost: x\r\n\r\n").encode()
    held = []
    for _ in range(3):  # readers that never read: the server's sends stall
        sock = server.connect()
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        sock.sendall(request)
        held.append(sock)
    time.sleep(0.5)
    over = server.connect()
    over.sendall(request)
    status, headers, body = read_response(over)
    assert status == 429, (status, body[:200])
    assert "downloads" in json.loads(body)["detail"] and int(headers["retry-after"]) > 0
    over.close()
    assert server.peak_rss_mb() < 150
    for sock in held:  # gone readers give their slots back
        sock.close()
    deadline = time.monotonic() + 10
    while True:
        with httpx.Client(timeout=10) as raw, raw.stream(
                "GET", url, headers={"Range": "bytes=0-1023"}) as response:
            if response.status_code == 206:
                assert len(response.read()) == 1024
                break
        assert response.status_code == 429 and time.monotonic() < deadline
        time.sleep(0.1)


# -- out of descriptors -------------------------------------------------------------------

@pytest.mark.timeout(90)
def test_out_of_descriptors_the_log_stays_small_and_the_server_recovers(start):
    # A connection cap set far above what 128 descriptors allow, so accept() hits EMFILE
    # (with the cap derived from the limit it does not, see the test above).
    server = start(nofile=(128, 128), max_connections=10_000, head_timeout_s=60.0)
    log_before = server.log_path.stat().st_size
    cpu_before = server.cpu_s()
    flood = []
    t0 = time.monotonic()
    while time.monotonic() - t0 < 3:
        sock = socket.socket()
        sock.setblocking(False)
        sock.connect_ex(("127.0.0.1", server.port))
        flood.append(sock)
        if len(flood) % 50 == 0:
            time.sleep(0.01)
        if len(flood) >= 1500:
            time.sleep(0.05)
    elapsed = time.monotonic() - t0
    time.sleep(1)
    logged = server.log_path.stat().st_size - log_before
    cpu = server.cpu_s() - cpu_before
    for sock in flood:
        sock.close()
    assert logged / (elapsed + 1) < 2000, (logged, server.log_text()[-1500:])
    assert cpu < 0.6 * (elapsed + 1), cpu  # no spinning on accept()
    deadline = time.monotonic() + 10
    while True:
        try:
            elapsed, response = timed_listing(server)
            break
        except httpx.HTTPError:
            assert time.monotonic() < deadline, "the server did not recover"
    assert response.status_code == 200
