"""The StorageBrowser in Jupyter Notebook 7, light and dark."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from .browse import WAIT, browse_and_check, shoot, widget
from .conftest import FOLDER
from .layout import assert_looks_right, measure

pytestmark = pytest.mark.ui

# The toolbar's indicator says idle before the kernel's session exists: ask the kernel.
KERNEL_IDLE = """() => {
  const kernel = window.jupyterapp?.shell?.currentWidget?.sessionContext?.session?.kernel;
  return !!kernel && kernel.connectionStatus === "connected" && kernel.status === "idle";
}"""
CHANGE_THEME = "t => window.jupyterapp.commands.execute('apputils:change-theme', {theme: t})"


def test_notebook7(notebook7, page):
    page.goto(notebook7.url)
    page.wait_for_function(KERNEL_IDLE, timeout=WAIT)
    page.evaluate("() => window.jupyterapp.commands.execute('notebook:run-all-cells')")
    browse_and_check(page, "notebook7")
    # The kernel saw the navigation.
    cells = page.locator(".jp-Notebook .jp-Cell")
    cells.nth(1).locator(".jp-InputArea-editor").click()
    page.keyboard.press("Control+Enter")
    expect(cells.nth(1).locator(".jp-OutputArea-output")).to_contain_text(
        f"{FOLDER}/beta-run", timeout=WAIT)
    page.evaluate(CHANGE_THEME, "JupyterLab Dark")
    page.wait_for_function("() => document.body.dataset.jpThemeName === 'JupyterLab Dark'",
                           timeout=20_000)
    page.wait_for_timeout(300)  # the theme's stylesheet applies after the attribute changes
    assert_looks_right(measure(widget(page)), "notebook7", dark=True)
    shoot(page, "notebook7-dark.png")
