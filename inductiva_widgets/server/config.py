"""The bundled server's settings and its accounts (API key -> user)."""

from __future__ import annotations

import hashlib
import json
import os
import re
import secrets
from dataclasses import dataclass, field
from pathlib import Path

import platformdirs

KEY_PATTERN = re.compile(r"^[A-Za-z0-9._-]+$")
DEFAULT_REGIONS = ("europe-west1", "us-central1")
SERVER_VERSION = "0.18.12"
MIN_CLIENT_VERSION = "0.18.0"


def default_root() -> Path:
    """The per-user data folder that holds the storage when no `--root` is given."""
    return Path(platformdirs.user_data_dir("inductiva-widgets", appauthor=False)) / "storage"


def user_id_for(key: str) -> str:
    """A stable folder name for a key's storage that does not reveal the key."""
    return "u" + hashlib.sha256(key.encode()).hexdigest()[:20]


def new_api_key() -> str:
    """A random key that never starts with "-" (else `--api-key KEY` would take it for a flag)."""
    return "iwk-" + secrets.token_urlsafe(24)


@dataclass
class ServerConfig:
    """Everything `create_app` needs; see `inductiva-widgets serve --help`."""

    root: Path = field(default_factory=default_root)
    api_keys: list[str] = field(default_factory=list)
    regions: tuple[str, ...] = DEFAULT_REGIONS
    signing_secret: bytes = b""
    url_ttl_s: int = 3600
    allow_private_urls: bool = False
    public_url: str | None = None  # base of signed URLs; default: the URL the request used
    price_per_gb_month: float = 0.02

    def __post_init__(self) -> None:
        self.root = Path(self.root)
        for key in self.api_keys:
            if not KEY_PATTERN.match(key):
                raise ValueError(f"API key {key!r} must match {KEY_PATTERN.pattern}")
        if not self.regions:
            raise ValueError("at least one region is needed")

    @property
    def default_region(self) -> str:
        return self.regions[0]

    def accounts(self) -> dict[str, str]:
        return {key: user_id_for(key) for key in self.api_keys}

    def ensure_secrets(self) -> None:
        """Fill in a missing key and signing secret, kept in `<root>/server.json`.

        Keeping them means a restarted server keeps its key (notebooks keep working) and
        the URLs it signed stay valid until they expire.
        """
        state_file = self.root / "server.json"
        state = {}
        if state_file.is_file():
            state = json.loads(state_file.read_text())
        if not self.api_keys:
            self.api_keys = [state.get("api_key") or new_api_key()]
        if not self.signing_secret:
            stored = state.get("signing_secret")
            self.signing_secret = bytes.fromhex(stored) if stored else secrets.token_bytes(32)
        new_state = {"api_key": state.get("api_key") or self.api_keys[0],
                     "signing_secret": self.signing_secret.hex()}
        if new_state != state:
            self.root.mkdir(mode=0o700, parents=True, exist_ok=True)
            tmp = state_file.with_suffix(".tmp")
            tmp.unlink(missing_ok=True)  # O_CREAT keeps an old file's mode
            with open(os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "w") as fh:
                json.dump(new_state, fh)
            os.replace(tmp, state_file)
        # The secret signs every URL: private on every start, whatever made the file.
        os.chmod(state_file, 0o600)
