"""Shared fixtures: the real bundled server on a free 127.0.0.1 port, over real HTTP."""

from __future__ import annotations

import httpx
import pytest

from inductiva_widgets.server.config import ServerConfig
from inductiva_widgets.server.runner import RunningServer, start_in_thread

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
