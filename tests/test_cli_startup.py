"""Starting up: a clear message for every missing extra, keys a shell can pass back."""

from __future__ import annotations

import subprocess
import sys

import pytest

from inductiva_widgets.cli import _parser
from inductiva_widgets.server.config import ServerConfig, new_api_key


def _run_without(modules: list[str], argv: list[str]) -> subprocess.CompletedProcess:
    """Run the CLI in a fresh interpreter where importing `modules` fails, as when not installed."""
    # None in sys.modules makes `import name` raise ImportError, exactly like a missing package.
    code = ("import sys\n"
            f"for name in {modules!r}: sys.modules[name] = None\n"
            "from inductiva_widgets.cli import main\n"
            f"sys.exit(main({argv!r}))")
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=60)


@pytest.mark.parametrize("missing", [["fastapi"], ["uvicorn"], ["fastapi", "uvicorn"]])
def test_serve_without_the_server_extra_names_it(tmp_path, missing):
    result = _run_without(missing, ["serve", "--root", str(tmp_path), "--port", "0"])
    assert result.returncode == 2
    assert "pip install 'inductiva-widgets[server]'" in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize("missing", [["fastapi"], ["uvicorn"]])
def test_lab_without_the_server_extra_names_it(tmp_path, missing):
    result = _run_without(missing, ["lab", "--root", str(tmp_path), "--no-browser"])
    assert result.returncode == 2, result.stderr
    assert "pip install 'inductiva-widgets[lab]'" in result.stderr
    assert missing[0] in result.stderr
    assert "Traceback" not in result.stderr


def test_show_in_sidebar_without_sidecar_names_the_extra():
    code = ("import sys\nsys.modules['sidecar'] = None\n"
            "from inductiva_widgets.widgets.browser import StorageBrowser\n"
            "try:\n"
            "    StorageBrowser.show_in_sidebar(object.__new__(StorageBrowser))\n"
            "except ImportError as exc:\n"
            "    print(exc)\n")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            timeout=60)
    assert "pip install 'inductiva-widgets[lab]'" in result.stdout, result.stderr


def test_generated_keys_never_look_like_flags(tmp_path):
    keys = [new_api_key() for _ in range(2000)]
    assert not any(key.startswith("-") for key in keys)
    assert len(set(keys)) == len(keys)
    config = ServerConfig(root=tmp_path)
    config.ensure_secrets()
    key = config.api_keys[0]
    # The key printed by `serve` can be given back as `--api-key KEY`, as two words.
    args = _parser().parse_args(["serve", "--api-key", key, "--root", str(tmp_path)])
    assert args.api_keys == [key]
    again = ServerConfig(root=tmp_path)
    again.ensure_secrets()
    assert again.api_keys == [key]
