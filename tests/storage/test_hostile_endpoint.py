"""A storage endpoint that misbehaves: the client's memory, disk and time stay bounded by
what the caller asked for, and nothing lands under a final name.

The real server signs URLs that point at a hostile blob server on loopback (as a compromised
or broken storage backend would), which streams bodies that never end or lie about their size.
"""

from __future__ import annotations

import socket
import threading
import time

import pytest

import inductiva_widgets.storage as st

from ..conftest import KEY
from ..server.helpers import region_root
from .conftest import write_tree

pytestmark = pytest.mark.timeout(60)


class HostileBlobs:
    """Answers every GET with `mode`: an endless chunked body, or a Content-Length lie.

    `sent` holds the bytes pushed into each connection. The send buffer is kept small so that
    this counts what the client read plus the kernel's buffers at its end, not megabytes the
    kernel on this side would otherwise take in while the client is already hanging up.
    """

    def __init__(self, mode: str) -> None:
        self.mode = mode
        self.sent: list[int] = []
        self._server = socket.create_server(("127.0.0.1", 0))
        # Accepted sockets inherit it; a fixed size also turns the kernel's autotuning off.
        self._server.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 64 << 10)
        self.url = f"http://127.0.0.1:{self._server.getsockname()[1]}"
        self._stop = threading.Event()
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self._server.accept()
            except OSError:
                return
            threading.Thread(target=self._answer, args=(conn,), daemon=True).start()

    def _answer(self, conn: socket.socket) -> None:
        index = len(self.sent)
        self.sent.append(0)
        with conn:
            try:
                conn.recv(65536)
                if self.mode == "endless":
                    conn.sendall(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n")
                    chunk = b"%x\r\n%s\r\n" % (65536, b"z" * 65536)
                    # "Endless" up to 256 MiB, so that a regression fails the test instead
                    # of filling the disk.
                    while not self._stop.is_set() and self.sent[index] < 256 << 20:
                        conn.sendall(chunk)
                        self.sent[index] += 65536
                else:  # claims a terabyte, sends a megabyte and hangs up
                    conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 1000000000000\r\n\r\n")
                    conn.sendall(b"z" * (1 << 20))
                    self.sent[index] += 1 << 20
            except OSError:
                pass

    def close(self) -> None:
        self._stop.set()
        self._server.close()


@pytest.mark.parametrize("what", ["task/", "task/a.txt"])
@pytest.mark.parametrize("progress", [False, None])
@pytest.mark.parametrize("mode", ["endless", "claims-a-terabyte"])
def test_a_body_longer_than_the_file_stops_and_leaves_nothing(server, tmp_path, mode,
                                                              progress, what):
    hostile = HostileBlobs(mode)
    try:
        write_tree(region_root(server, KEY), {"task/a.txt": b"a" * 100, "task/b.txt": b"b" * 50})
        server.config.public_url = hostile.url  # signed URLs now lead to the hostile store
        with st.StorageClient(server.url, KEY, retries=1) as client:
            start = time.monotonic()
            with pytest.raises(st.StorageError) as caught:
                st.download(what, str(tmp_path / "out"), client=client, progress=progress)
            assert time.monotonic() - start < 20
        assert isinstance(caught.value, (st.IntegrityError, st.TransferError))
        out = tmp_path / "out"
        left = [p for p in out.rglob("*") if p.is_file()] if out.exists() else []
        # Nothing under a final name. A body cut short keeps its `.part` so that running
        # the download again resumes it; one that overran its size is dropped.
        assert all(p.name.startswith(".") and p.name.endswith(".part") for p in left), left
        if mode == "endless":
            assert left == [], left
        assert sum(p.stat().st_size for p in left) <= 2 << 20
        # Bounded by what the listing said, plus one read: not by what the server sends.
        # Each file is tried at most `retries + 1` times, and each try hangs up after one
        # read past the size (256 KiB) plus what the kernel buffers at the client's end.
        files = 2 if what.endswith("/") else 1
        assert 1 <= len(hostile.sent) <= files * 2, hostile.sent
        assert max(hostile.sent) < 4 << 20, hostile.sent
    finally:
        hostile.close()
