"""The bundled server as a real process (`inductiva-widgets serve`), for hostile-input tests.

A process of its own, so that its memory (VmHWM) is measured alone and a crash, a leak or
a stall in it cannot hide inside the test process.
"""

from __future__ import annotations

import json
import os
import re
import resource
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit

import httpx

from inductiva_widgets.processes import stop_process

from ..processes import wait_until_answers

KEY = "hostile-key-alice"
OTHER_KEY = "hostile-key-bob"


# Runs the server on a bound socket with the limits given as JSON: the one way to pass limits
# (and a low open-file limit) that the CLI has no flags for.
LAUNCHER = """
import json, sys
from inductiva_widgets.server.config import ServerConfig
from inductiva_widgets.server.limits import Limits
from inductiva_widgets.server.runner import bind, serve_forever, url_of
args = json.loads(sys.argv[1])
config = ServerConfig(root=args["root"], api_keys=args["keys"], allow_private_urls=True)
sock = bind("127.0.0.1", 0)
print("export INDUCTIVA_API_URL=" + url_of(sock), flush=True)
serve_forever(config, sock, limits=Limits(**args["limits"]))
"""


class ServerProcess:
    """The bundled server in a process of its own on a free loopback port, until `stop()`.

    `extra` are `inductiva-widgets serve` flags. With `limits` (keyword arguments of
    `server.limits.Limits`) or `nofile` (the process's RLIMIT_NOFILE), the server is started
    by a small launcher instead, with private URLs allowed.
    """

    def __init__(self, root: Path, *extra: str, keys: tuple[str, ...] = (KEY, OTHER_KEY),
                 env: dict[str, str] | None = None, limits: dict | None = None,
                 nofile: tuple[int, int] | None = None) -> None:
        self.root = root
        self.log_path = root.parent / f"{root.name}-server.log"
        if limits is not None or nofile is not None:
            spec = json.dumps({"root": str(root), "keys": list(keys), "limits": limits or {}})
            args = [sys.executable, "-c", LAUNCHER, spec]
        else:
            args = [sys.executable, "-m", "inductiva_widgets", "serve", "--root", str(root),
                    "--port", "0", *[f"--api-key={k}" for k in keys], *extra]

        def limit_fds() -> None:
            if nofile:
                resource.setrlimit(resource.RLIMIT_NOFILE, nofile)

        root.parent.mkdir(parents=True, exist_ok=True)
        self._log = open(self.log_path, "w+b")  # noqa: SIM115 (closed in stop())
        self.process = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=self._log,
                                        env={**os.environ, **(env or {})},
                                        preexec_fn=limit_fds)
        self.url = self._read_url()
        self.port = urlsplit(self.url).port
        self.keys = keys
        self._wait_ready()

    def _read_url(self) -> str:
        # Blocking reads: the server prints its lines at once, or exits (end of file).
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            line = self.process.stdout.readline().decode()
            if not line:
                break
            found = re.search(r"export INDUCTIVA_API_URL=(\S+)", line)
            if found:
                return found.group(1)
        self.stop()
        raise RuntimeError(f"the server did not start: {self.log_path.read_text()[-2000:]}")

    def _wait_ready(self) -> None:
        try:
            wait_until_answers(f"{self.url}/version", self.process, "the server process")
        except RuntimeError:
            self.stop()
            raise

    def client(self, key: str | None = None, **kwargs) -> httpx.Client:
        """An API client with `key` (default: the server's first key)."""
        return httpx.Client(base_url=self.url, headers={"X-API-Key": key or self.keys[0]},
                            timeout=kwargs.pop("timeout", 30), **kwargs)

    def connect(self, timeout: float = 5) -> socket.socket:
        """A raw connection to the server."""
        return socket.create_connection(("127.0.0.1", self.port), timeout=timeout)

    def status(self, field: str) -> int:
        """A field of /proc/<pid>/status, in its own unit (kB for memory)."""
        text = Path(f"/proc/{self.process.pid}/status").read_text()
        return int(re.search(rf"{field}:\s+(\d+)", text).group(1))

    def peak_rss_mb(self) -> float:
        """The process's peak resident memory so far (VmHWM), in MB."""
        return self.status("VmHWM") / 1024

    def rss_mb(self) -> float:
        return self.status("VmRSS") / 1024

    def cpu_s(self) -> float:
        """CPU seconds the process has used (user + system)."""
        fields = Path(f"/proc/{self.process.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def log_text(self) -> str:
        return self.log_path.read_text(errors="replace")

    def alive(self) -> bool:
        return self.process.poll() is None

    def stop(self) -> None:
        stop_process(self.process, signal.SIGTERM, timeout=10)
        self.process.stdout.close()
        self._log.close()

    def __enter__(self) -> ServerProcess:
        return self

    def __exit__(self, *exc) -> None:
        self.stop()


def region_root(server: ServerProcess, key: str = KEY, region: str = "europe-west1") -> Path:
    from inductiva_widgets.server.config import user_id_for

    return server.root / "users" / user_id_for(key) / region


def empty_files(folder: Path, count: int, name: str = "{:06d}") -> None:
    """`count` empty private files in a new `folder`, straight on disk (fast for floods)."""
    folder.mkdir(parents=True)
    for i in range(count):
        os.close(os.open(folder / name.format(i), os.O_CREAT | os.O_WRONLY, 0o600))


def upload(api: httpx.Client, path: str, data: bytes) -> httpx.Response:
    """Upload through a signed URL, as every client does."""
    urls = api.get("/storage/signed-urls", params={"paths": [path], "operation": "upload"})
    urls.raise_for_status()
    return httpx.put(urls.json()[0], content=data, timeout=60)


def assert_clean_error(response: httpx.Response, *statuses: int) -> dict:
    """A 4xx/507 JSON `detail` without absolute paths or user ids."""
    assert response.status_code in statuses, (response.status_code, response.text[:500])
    body = response.json()
    assert isinstance(body.get("detail"), str | list) and body["detail"]
    text = response.text
    assert "/tmp" not in text and "/users/" not in text and "/work" not in text, text[:500]
    assert not re.search(r"\bu[0-9a-f]{20}\b", text), text[:500]
    return body
