"""Real JupyterLab in real headless Chromium (Debian's), driven by Playwright.

See ../shared/recipes/browser-tests.md. JupyterLab runs isolated (its own HOME, config and
data folders) with the bundled server's URL and key in the kernel's environment.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import nbformat
import pytest

from inductiva_widgets.demo import seed_demo
from inductiva_widgets.server.config import ServerConfig, user_id_for
from inductiva_widgets.server.runner import start_in_thread

CHROMIUM = "/usr/bin/chromium"
TOKEN = "iw-ui-test-token"
KEY = "ui-test-key"
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def region_path(server, path: str) -> Path:
    return server.config.root / "users" / user_id_for(KEY) / "europe-west1" / path


@pytest.fixture(scope="session")
def demo_server(tmp_path_factory):
    root = tmp_path_factory.mktemp("ui-storage")
    seed_demo(root / "users" / user_id_for(KEY) / "europe-west1", large_result_mb=8)
    running = start_in_thread(ServerConfig(root=root, api_keys=[KEY], allow_private_urls=True))
    yield running
    running.stop()


@pytest.fixture(scope="session")
def lab(tmp_path_factory, demo_server, s3_endpoint):
    """A JupyterLab server; yields (base_url, notebook_dir)."""
    if not shutil.which(CHROMIUM) and not os.path.exists(CHROMIUM):
        if os.environ.get("CI"):
            pytest.fail(f"{CHROMIUM} is missing: apt-get install chromium")
        pytest.skip(f"{CHROMIUM} is missing: apt-get install chromium")
    home = tmp_path_factory.mktemp("lab-home")
    notebooks = tmp_path_factory.mktemp("lab-notebooks")
    settings = home / "settings"
    (settings / "@jupyterlab" / "apputils-extension").mkdir(parents=True)
    (settings / "@jupyterlab" / "apputils-extension" / "notification.jupyterlab-settings"
     ).write_text(json.dumps({"fetchNews": "false", "checkForUpdates": False}))
    port = _free_port()
    env = {
        **os.environ,
        "HOME": str(home),
        "JUPYTER_CONFIG_DIR": str(home / "config"),
        "JUPYTER_DATA_DIR": str(home / "data"),
        "JUPYTER_RUNTIME_DIR": str(home / "runtime"),
        "IPYTHONDIR": str(home / "ipython"),
        "INDUCTIVA_API_URL": demo_server.url,
        "INDUCTIVA_API_KEY": KEY,
        # Exports go to a real S3 endpoint on loopback (moto).
        "AWS_ENDPOINT_URL": s3_endpoint,
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": "us-east-1",
    }
    # Kernels must find the labextensions of this environment (anywidget, sidecar).
    env["JUPYTER_PATH"] = str(Path(sys.prefix) / "share" / "jupyter")
    cmd = [sys.executable, "-m", "jupyter", "lab", "--no-browser", "--allow-root",
           f"--ServerApp.port={port}", "--ServerApp.port_retries=0",
           "--ServerApp.ip=127.0.0.1", f"--IdentityProvider.token={TOKEN}",
           f"--ServerApp.root_dir={notebooks}", f"--LabApp.user_settings_dir={settings}",
           f"--LabApp.workspaces_dir={home / 'workspaces'}", "--LabApp.news_url=None",
           "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
           "--LabApp.expose_app_in_browser=True"]
    log = open(home / "lab.log", "w")  # noqa: SIM115 - closed at teardown
    process = subprocess.Popen(cmd, env=env, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            if httpx.get(f"{base}/api/status", params={"token": TOKEN}, timeout=2
                         ).status_code == 200:
                break
        except httpx.HTTPError:
            pass
        if process.poll() is not None or time.monotonic() > deadline:
            log.close()
            raise RuntimeError((home / "lab.log").read_text()[-3000:])
        time.sleep(0.2)
    yield base, notebooks
    try:
        httpx.post(f"{base}/api/shutdown", params={"token": TOKEN}, timeout=10)
        process.wait(timeout=20)
    except (httpx.HTTPError, subprocess.TimeoutExpired):
        process.kill()
        process.wait()
    log.close()


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=[
            "--no-sandbox", "--disable-gpu", "--disable-background-networking",
            "--disable-component-update", "--disable-sync", "--no-first-run",
            "--disable-dev-shm-usage"])
        yield chromium
        chromium.close()


def go_to_crumb(scope, name: str) -> None:
    """Click the breadcrumb "Go to <name>", through the "…" menu when the crumbs are
    collapsed and it is one of the hidden ones (`scope`: the page or a widget)."""
    from playwright.sync_api import expect

    crumb = scope.get_by_role("button", name=f"Go to {name}", exact=True)
    more = scope.get_by_role("button", name="Show hidden folders")
    expect(crumb.or_(more).first).to_be_visible()
    if crumb.count():
        crumb.first.click()
        return
    more.first.click()
    scope.get_by_role("menuitem", name=f"Go to {name}", exact=True).click()


def write_notebook(folder: Path, name: str, cells: list[str]) -> str:
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                 "language": "python"}
    nb.cells = [nbformat.v4.new_code_cell(src) for src in cells]
    nbformat.write(nb, folder / name)
    return name


class Notebook:
    """One open notebook page with helpers to run cells and read outputs."""

    def __init__(self, page, base: str, name: str) -> None:
        from playwright.sync_api import expect

        self.page = page
        self.expect = expect
        page.goto(f"{base}/lab/tree/{name}?reset&token={TOKEN}")
        expect(page.locator("#jp-main-statusbar")).to_contain_text("| Idle", timeout=60_000)

    def run_all(self) -> None:
        self.page.locator("#jp-MainMenu .lm-MenuBar-item", has_text="Run").click()
        self.page.locator(".lm-Menu-item[data-command='runmenu:run-all']").click()

    def cell(self, index: int):
        return self.page.locator(".jp-NotebookPanel").first.locator(".jp-Cell").nth(index)

    def run_cell(self, index: int) -> None:
        self.cell(index).locator(".jp-InputArea-editor").click()
        self.page.keyboard.press("Control+Enter")

    def output_text(self, index: int) -> str:
        return self.cell(index).locator(".jp-OutputArea-output").last.inner_text()

    def set_theme(self, theme: str) -> None:
        """Switch JupyterLab's theme ("JupyterLab Light" / "JupyterLab Dark")."""
        self.page.evaluate("t => window.jupyterapp.commands.execute("
                           "'apputils:change-theme', {theme: t})", theme)
        self.page.wait_for_function(
            "t => document.body.dataset.jpThemeName === t", arg=theme, timeout=20_000)
        # JupyterLab shows its splash screen while it swaps the theme's CSS.
        self.page.locator("#jupyterlab-splash").wait_for(state="detached", timeout=20_000)
        self.page.wait_for_timeout(300)

    def screenshot(self, name: str) -> Path:
        ARTIFACTS.mkdir(exist_ok=True)
        path = ARTIFACTS / name
        self.page.screenshot(path=str(path))
        return path


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    yield page
    context.close()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """Keep a screenshot of the page when a UI test fails (test-artifacts/failed-*.png)."""
    outcome = yield
    report = outcome.get_result()
    page = item.funcargs.get("page") if hasattr(item, "funcargs") else None
    if report.when == "call" and report.failed and page is not None:
        ARTIFACTS.mkdir(exist_ok=True)
        # The page may be gone; the failure itself is what matters.
        with contextlib.suppress(Exception):
            page.screenshot(path=str(ARTIFACTS / f"failed-{item.name}.png"))
