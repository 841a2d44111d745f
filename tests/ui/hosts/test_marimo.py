"""The StorageBrowser and the ZipExplorer in marimo: a shadow root, a ~700 px column, dark too."""

from __future__ import annotations

import pytest

from .browse import browse_and_check, check_zip_explorer, expect_listing, shoot, widget
from .conftest import FOLDER, SUBFOLDERS
from .layout import assert_looks_right, measure

pytestmark = pytest.mark.ui


def test_marimo(marimo, page, browser):
    page.goto(marimo.url)
    browse_and_check(page, "marimo")
    # The narrow case this host is here for: marimo's centre column, not the page's width.
    assert measure(widget(page))["widget"]["width"] < 800
    check_zip_explorer(page, "marimo")
    # marimo follows the browser's colour scheme (theme "system" in the fixture's config).
    context = browser.new_context(viewport={"width": 1400, "height": 1000}, color_scheme="dark")
    try:
        dark = context.new_page()
        dark.goto(marimo.url)
        expect_listing(dark, FOLDER, sorted(SUBFOLDERS))
        assert_looks_right(measure(widget(dark)), "marimo", dark=True)
        shoot(dark, "marimo-dark.png")
    finally:
        context.close()
