"""The "Inductiva storage" panel in JupyterLab's left sidebar, with no notebook and no cell.

The lab extension starts a kernel of its own and shows `lab_panel.panel_browser()`; these
tests drive it in real JupyterLab and Chromium, then check the files on disk.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import subprocess
import sys
import time
import uuid
from pathlib import Path

import httpx
import pytest

from inductiva_widgets import lab_panel
from inductiva_widgets.storage import StorageClient

from .conftest import ARTIFACTS, KEY, TOKEN, _free_port, region_path

PANEL = "#inductiva-storage-panel"


def panel_rows(page):
    grid = page.locator(PANEL).get_by_role("grid", name="Folder contents")
    return grid.locator(".iw-grid-body [role=row][data-path]")


def open_lab(page, base: str, reset: bool):
    from playwright.sync_api import expect

    page.goto(f"{base}/lab{'?reset&' if reset else '?'}token={TOKEN}")
    tab = page.get_by_role("tab", name=re.compile("Inductiva"))
    expect(tab).to_be_visible(timeout=60_000)
    return tab


def set_theme(page, theme: str) -> None:
    page.evaluate("t => window.jupyterapp.commands.execute('apputils:change-theme', {theme: t})",
                  theme)
    page.wait_for_function("t => document.body.dataset.jpThemeName === t", arg=theme,
                           timeout=20_000)
    page.locator("#jupyterlab-splash").wait_for(state="detached", timeout=20_000)
    page.wait_for_timeout(300)


def widen_sidebar(page, width: int = 620) -> None:
    """The left sidebar at a width the browser's tree and table fit in."""
    page.evaluate("w => { const app = window.jupyterapp;"
                  " const sizes = app.shell._hsplitPanel.relativeSizes();"
                  " app.shell._hsplitPanel.setRelativeSizes([w / window.innerWidth,"
                  " 1 - w / window.innerWidth, sizes[2] || 0]); }", width)


@pytest.mark.ui
def test_panel_lists_downloads_into_the_file_browser_and_survives_a_reload(
        lab, page, demo_server):
    from playwright.sync_api import expect

    base, notebooks = lab
    folder = f"panel-{uuid.uuid4().hex[:8]}"
    stored = region_path(demo_server, folder)
    stored.mkdir(parents=True)
    (stored / "pressure.csv").write_text("t,p\n0,101.3\n1,99.8\n")
    (notebooks / "landing").mkdir()

    tab = open_lab(page, base, reset=True)
    expect(page.locator(".jp-NotebookPanel")).to_have_count(0)  # no notebook, no cell
    # The file browser into "landing": downloads from the panel go where it points.
    page.locator(".jp-DirListing-item", has_text="landing").dblclick()
    expect(page.locator(".jp-FileBrowser .jp-BreadCrumbs")).to_contain_text("landing")

    tab.click()
    panel = page.locator(PANEL)
    expect(panel).to_be_visible()
    widen_sidebar(page)
    row = panel.locator(f".iw-grid-body [role=row][data-path='{folder}']")
    expect(row).to_be_visible(timeout=90_000)
    row.dblclick()
    expect(panel_rows(page)).to_have_count(1)
    panel_rows(page).first.click()
    expect(panel.get_by_text(re.compile("fetched 19 B"))).to_be_visible(timeout=30_000)
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "sidebar-panel-light.png"))

    panel.get_by_role("button", name="Download selected").click()
    dialog = page.get_by_role("dialog")
    expect(dialog.get_by_label("Local folder")).to_have_value("./landing")
    dialog.get_by_role("button", name="Start download").click()
    expect(panel.locator(".iw-transfer[data-state=done]").filter(has_text="pressure.csv")
           ).to_be_visible(timeout=30_000)
    # Downloads keep the storage path (as `storage.download` does), below "landing".
    local = notebooks / "landing" / folder / "pressure.csv"
    assert local.read_text() == "t,p\n0,101.3\n1,99.8\n"
    # The panel refreshed the (hidden) file browser's listing when the download was done:
    # well before the file browser's own 10 s poll.
    page.wait_for_function(
        """name => { for (const w of window.jupyterapp.shell.widgets('left')) {
              if (w.id === 'filebrowser') {
                return Array.from(w.model.items()).some(item => item.name === name); } }
            return false; }""", arg=folder, timeout=3_000)
    # The file browser shares the sidebar: back to it, the download is listed in "landing".
    page.get_by_role("tab", name=re.compile("File Browser")).click()
    listing = page.locator(".jp-FileBrowser .jp-DirListing-content")
    expect(listing.get_by_text(folder, exact=True)).to_be_visible(timeout=5_000)
    listing.get_by_text(folder, exact=True).dblclick()
    expect(listing.get_by_text("pressure.csv", exact=True)).to_be_visible()
    page.screenshot(path=str(ARTIFACTS / "sidebar-panel-downloaded.png"))
    tab.click()
    expect(panel).to_be_visible()

    set_theme(page, "JupyterLab Dark")
    page.screenshot(path=str(ARTIFACTS / "sidebar-panel-dark.png"))
    set_theme(page, "JupyterLab Light")

    # "Open in a notebook": no notebook is open, so a new one, made where the file browser
    # is (landing/<folder>, the download folder too), gets the selection's code.
    panel.get_by_role("button", name="Open in a notebook").click()
    cell = page.locator(".jp-NotebookPanel .jp-Cell").first
    expect(cell).to_contain_text(f"storage.download('{folder}/pressure.csv', '.'",
                                 timeout=30_000)
    expect(page.get_by_role("dialog")).to_have_count(0)  # no kernel question
    expect(page.locator(PANEL).locator(".jp-InductivaPanel-status")).to_have_text(
        "Inserted the code into the notebook.")
    page.screenshot(path=str(ARTIFACTS / "sidebar-panel-open-in-notebook.png"))

    # A reload restores the layout: the panel is open again and lists the same folder.
    page.reload()
    expect(page.locator(PANEL)).to_be_visible(timeout=60_000)
    expect(panel_rows(page).first).to_have_attribute("data-path", f"{folder}/pressure.csv",
                                                     timeout=60_000)

    # With the setting `openOnStart` (what `inductiva-widgets lab` sets), a fresh layout
    # opens with the panel showing, at JupyterLab's own sidebar width.
    settings = f"{base}/lab/api/settings/inductiva-widgets:plugin"
    put = httpx.put(settings, params={"token": TOKEN},
                    json={"raw": json.dumps({"openOnStart": True})})
    assert put.status_code == 204, put.text
    try:
        tab = open_lab(page, base, reset=True)
        expect(tab).to_have_attribute("aria-selected", "true", timeout=30_000)
        expect(panel_rows(page).first).to_be_visible(timeout=60_000)
        page.screenshot(path=str(ARTIFACTS / "sidebar-panel-narrow.png"))
    finally:
        httpx.put(settings, params={"token": TOKEN}, json={"raw": "{}"})
        stop_panel_kernels(base)


def stop_panel_kernels(base: str) -> None:
    """Shut the panel's kernel down, so later tests of the session do not share it."""
    sessions = httpx.get(f"{base}/api/sessions", params={"token": TOKEN}).json()
    for session in sessions:
        if session["path"] == ".inductiva-storage-panel":
            httpx.delete(f"{base}/api/sessions/{session['id']}", params={"token": TOKEN})


@pytest.fixture(scope="module")
def refused_lab(tmp_path_factory, demo_server):
    """A second JupyterLab whose kernels hold a key the storage refuses; yields its URL."""
    home = tmp_path_factory.mktemp("refused-lab")
    notices = home / "settings" / "@jupyterlab" / "apputils-extension"
    notices.mkdir(parents=True)
    (notices / "notification.jupyterlab-settings").write_text(
        json.dumps({"fetchNews": "false", "checkForUpdates": False}))
    port = _free_port()
    env = {**{k: v for k, v in os.environ.items() if not k.startswith("JUPYTER")},
           "HOME": str(home), "JUPYTER_CONFIG_DIR": str(home / "config"),
           "JUPYTER_DATA_DIR": str(home / "data"), "JUPYTER_RUNTIME_DIR": str(home / "run"),
           "IPYTHONDIR": str(home / "ipython"),
           "JUPYTER_PATH": str(Path(sys.prefix) / "share" / "jupyter"),
           "INDUCTIVA_API_URL": demo_server.url, "INDUCTIVA_API_KEY": "not-the-key"}
    process = subprocess.Popen(
        [sys.executable, "-m", "jupyter", "lab", "--no-browser", "--allow-root",
         f"--ServerApp.port={port}", "--ServerApp.port_retries=0", "--ServerApp.ip=127.0.0.1",
         f"--IdentityProvider.token={TOKEN}", f"--ServerApp.root_dir={home}",
         f"--LabApp.user_settings_dir={home / 'settings'}",
         f"--LabApp.workspaces_dir={home / 'workspaces'}", "--LabApp.news_url=None",
         "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate"],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(f"{base}/api/status", params={"token": TOKEN}).status_code == 200:
                    break
            assert process.poll() is None and time.monotonic() < deadline, "lab did not start"
            time.sleep(0.2)
        yield base
    finally:
        with contextlib.suppress(httpx.HTTPError):
            httpx.post(f"{base}/api/shutdown", params={"token": TOKEN}, timeout=10)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@pytest.mark.ui
def test_a_refused_key_is_said_in_the_panel(refused_lab, page):
    from playwright.sync_api import expect

    open_lab(page, refused_lab, reset=True).click()
    alert = page.locator(PANEL).get_by_role("alert")
    expect(alert).to_contain_text("refused the API key", timeout=60_000)
    expect(alert).to_contain_text("INDUCTIVA_API_KEY")
    expect(page.locator(PANEL).get_by_role("grid")).to_have_count(0)
    # Nothing to put in a notebook without a browser.
    expect(page.locator(PANEL).get_by_role("button", name="Open in a notebook")).to_be_disabled()
    page.screenshot(path=str(ARTIFACTS / "sidebar-panel-refused-key.png"))


# -- the kernel side, without a browser ----------------------------------------------------


def test_missing_key_is_said_in_words(monkeypatch):
    monkeypatch.delenv("INDUCTIVA_API_KEY", raising=False)
    problem = lab_panel.credentials_problem()
    assert problem and "INDUCTIVA_API_KEY is not set" in problem
    shown = lab_panel.panel_browser("")
    assert "INDUCTIVA_API_KEY is not set" in shown.data and 'role="alert"' in shown.data


def test_wrong_key_and_unreachable_server_are_said_in_words(demo_server):
    with StorageClient(demo_server.url, "not-the-key") as wrong:
        assert "refused the API key" in lab_panel.credentials_problem(wrong)
    with StorageClient("http://127.0.0.1:9", KEY, retries=0, timeout=2) as away:
        assert "Cannot reach the storage" in lab_panel.credentials_problem(away)
    with StorageClient(demo_server.url, KEY) as right:
        assert lab_panel.credentials_problem(right) is None


@pytest.mark.parametrize(("path", "folder"), [
    ("", "./"), ("landing", "./landing"), ("a/b/", "./a/b"), ("./a//b", "./a/b"),
    ("/results", "./results"), ("run: 2", "./run: 2")])
def test_file_browser_paths_become_local_folders(path, folder):
    assert lab_panel.local_folder(path) == folder


@pytest.mark.parametrize("path", ["../up", "a/../../b", "a/..\\..\\b", "/../etc"])
def test_paths_outside_the_root_are_refused(path):
    with pytest.raises(ValueError, match="not a folder"):
        lab_panel.local_folder(path)


class _Comm:
    def __init__(self) -> None:
        self.sent: list[dict] = []

    def send(self, data: dict) -> None:
        self.sent.append(data)


def test_link_follows_the_file_browser_and_writes_code_for_a_notebook(demo_server):
    from inductiva_widgets import StorageBrowser

    with StorageClient(demo_server.url, KEY) as client:
        link = lab_panel.PanelLink(StorageBrowser(client=client))
        page = _Comm()
        link.handle(page, {"request": "code", "relative_to": ""})
        assert page.sent == [{"event": "code",
                              "error": "Select files or folders in the panel first."}]
        link.handle(page, {"request": "folder", "path": "results/run1"})
        assert link.browser.download_folder == "./results/run1"
        link.handle(page, {"request": "folder", "path": "../outside"})
        assert link.browser.download_folder == "./results/run1"
        link.browser.selected = ["t1/output.zip"]
        link.handle(page, {"request": "code", "relative_to": "notebooks"})
        code = page.sent[-1]["code"]
        assert "storage.download('t1/output.zip', '../results/run1', decompress=True)" in code
        link.handle(page, {"request": "nonsense"})
        link.handle(page, ["not", "a", "dict"])
        assert len(page.sent) == 2
