"""`inductiva-widgets lab`: the bundled server with demo data plus JupyterLab on the tour."""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

from .processes import stop_process

TOUR = "01_tour.ipynb"
DEMO_KEY_FILE = "demo-key"
PANEL_PLUGIN = "inductiva-widgets:plugin"  # the lab extension's settings (labextension/schema)


def notebooks_source() -> Path:
    """The tutorial notebooks: in the wheel, or at the top of a source checkout."""
    packaged = Path(__file__).resolve().parent / "notebooks"
    if packaged.is_dir():
        return packaged
    return Path(__file__).resolve().parent.parent / "notebooks"


def workspace(root: Path, fresh: bool) -> Path:
    """Copy the notebooks beside the storage, keeping a user's edits unless `fresh`."""
    target = root / "notebooks"
    target.mkdir(parents=True, exist_ok=True)
    for notebook in sorted(notebooks_source().glob("*.ipynb")):
        destination = target / notebook.name
        if fresh or not destination.exists():
            shutil.copyfile(notebook, destination)
    return target


def panel_config(root: Path) -> Path:
    """A Jupyter config folder whose lab settings open the storage panel on start.

    Prepended to JUPYTER_CONFIG_PATH for this JupyterLab only: the user's own settings and
    other JupyterLab sessions keep the default (closed until clicked).
    """
    folder = root / "jupyter-config"
    labconfig = folder / "labconfig"
    labconfig.mkdir(parents=True, exist_ok=True)
    (labconfig / "default_setting_overrides.json").write_text(
        json.dumps({PANEL_PLUGIN: {"openOnStart": True}}, indent=2) + "\n")
    return folder


def _seed(config, fresh: bool) -> list[str]:
    from .demo import seed_demo
    from .server.config import user_id_for

    user_root = config.root / "users" / user_id_for(config.api_keys[0])
    if fresh and user_root.exists():
        shutil.rmtree(user_root)
    return seed_demo(user_root / config.regions[0])


# Defaults for this JupyterLab only (a user's own settings still win): no prompt asking to
# fetch Jupyter news, no update check; both would reach the internet from a demo.
OVERRIDES = {"@jupyterlab/apputils-extension:notification": {"fetchNews": "false",
                                                             "checkForUpdates": False}}


def app_settings(root: Path) -> Path:
    """A settings folder whose overrides.json holds OVERRIDES; JupyterLab reads it at start."""
    folder = root / "lab-settings"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "overrides.json").write_text(json.dumps(OVERRIDES, indent=2))
    return folder


def _lab_command(args: argparse.Namespace, notebooks: Path, token: str) -> list[str]:
    return [sys.executable, "-m", "jupyter", "lab",
            f"--ServerApp.ip={args.host}", f"--ServerApp.port={args.lab_port}",
            f"--ServerApp.root_dir={notebooks}", f"--IdentityProvider.token={token}",
            f"--LabApp.default_url=/lab/tree/{TOUR}",
            "--LabApp.news_url=None",
            f"--LabApp.app_settings_dir={app_settings(notebooks.parent)}",
            "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
            *(["--no-browser"] if args.no_browser else []),
            *(["--allow-root"] if hasattr(os, "geteuid") and os.geteuid() == 0 else [])]


def _pump(process: subprocess.Popen, found: dict, ready: threading.Event) -> None:
    """Echo JupyterLab's log lines; note the URL it serves on."""
    assert process.stdout is not None
    for line in process.stdout:
        match = re.search(r"(http://[^\s]+/lab[^\s]*)", line)
        if match and "url" not in found:
            found["url"] = match.group(1)
            ready.set()
        if os.environ.get("INDUCTIVA_WIDGETS_LAB_LOG"):
            sys.stderr.write(line)
    ready.set()


def run(args: argparse.Namespace) -> int:
    try:
        import jupyterlab  # noqa: F401
    except ImportError:
        print("error: JupyterLab is not installed: pip install 'inductiva-widgets[lab]'",
              file=sys.stderr)
        return 2
    try:
        from .server.config import ServerConfig, default_root
        from .server.runner import start_in_thread
    except ImportError as exc:
        print(f"error: the bundled server is not installed ({exc.name} is missing): "
              "pip install 'inductiva-widgets[lab]'", file=sys.stderr)
        return 2

    root = args.root or default_root()
    config = ServerConfig(root=root)
    config.ensure_secrets()
    created = _seed(config, args.fresh)
    server = start_in_thread(config, host=args.host, port=args.port)
    notebooks = workspace(Path(root), args.fresh)
    token = args.token or os.urandom(12).hex()
    config_path = os.pathsep.join(
        p for p in (str(panel_config(Path(root))), os.environ.get("JUPYTER_CONFIG_PATH")) if p)
    env = {**os.environ, "INDUCTIVA_API_URL": server.url,
           "INDUCTIVA_API_KEY": config.api_keys[0], "JUPYTER_CONFIG_PATH": config_path}
    process = subprocess.Popen(_lab_command(args, notebooks, token), env=env,
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    found: dict[str, str] = {}
    ready = threading.Event()
    threading.Thread(target=_pump, args=(process, found, ready), daemon=True).start()
    ready.wait(timeout=90)
    if "url" not in found:
        server.stop()
        process.terminate()
        print("error: JupyterLab did not start (set INDUCTIVA_WIDGETS_LAB_LOG=1 to see why)",
              file=sys.stderr)
        return 1
    # JupyterLab prints its URL with the token masked ("?token=..."): show the real one.
    url = found["url"].split("?", 1)[0] + f"?token={token}"
    print(f"Storage server (demo data{', freshly seeded' if created else ''}): {server.url}")
    print(f"  storage root: {root}")
    print(f"  notebooks:    {notebooks}")
    print(f"JupyterLab with the tour notebook: {url}")
    print("Press Ctrl-C to stop both.", flush=True)
    stop = threading.Event()
    with contextlib.suppress(ValueError):  # not in the main thread (tests): no handler
        signal.signal(signal.SIGTERM, lambda *_: stop.set())
    try:
        while not stop.is_set() and process.poll() is None:
            time.sleep(0.2)
    except KeyboardInterrupt:
        pass
    finally:
        # JupyterLab asks for confirmation on the first Ctrl-C: a second one stops it.
        stop_process(process, signal.SIGINT, times=2)
        server.stop()
        print("Stopped JupyterLab and the storage server.")
    return 0


def add_parser(sub) -> None:
    lab = sub.add_parser("lab", help="demo storage + JupyterLab on the tour notebook",
                         description="Start the bundled server with demo data and JupyterLab "
                         "on the tutorial notebooks.")
    lab.add_argument("--root", type=Path, default=None,
                     help="folder for the demo storage and notebooks (default: per-user)")
    lab.add_argument("--host", default="127.0.0.1", help="address for both servers")
    lab.add_argument("--port", type=int, default=0,
                     help="storage server port (default: a free one)")
    lab.add_argument("--lab-port", type=int, default=8888,
                     help="JupyterLab port (the next free one is taken if busy)")
    lab.add_argument("--no-browser", action="store_true", help="do not open a browser")
    lab.add_argument("--fresh", action="store_true",
                     help="reseed the demo storage and reset the notebooks")
    lab.add_argument("--token", default=None, help="JupyterLab token (default: random)")
