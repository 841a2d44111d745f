"""Inductiva cloud storage in Jupyter: a fast storage client, widgets and a bundled server.

    from inductiva_widgets import StorageBrowser, storage_dataframe
    import inductiva_widgets.storage as storage     # the seed's functions, on httpx

Widgets are imported on first use, so `import inductiva_widgets.storage` stays light.
"""

from __future__ import annotations

from typing import Any

__version__ = "0.1.0"
__all__ = ["StorageBrowser", "StorageFrame", "TransferQueue", "members_dataframe",
           "storage_dataframe"]


def __getattr__(name: str) -> Any:
    if name in __all__:
        from . import widgets

        return getattr(widgets, name)
    raise AttributeError(f"module 'inductiva_widgets' has no attribute {name!r}")

__all__ += ["GatherView", "ZipExplorer"]
