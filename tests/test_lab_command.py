"""`inductiva-widgets lab`: demo storage + JupyterLab on the tour, stopped by Ctrl-C."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys

import httpx

from .processes import read_until


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_lab_serves_the_tour_over_demo_storage(tmp_path):
    lab_port = free_port()
    env = {**os.environ, "HOME": str(tmp_path / "home"), "PYTHONUNBUFFERED": "1",
           "JUPYTER_CONFIG_DIR": str(tmp_path / "jcfg"),
           "JUPYTER_RUNTIME_DIR": str(tmp_path / "jrun")}
    env.pop("INDUCTIVA_API_URL", None)
    lines: list[str] = []
    with subprocess.Popen(
        [sys.executable, "-m", "inductiva_widgets", "lab", "--no-browser", "--root",
         str(tmp_path / "root"), "--lab-port", str(lab_port), "--token", "tok"],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env,
    ) as process:
        try:
            text = read_until(process, "Ctrl-C", lines, timeout=120)
            url = re.search(r"JupyterLab with the tour notebook: (\S+)", text).group(1)
            assert f":{lab_port}/lab" in url and "token=tok" in url
            assert "01_tour.ipynb" in url
            status = httpx.get(f"http://127.0.0.1:{lab_port}/api/status",
                               params={"token": "tok"})
            assert status.status_code == 200
            tour = httpx.get(f"http://127.0.0.1:{lab_port}/api/contents/01_tour.ipynb",
                             params={"token": "tok", "content": "0"})
            assert tour.status_code == 200
            storage_url = re.search(r"Storage server \(demo data.*\): (\S+)", text).group(1)
            assert httpx.get(f"{storage_url}/version-check",
                             params={"client_version": "1"}).status_code == 200
            assert len(list((tmp_path / "root" / "notebooks").glob("*.ipynb"))) == 6
            # The storage panel opens on start in this JupyterLab (and only in it).
            settings = httpx.get(
                f"http://127.0.0.1:{lab_port}/lab/api/settings/inductiva-widgets:plugin",
                params={"token": "tok"})
            assert settings.status_code == 200, settings.text
            assert settings.json()["schema"]["properties"]["openOnStart"]["default"] is True
        finally:
            process.send_signal(signal.SIGINT)
            out, _ = process.communicate(timeout=60)
            lines.append(out)
    assert process.returncode == 0, "".join(lines)
    assert "Stopped JupyterLab and the storage server" in "".join(lines)
    try:
        httpx.get(f"http://127.0.0.1:{lab_port}/api/status", timeout=2)
        raise AssertionError("JupyterLab still answers after Ctrl-C")
    except httpx.ConnectError:
        pass


def test_lab_without_jupyterlab_says_how_to_install(tmp_path):
    code = ("import sys, builtins\n"
            "real = builtins.__import__\n"
            "def fake(name, *a, **k):\n"
            "    if name == 'jupyterlab': raise ImportError(name)\n"
            "    return real(name, *a, **k)\n"
            "builtins.__import__ = fake\n"
            "from inductiva_widgets.cli import main\n"
            f"sys.exit(main(['lab', '--root', {str(tmp_path)!r}]))")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 2
    assert "pip install 'inductiva-widgets[lab]'" in result.stderr
