"""The wheel carries the prebuilt JupyterLab extension, and JupyterLab finds it.

Builds the wheel from this checkout (the build hook runs npm for both front ends), then
installs it beside JupyterLab in a fresh venv: no `jupyter lab build`, no Node.js there.
pip's own cache keeps the second part quick; nothing but PyPI is reached.
"""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SHARED = "share/jupyter/labextensions/inductiva-widgets"

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    env = {k: v for k, v in os.environ.items() if k != "INDUCTIVA_WIDGETS_SKIP_JS"}
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(out),
                    str(ROOT)], check=True, env=env, timeout=240)
    (built,) = out.glob("inductiva_widgets-*.whl")
    return built


def test_wheel_holds_the_prebuilt_extension(wheel):
    with zipfile.ZipFile(wheel) as archive:
        names = archive.namelist()
        data = [n.split(".data/data/", 1)[1] for n in names if ".data/data/" in n]
        package = archive.read(next(n for n in names if n.endswith(f"{SHARED}/package.json")))
    assert f"{SHARED}/package.json" in data
    assert any(n.startswith(f"{SHARED}/static/remoteEntry.") and n.endswith(".js") for n in data)
    assert f"{SHARED}/schemas/inductiva-widgets/plugin.json" in data
    assert b'"_build"' in package  # built by @jupyterlab/builder, not the source package.json
    # The panel's Python side and the widgets' bundle are in the package.
    assert "inductiva_widgets/lab_panel.py" in names
    assert "inductiva_widgets/static/storage_browser.js" in names
    # No sources or node_modules of the front ends in the wheel.
    assert not [n for n in names if "node_modules" in n or n.startswith("labextension/")]


def test_fresh_venv_with_the_wheel_and_jupyterlab_lists_the_extension(wheel, tmp_path):
    venv = tmp_path / "venv"
    # No pip inside: this interpreter's pip installs into it (--python), without compiling
    # bytecode, which is most of the time an install of JupyterLab takes.
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True,
                   timeout=60)
    pip = [sys.executable, "-m", "pip", "--python", str(venv / "bin" / "python"), "install",
           "-q", "--no-compile", "--disable-pip-version-check"]
    # The wheel alone (its dependencies are not what is tested here) and JupyterLab.
    subprocess.run([*pip, "--no-deps", str(wheel)], check=True, timeout=120)
    subprocess.run([*pip, "jupyterlab>=4.2,<5"], check=True, timeout=240)
    home = tmp_path / "home"
    env = {**{k: v for k, v in os.environ.items() if not k.startswith("JUPYTER")},
           "HOME": str(home), "JUPYTER_CONFIG_DIR": str(home / "config"),
           "JUPYTER_DATA_DIR": str(home / "data")}
    listed = subprocess.run([str(venv / "bin" / "jupyter"), "labextension", "list"],
                            capture_output=True, text=True, env=env, timeout=60)
    assert listed.returncode == 0, listed.stderr
    text = listed.stdout + listed.stderr
    line = next((ln for ln in text.splitlines() if "inductiva-widgets" in ln), "")
    assert "v0.1.0" in line and "enabled" in line and "OK" in line, text
    assert (venv / SHARED / "package.json").is_file()
