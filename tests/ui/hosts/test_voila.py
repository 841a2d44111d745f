"""The StorageBrowser in Voilà (a notebook rendered as an app), light and dark."""

from __future__ import annotations

import pytest

from .browse import browse_and_check, expect_listing, shoot, widget
from .conftest import FOLDER, SUBFOLDERS
from .layout import assert_looks_right, measure

pytestmark = pytest.mark.ui


def test_voila(voila, page):
    page.goto(voila.url)
    browse_and_check(page, "voila")
    page.goto(f"{voila.url}?theme=dark")  # a new page, a new kernel, JupyterLab's dark theme
    expect_listing(page, FOLDER, sorted(SUBFOLDERS))
    assert_looks_right(measure(widget(page)), "voila", dark=True)
    shoot(page, "voila-dark.png")
