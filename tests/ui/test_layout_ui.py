"""StorageBrowser layout in real JupyterLab and Chromium: long names, costs, headers,
column resizing, the toolbar from 500 px to full width, the tree following the table, and
narrow containers (a JupyterLab side panel). Screenshots: test-artifacts/layout-*.png."""

from __future__ import annotations

import re

import pytest

from .conftest import ARTIFACTS, Notebook, go_to_crumb, write_notebook
from .test_keyboard_a11y import FOLDER, LONG_NAME, TASK_ID, seed_folder

pytestmark = pytest.mark.ui

COST = re.compile(r"^(\$\d[\d,]*\.\d\d|< \$0\.01|—)$")


@pytest.fixture(scope="module")
def layout_folder(demo_server):
    return seed_folder(demo_server)


def grid(page):
    return page.get_by_role("grid", name="Folder contents").first


def box(locator) -> dict:
    return locator.evaluate("el => { const r = el.getBoundingClientRect(); "
                            "return {top: r.top, bottom: r.bottom, left: r.left, right: r.right, "
                            "width: r.width, height: r.height}; }")


def set_width(page, px: int) -> None:
    """Make the widget `px` wide (its output area's box), and let the layout settle."""
    page.locator(".iw-browser").first.evaluate(
        "(el, w) => { el.parentElement.style.width = w + 'px'; }", px)
    page.wait_for_timeout(250)


def shot(page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.locator(".iw-browser").first.screenshot(path=str(ARTIFACTS / name))


def check_toolbar(page, max_height: int = 80) -> None:
    """Refresh never stands alone on a line; the current folder's crumb is not cut away."""
    widget = page.locator(".iw-browser").first
    refresh = box(widget.get_by_role("button", name="Refresh", exact=True))
    tops = widget.locator(".iw-toolbar > * > *").evaluate_all(
        "els => els.map(e => e.getBoundingClientRect().top)")
    assert sum(abs(t - refresh["top"]) < 1 for t in tops) >= 2, (refresh, tops)
    toolbar = box(page.locator(".iw-toolbar").first)
    assert toolbar["height"] < max_height, f"the toolbar takes {toolbar['height']} px"
    current = box(page.locator(".iw-crumb[aria-current]").first)
    crumbs = box(page.locator(".iw-crumbs").first)
    assert current["right"] <= crumbs["right"] + 1 and current["width"] > 30, (current, crumbs)


def check_cells(page) -> None:
    """Sizes, dates and costs are never cut (names may be, in the middle)."""
    cut = grid(page).locator(".iw-row .iw-cell:not(.iw-col-name)").evaluate_all(
        "els => els.filter(e => e.scrollWidth > e.clientWidth + 1).map(e => e.textContent)")
    assert not cut, f"cut cells: {cut}"


def check_headers(page) -> None:
    """Sortable and plain headers: their labels sit on one line."""
    tops = page.locator(".iw-grid-head .iw-head-label").evaluate_all(
        "els => els.map(e => e.getBoundingClientRect().top)")
    assert max(tops) - min(tops) < 0.5, tops
    # No header label is cut.
    cut = page.locator(".iw-grid-head .iw-head-label").evaluate_all(
        "els => els.filter(e => e.scrollWidth > e.clientWidth + 1).map(e => e.textContent)")
    assert not cut, f"cut headers: {cut}"


def test_names_costs_headers_resizing_and_widths(lab, page, layout_folder):
    base, folder = lab
    page.set_viewport_size({"width": 1800, "height": 1000})  # room for a 1,200 px widget
    name = write_notebook(folder, "layout.ipynb", [
        f"from inductiva_widgets import StorageBrowser\nStorageBrowser('{FOLDER}', height=520)"])
    nb = Notebook(page, base, name)
    nb.run_all()
    expect = nb.expect
    rows = grid(page).locator(".iw-grid-body [role=row][data-path]")
    expect(rows).to_have_count(4, timeout=60_000)
    set_width(page, 1200)

    # A 40-character name: read whole (accessible name) and shown whole on hover (title).
    cell = grid(page).get_by_role("gridcell", name=LONG_NAME, exact=True)
    expect(cell).to_be_visible()
    expect(cell).to_have_attribute("title", f"{FOLDER}/{LONG_NAME}")
    tree = page.get_by_role("tree", name="Folders")
    expect(tree.get_by_role("treeitem", name=FOLDER, exact=True)).to_have_attribute(
        "aria-selected", "true")

    # One cost format, and "—" for an empty file.
    costs = grid(page).locator(".iw-row .iw-col-cost").all_inner_texts()
    assert costs and all(COST.match(c) for c in costs), costs
    empty_row = grid(page).locator(f"[role=row][data-path='{FOLDER}/empty.dat']")
    expect(empty_row.locator(".iw-col-cost")).to_have_text("—")
    check_headers(page)
    check_cells(page)
    check_toolbar(page)
    shot(page, "layout-light-1200.png")

    # The Name column by keyboard: Home makes it narrowest, and the ID is cut in the middle.
    handle = page.get_by_role("separator", name="Resize column Name")
    handle.focus()
    page.keyboard.press("Home")
    expect(handle).to_have_attribute("aria-valuenow", "120")
    task_cell = grid(page).get_by_role("gridcell", name=TASK_ID, exact=True)
    expect(task_cell).to_have_attribute("title", f"{FOLDER}/{TASK_ID}")
    cut = task_cell.locator(".iw-mid-head").evaluate("e => e.scrollWidth > e.clientWidth")
    tail = task_cell.locator(".iw-mid-tail")
    assert cut, "the ID's head should give way in a narrow column"
    assert TASK_ID.endswith(tail.inner_text()) and len(tail.inner_text()) >= 8
    assert box(tail)["right"] <= box(task_cell)["right"], "the ID's tail must stay whole"
    for _ in range(6):
        page.keyboard.press("ArrowRight")
    expect(handle).to_have_attribute("aria-valuenow", str(120 + 6 * 16))

    # The Size column by mouse: drag its edge 40 px to the right.
    size_head = grid(page).get_by_role("columnheader").filter(has_text="Size")
    before = box(size_head)["width"]
    edge = box(page.get_by_role("separator", name="Resize column Size"))
    x, y = edge["left"] + edge["width"] / 2, edge["top"] + edge["height"] / 2
    page.mouse.move(x, y)
    page.mouse.down()
    page.mouse.move(x + 20, y)
    page.mouse.move(x + 40, y)
    page.mouse.up()
    assert abs(box(size_head)["width"] - (before + 40)) <= 2
    check_headers(page)

    # Into the task-like folder: the breadcrumb is deep; the tree follows the table.
    grid(page).locator(f"[data-path='{FOLDER}/{TASK_ID}']").dblclick()
    expect(page.get_by_role("button", name=f"Go to {TASK_ID}")).to_be_visible()
    task_item = tree.locator(f"[role=treeitem][data-path='{FOLDER}/{TASK_ID}']")
    expect(task_item).to_have_attribute("aria-selected", "true")
    expect(task_item).to_have_attribute("aria-label", TASK_ID)
    check_toolbar(page)

    # 500 px: the toolbar is two lines at most, the tree sits above the table.
    set_width(page, 500)
    check_toolbar(page)
    pane, table = box(page.locator(".iw-tree-pane").first), box(grid(page))
    assert pane["bottom"] <= table["top"] + 1, (pane, table)
    assert table["height"] >= 200, table
    shot(page, "layout-light-500.png")
    go_to_crumb(page, FOLDER)
    expect(rows).to_have_count(4)
    check_headers(page)
    shown = grid(page).get_by_role("columnheader").all_inner_texts()
    assert "Provider" not in shown and any("Name" in s for s in shown), shown

    nb.set_theme("JupyterLab Dark")
    set_width(page, 500)
    shot(page, "layout-dark-500.png")
    set_width(page, 1200)
    check_headers(page)
    shot(page, "layout-dark-1200.png")
    nb.set_theme("JupyterLab Light")


def test_usable_in_a_narrow_side_panel(lab, page, layout_folder):
    base, folder = lab
    name = write_notebook(folder, "layout_sidebar.ipynb", [
        "from inductiva_widgets import StorageBrowser\n"
        f"b = StorageBrowser('{FOLDER}', height=400)\nb.show_in_sidebar()"])
    nb = Notebook(page, base, name)
    nb.run_all()
    panel = page.locator("#jp-right-stack .jupyterlab-sidecar")
    rows = panel.locator(".iw-grid-body [role=row][data-path]")
    nb.expect(rows).to_have_count(4, timeout=60_000)
    browser = panel.locator(".iw-browser").first
    width = box(browser)["width"]
    assert width < 620, f"the side panel is {width} px wide"
    table = box(panel.get_by_role("grid", name="Folder contents"))
    pane = box(panel.locator(".iw-tree-pane").first)
    outer = box(browser)
    assert pane["bottom"] <= table["top"] + 1, "the tree stacks above the table"
    assert table["height"] >= 200, f"the table is squeezed to {table['height']} px"
    assert table["right"] <= outer["right"] + 1 and table["bottom"] <= outer["bottom"] + 1
    check_toolbar(page, max_height=120)
    headers = panel.get_by_role("columnheader").all_inner_texts()
    assert not {"Provider", "Region"} & set(headers), headers
    # Every row is whole: nothing is cut at the right edge of the panel.
    for cell in panel.locator(".iw-grid-head [role=columnheader]").all():
        assert box(cell)["right"] <= outer["right"] + 1
    # The action bar does not scroll sideways: what does not fit is in "More actions".
    buttons = panel.locator(".iw-action-buttons")
    assert buttons.evaluate("g => g.scrollWidth - g.clientWidth") <= 1
    more = panel.get_by_role("button", name="More actions")
    if more.is_visible():
        assert box(more)["right"] <= outer["right"] + 1
    # The root's crumb and the current folder's are both in sight.
    crumbs = box(panel.locator(".iw-crumbs"))
    assert box(panel.get_by_role("button", name="Go to Storage"))["left"] >= crumbs["left"] - 1
    ARTIFACTS.mkdir(exist_ok=True)
    page.locator("#jp-right-stack").screenshot(path=str(ARTIFACTS / "layout-sidebar.png"))
