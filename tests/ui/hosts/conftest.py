"""One server process per notebook host (Notebook 7, Voilà, marimo), module-scoped.

JupyterLab comes from ../conftest.py (`lab`, session-scoped, shared with the other UI
tests). Each host runs isolated (its own HOME, config and data folders) with the bundled
server's URL and key in its environment, so the kernel (or marimo's runtime) reaches the
demo storage exactly as a user's would.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from inductiva_widgets.processes import stop_process

from ..conftest import KEY, TOKEN, _free_port, region_path, write_notebook

# The folder every host test opens: made here, so no other UI test can delete it meanwhile.
FOLDER = "hosts-demo"
SUBFOLDERS = {
    "alpha-run": ["stdout.txt", "results.csv", "mesh.vtk"],
    "beta-run": ["stdout.txt", "fields.h5"],
    "gamma-run-with-a-long-name-that-must-be-cut-with-an-ellipsis": ["README.md"],
}
# An archive for the ZipExplorer, whose member list has the narrowest names of all.
ARCHIVE = "hosts-zip/output.zip"
MEMBERS = {"artifacts/stdout.txt": b"step 1 residual 0.5\n" * 200,
           "artifacts/fields/pressure_field_0001.csv": b"x,y,p\n" + b"0.1,0.2,101325\n" * 300,
           "artifacts/mesh_summary.json": b'{"cells": 1024}'}
CELL = ("from inductiva_widgets import StorageBrowser\n"
        f"browser = StorageBrowser({FOLDER!r}, height=480)")


@dataclass
class Host:
    """A running host: where to point the browser, and its log for failures."""

    url: str
    folder: Path
    log: Path


@pytest.fixture(scope="session")
def host_storage(demo_server) -> str:
    root = region_path(demo_server, FOLDER)
    for name, files in SUBFOLDERS.items():
        (root / name).mkdir(parents=True, exist_ok=True)
        for file in files:
            (root / name / file).write_text(f"{name}/{file}\n" * 40)
    archive = region_path(demo_server, ARCHIVE)
    archive.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in MEMBERS.items():
            zf.writestr(name, data)
    return FOLDER


def _environment(home: Path, demo_server) -> dict[str, str]:
    return {
        **os.environ,
        "HOME": str(home),
        "XDG_CONFIG_HOME": str(home / ".config"),
        "XDG_DATA_HOME": str(home / ".local" / "share"),
        "XDG_CACHE_HOME": str(home / ".cache"),
        "JUPYTER_CONFIG_DIR": str(home / "config"),
        "JUPYTER_DATA_DIR": str(home / "data"),
        "JUPYTER_RUNTIME_DIR": str(home / "runtime"),
        "IPYTHONDIR": str(home / "ipython"),
        # Kernels and Voilà must find the labextensions of this environment (anywidget).
        "JUPYTER_PATH": str(Path(sys.prefix) / "share" / "jupyter"),
        "INDUCTIVA_API_URL": demo_server.url,
        "INDUCTIVA_API_KEY": KEY,
        "MARIMO_SKIP_UPDATE_CHECK": "1",
    }


@contextlib.contextmanager
def _serve(cmd: list[str], *, cwd: Path, env: dict[str, str], ready: str,
           log_path: Path, shutdown: str | None = None) -> Iterator[None]:
    """Run a host server until the `with` ends; ready when `ready` answers below 400."""
    log = open(log_path, "w")  # noqa: SIM115 - closed below
    # Its own process group, so stopping it touches nothing else. The hosts stop their
    # kernels themselves on SIGINT (kernels run in sessions of their own).
    process = subprocess.Popen(cmd, cwd=cwd, env=env, stdin=subprocess.DEVNULL, stdout=log,
                               stderr=subprocess.STDOUT, start_new_session=True)
    try:
        deadline = time.monotonic() + 60
        while True:
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(ready, timeout=2).status_code < 400:
                    break
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"{cmd[2]} did not start:\n{log_path.read_text()[-3000:]}")
            time.sleep(0.2)
        yield
    finally:
        if shutdown:
            with contextlib.suppress(httpx.HTTPError):
                httpx.post(shutdown, timeout=10)
        stop_process(process, signal.SIGINT)
        # Helpers left in its group by a host that died badly.
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(process.pid, signal.SIGKILL)
        log.close()


@pytest.fixture(scope="module")
def notebook7(tmp_path_factory, demo_server, host_storage) -> Iterator[Host]:
    home = tmp_path_factory.mktemp("nb7-home")
    folder = tmp_path_factory.mktemp("nb7-notebooks")
    write_notebook(folder, "host.ipynb", [CELL + "\nbrowser", "print(browser.path)"])
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    cmd = [sys.executable, "-m", "jupyter", "notebook", "--no-browser", "--allow-root",
           f"--ServerApp.port={port}", "--ServerApp.port_retries=0",
           "--ServerApp.ip=127.0.0.1", f"--IdentityProvider.token={TOKEN}",
           f"--ServerApp.root_dir={folder}",
           f"--JupyterNotebookApp.user_settings_dir={home / 'settings'}",
           f"--JupyterNotebookApp.workspaces_dir={home / 'workspaces'}",
           "--JupyterNotebookApp.expose_app_in_browser=True"]
    with _serve(cmd, cwd=folder, env=_environment(home, demo_server),
                ready=f"{base}/api/status?token={TOKEN}", log_path=home / "host.log",
                shutdown=f"{base}/api/shutdown?token={TOKEN}"):
        yield Host(f"{base}/notebooks/host.ipynb?token={TOKEN}", folder, home / "host.log")


@pytest.fixture(scope="module")
def voila(tmp_path_factory, demo_server, host_storage) -> Iterator[Host]:
    home = tmp_path_factory.mktemp("voila-home")
    folder = tmp_path_factory.mktemp("voila-notebooks")
    write_notebook(folder, "host.ipynb", [CELL + "\nbrowser"])
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    # `?theme=dark` on the URL switches to JupyterLab's dark theme for one page.
    cmd = [sys.executable, "-m", "voila", "host.ipynb", "--no-browser", f"--port={port}",
           "--Voila.ip=127.0.0.1", "--Voila.port_retries=0",
           "--VoilaConfiguration.allow_theme_override=YES"]
    with _serve(cmd, cwd=folder, env=_environment(home, demo_server),
                ready=f"{base}/voila/static/voila.js", log_path=home / "host.log"):
        yield Host(f"{base}/", folder, home / "host.log")


MARIMO_APP = f'''import marimo

app = marimo.App()


@app.cell
def _():
    import marimo as mo
    from inductiva_widgets import StorageBrowser

    {CELL.splitlines()[1].strip()}
    view = mo.ui.anywidget(browser)
    view
    return (mo,)


@app.cell
def _(mo):
    from inductiva_widgets import ZipExplorer

    mo.ui.anywidget(ZipExplorer({ARCHIVE!r}, height=320))
    return


if __name__ == "__main__":
    app.run()
'''


@pytest.fixture(scope="module")
def marimo(tmp_path_factory, demo_server, host_storage) -> Iterator[Host]:
    home = tmp_path_factory.mktemp("marimo-home")
    folder = tmp_path_factory.mktemp("marimo-app")
    (folder / "app.py").write_text(MARIMO_APP)
    # "system": the page follows the browser's colour scheme, so a dark context shows
    # marimo's dark theme without another server.
    config = home / ".config" / "marimo"
    config.mkdir(parents=True)
    (config / "marimo.toml").write_text('[display]\ntheme = "system"\n')
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    cmd = [sys.executable, "-m", "marimo", "run", "app.py", "--headless", "--host",
           "127.0.0.1", f"--port={port}", "--no-token", "--no-sandbox", "--no-check"]
    with _serve(cmd, cwd=folder, env=_environment(home, demo_server),
                ready=f"{base}/health", log_path=home / "host.log"):
        yield Host(f"{base}/", folder, home / "host.log")
