"""The bundled storage server: the Inductiva storage REST protocol on local disk.

Needs the `server` extra (`pip install "inductiva-widgets[server]"`).
"""

from .app import create_app
from .config import ServerConfig, default_root

__all__ = ["ServerConfig", "create_app", "default_root"]
