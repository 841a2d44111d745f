"""The StorageBrowser in JupyterLab 4 (the UI suite's session-wide server), light and dark."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from ..conftest import Notebook, write_notebook
from .browse import browse_and_check, shoot, widget
from .conftest import CELL, FOLDER
from .layout import assert_looks_right, measure

pytestmark = pytest.mark.ui


def test_jupyterlab(lab, page, host_storage):
    base, folder = lab
    name = write_notebook(folder, "hosts.ipynb", [CELL + "\nbrowser", "print(browser.path)"])
    nb = Notebook(page, base, name)
    nb.run_all()
    browse_and_check(page, "jupyterlab")
    # The kernel saw the navigation.
    nb.run_cell(1)
    expect(nb.cell(1).locator(".jp-OutputArea-output")).to_contain_text(f"{FOLDER}/beta-run")
    nb.set_theme("JupyterLab Dark")
    try:
        assert_looks_right(measure(widget(page)), "jupyterlab", dark=True)
        shoot(page, "jupyterlab-dark.png")
    finally:
        nb.set_theme("JupyterLab Light")  # the server is shared with the other UI tests
