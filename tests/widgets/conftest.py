from __future__ import annotations

import pytest

import inductiva_widgets.storage as st
from inductiva_widgets.demo import seed_demo
from inductiva_widgets.server.config import ServerConfig, user_id_for
from inductiva_widgets.server.runner import start_in_thread

KEY = "widget-key"


@pytest.fixture
def demo(tmp_path):
    """A server over the demo storage, and a client for it."""
    region = tmp_path / "users" / user_id_for(KEY) / "europe-west1"
    tasks = seed_demo(region, large_result_mb=2)
    with start_in_thread(ServerConfig(root=tmp_path, api_keys=[KEY])) as server, \
            st.StorageClient(server.url, KEY) as client:
        yield client, region, tasks


@pytest.fixture
def sent(monkeypatch):
    """Messages the widget pushes to its view (there is no front end in these tests)."""
    from inductiva_widgets.widgets._rpc import RpcWidget

    messages: list[dict] = []
    monkeypatch.setattr(RpcWidget, "send", lambda self, msg, buffers=None: messages.append(msg))
    return messages
