"""The README's screenshot, made anew by each run from fresh demo storage (docs/)."""

from __future__ import annotations

import shutil
from datetime import datetime, timezone
from pathlib import Path

import pytest

from inductiva_widgets.demo import seed_demo
from inductiva_widgets.demo.sweep import plan_sweep
from inductiva_widgets.server.config import ServerConfig, user_id_for
from inductiva_widgets.server.runner import start_in_thread

from .conftest import ARTIFACTS, KEY, Notebook, write_notebook

pytestmark = pytest.mark.ui

DOCS = Path(__file__).resolve().parents[2] / "docs"


@pytest.fixture(scope="module")
def fresh_demo(tmp_path_factory):
    """Demo storage nobody else's test has touched: what a new user sees."""
    root = tmp_path_factory.mktemp("readme-storage")
    seed_demo(root / "users" / user_id_for(KEY) / "europe-west1", large_result_mb=1)
    running = start_in_thread(ServerConfig(root=root, api_keys=[KEY]))
    yield running
    running.stop()


def test_readme_screenshot_of_a_sweep_task_result(lab, page, fresh_demo):
    base, folder = lab
    task = plan_sweep(7, datetime.now(timezone.utc))[2].task_id  # ids depend on the seed only
    name = write_notebook(folder, "readme.ipynb", [
        "from inductiva_widgets import StorageBrowser\n"
        "from inductiva_widgets.storage import StorageClient\n"
        f"client = StorageClient({fresh_demo.url!r}, {KEY!r})\n"
        f"b = StorageBrowser('{task}/output.zip/artifacts/results', client=client, "
        "height=520)\nb"])
    page.set_viewport_size({"width": 1500, "height": 900})
    nb = Notebook(page, base, name)
    nb.run_all()
    widget = page.locator(".iw-browser").first
    member = widget.locator(f"[data-path='{task}/output.zip/artifacts/results/gauges.csv']")
    nb.expect(member).to_be_visible(timeout=60_000)
    member.click()
    nb.expect(widget.locator(".iw-preview-fetched")).to_contain_text("fetched",
                                                                     timeout=30_000)
    page.mouse.move(0, 0)  # no hover highlight in the picture
    shot = ARTIFACTS / "readme-storage-browser.png"
    ARTIFACTS.mkdir(exist_ok=True)
    widget.screenshot(path=str(shot))
    shutil.copyfile(shot, DOCS / "storage-browser.png")
