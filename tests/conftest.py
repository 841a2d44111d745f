"""Shared fixtures: the real bundled server on a free 127.0.0.1 port, over real HTTP."""

from __future__ import annotations

import signal

import httpx
import pytest

from inductiva_widgets.processes import stop_process
from inductiva_widgets.server.config import ServerConfig
from inductiva_widgets.server.runner import RunningServer, start_in_thread

from .processes import wait_until_answers

KEY = "test-key-alice"
OTHER_KEY = "test-key-bob"

@pytest.fixture
def server(tmp_path) -> RunningServer:
    config = ServerConfig(root=tmp_path / "storage", api_keys=[KEY, OTHER_KEY],
                          allow_private_urls=True)
    running = start_in_thread(config)
    yield running
    running.stop()


@pytest.fixture
def api(server) -> httpx.Client:
    with httpx.Client(base_url=server.url, headers={"X-API-Key": KEY}, timeout=30) as client:
        yield client


@pytest.fixture
def other_api(server) -> httpx.Client:
    with httpx.Client(base_url=server.url, headers={"X-API-Key": OTHER_KEY}, timeout=30) as c:
        yield c


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="session")
def s3_endpoint():
    """A real S3 endpoint (moto's server) on loopback, for exports."""
    import subprocess
    import sys

    port = _free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    try:
        wait_until_answers(f"{url}/moto-api/", process, "moto_server")
        yield url
    finally:
        stop_process(process, signal.SIGTERM, timeout=10)


@pytest.fixture
def s3(s3_endpoint, monkeypatch):
    """A boto3 S3 client on the loopback endpoint, with AWS_* set for code under test."""
    import boto3

    for name, value in {"AWS_ENDPOINT_URL": s3_endpoint, "AWS_ACCESS_KEY_ID": "testing",
                        "AWS_SECRET_ACCESS_KEY": "testing",
                        "AWS_DEFAULT_REGION": "us-east-1"}.items():
        monkeypatch.setenv(name, value)
    client = boto3.client("s3", endpoint_url=s3_endpoint, region_name="us-east-1")
    yield client
    client.close()
