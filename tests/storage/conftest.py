from __future__ import annotations

import pytest

import inductiva_widgets.storage as st

from ..conftest import KEY


@pytest.fixture
def client(server) -> st.StorageClient:
    with st.StorageClient(server.url, KEY, retries=3) as c:
        yield c


def write_tree(root, files: dict[str, bytes]):
    for rel, data in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    return root
