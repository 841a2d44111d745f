"""The StorageBrowser's toolbar and action bar fitted to their width, in real JupyterLab and
Chromium, from a 260 px sidebar to full width: breadcrumbs collapsed in the middle behind
"…" (a menu of the hidden folders), action buttons folded into "More actions", and a quick
double click on an unselected row that lands in its folder (the rows do not move between
the two clicks). Screenshots: test-artifacts/bars-*.png."""

from __future__ import annotations

import io
import time
import zipfile

import pytest

from .conftest import ARTIFACTS, Notebook, region_path, write_notebook
from .test_layout_ui import box, set_width

pytestmark = pytest.mark.ui

ROOT = "bar-fit"
TASK = "60kvj50ce9uvw53efr4xq7zt2"
DEEP = f"{ROOT}/project-aurora-wind-farm/campaign-2026-11-turbulence/{TASK}"
ARCHIVE_FOLDER = f"{DEEP}/output.zip/artifacts/fields"
RUNS = ["run-01", "run-02", "run-03"]
ENTRIES = len(RUNS) + 2  # in ROOT: the runs, notes.txt and the project folder
ACTION_NAMES = ["Download selected", "Save to my computer", "Upload", "Upload from URL",
                "Export selected to S3", "Export operations", "Delete selected",
                "Copy selected to a folder", "Copy path"]


@pytest.fixture(scope="module")
def bar_folder(demo_server):
    """A deep task folder holding an archive, and a folder of runs beside a file."""
    root = region_path(demo_server, ROOT)
    deep = region_path(demo_server, DEEP)
    deep.mkdir(parents=True, exist_ok=True)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("artifacts/fields/pressure.csv", "x,p\n0,1\n")
        zf.writestr("artifacts/fields/velocity.csv", "x,u\n0,2\n")
    (deep / "output.zip").write_bytes(buffer.getvalue())
    for run in RUNS:
        (root / run).mkdir(exist_ok=True)
        (root / run / "stdout.txt").write_text(f"{run} ok\n")
    (root / "notes.txt").write_text("three runs\n")
    return root


def grid(page):
    return page.get_by_role("grid", name="Folder contents").first


def widget(page):
    return page.locator(".iw-browser").first


def shot(page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    widget(page).screenshot(path=str(ARTIFACTS / name))


def open_browser(lab, page, path: str, notebook: str, viewport: int = 1800) -> Notebook:
    base, folder = lab
    page.set_viewport_size({"width": viewport, "height": 1000})
    name = write_notebook(folder, notebook, [
        f"from inductiva_widgets import StorageBrowser\nStorageBrowser('{path}', height=520)"])
    nb = Notebook(page, base, name)
    nb.run_all()
    nb.expect(grid(page).locator("[role=row][data-path]").first).to_be_visible(timeout=60_000)
    return nb


def rows_of(page, folder: str):
    return grid(page).locator(f"[role=row][data-path^='{folder}/']")


def shown_crumbs(page) -> list[str]:
    return widget(page).locator(".iw-crumbs .iw-crumb:not(.iw-crumb-more)").evaluate_all(
        "els => els.filter(e => e.getBoundingClientRect().width > 0).map(e => e.textContent)")


def check_crumbs(page) -> None:
    """The root and the current folder are shown whole enough, inside the crumbs' box."""
    crumbs = box(widget(page).locator(".iw-crumbs"))
    root = box(widget(page).get_by_role("button", name="Go to Storage", exact=True))
    current = box(widget(page).locator(".iw-crumb[aria-current]"))
    assert root["left"] >= crumbs["left"] - 1 and root["width"] > 20, (root, crumbs)
    assert current["right"] <= crumbs["right"] + 1 and current["width"] > 30, (current, crumbs)


def toolbar_one_line(page) -> bool:
    """The toolbar's two groups side by side: each overlaps the other vertically."""
    return widget(page).locator(".iw-toolbar > div").evaluate_all(
        "els => { const b = els.map(e => e.getBoundingClientRect()).filter(r => r.height > 0);"
        " return Math.max(...b.map(r => r.top)) < Math.min(...b.map(r => r.bottom)); }")


def test_breadcrumbs_collapse_in_the_middle(lab, page, bar_folder):
    nb = open_browser(lab, page, DEEP, "bars_crumbs.ipynb")
    expect = nb.expect
    set_width(page, 960)
    grid(page).locator(f"[data-path='{DEEP}/output.zip']").dblclick()
    grid(page).locator(f"[data-path='{DEEP}/output.zip/artifacts']").dblclick()
    grid(page).locator(f"[data-path='{DEEP}/output.zip/artifacts/fields']").dblclick()
    expect(rows_of(page, ARCHIVE_FOLDER)).to_have_count(2)
    expect(page.get_by_label("Search scope")).to_be_visible()

    # 960 px deep in an archive: "Storage / … / artifacts / fields", on one line.
    more = page.get_by_role("button", name="Show hidden folders")
    expect(more).to_be_visible()
    expect(more).to_have_attribute("aria-haspopup", "menu")
    expect(more).to_have_attribute("aria-expanded", "false")
    shown = shown_crumbs(page)
    assert shown[0] == "Storage" and shown[-2:] == ["artifacts", "fields"], shown
    assert "project-aurora-wind-farm" not in shown, shown
    check_crumbs(page)
    assert toolbar_one_line(page)
    archives = box(widget(page).locator(".iw-search-archives"))
    assert archives["right"] <= box(widget(page).locator(".iw-toolbar"))["right"] - 4, archives
    shot(page, "bars-light-960-archive.png")

    # By keyboard: Enter opens the menu on its first item, arrows move, Escape closes and
    # the focus goes back to "…".
    more.focus()
    page.keyboard.press("Enter")
    menu = page.get_by_role("menu", name="Hidden folders")
    expect(menu).to_be_visible()
    expect(more).to_have_attribute("aria-expanded", "true")
    items = menu.get_by_role("menuitem")
    hidden = items.all_inner_texts()
    assert hidden[0] == ROOT and "project-aurora-wind-farm" in hidden, hidden
    assert not set(hidden) & set(shown), (hidden, shown)
    expect(items.first).to_be_focused()
    page.keyboard.press("ArrowDown")
    expect(items.nth(1)).to_be_focused()
    page.keyboard.press("ArrowUp")
    page.keyboard.press("ArrowUp")  # wraps to the last
    expect(items.last).to_be_focused()
    page.keyboard.press("Escape")
    expect(menu).to_be_hidden()
    expect(more).to_be_focused()
    expect(more).to_have_attribute("aria-expanded", "false")
    shot(page, "bars-light-960-archive-menu-closed.png")

    # A click outside closes it too; a choice navigates there.
    more.click()
    expect(menu).to_be_visible()
    shot(page, "bars-light-960-archive-menu.png")
    grid(page).locator(".iw-grid-head").click()
    expect(menu).to_be_hidden()
    more.click()
    menu.get_by_role("menuitem", name="Go to campaign-2026-11-turbulence").click()
    expect(grid(page).locator(f"[data-path='{DEEP}']")).to_be_visible()
    expect(widget(page).locator(".iw-crumb[aria-current]")).to_have_text(
        "campaign-2026-11-turbulence")
    check_crumbs(page)

    # Measured again on a resize: wide, every crumb shows; a sidebar's width, the middle
    # folds again and the root and the current folder still show.
    grid(page).locator(f"[data-path='{DEEP}']").dblclick()
    grid(page).locator(f"[data-path='{DEEP}/output.zip']").dblclick()
    expect(grid(page).locator(f"[data-path='{DEEP}/output.zip/artifacts']")).to_be_visible()
    set_width(page, 1700)
    expect(more).to_be_hidden()
    assert shown_crumbs(page) == ["Storage", ROOT, "project-aurora-wind-farm",
                                  "campaign-2026-11-turbulence", TASK, "output.zip"]
    for width in (1200, 500, 260):
        set_width(page, width)
        expect(more).to_be_visible()
        check_crumbs(page)
        shot(page, f"bars-light-{width}-crumbs.png")
    assert shown_crumbs(page)[0] == "Storage"
    nb.set_theme("JupyterLab Dark")
    try:
        set_width(page, 960)
        grid(page).locator(f"[data-path='{DEEP}/output.zip/artifacts']").dblclick()
        expect(rows_of(page, f"{DEEP}/output.zip/artifacts")).to_have_count(1)
        check_crumbs(page)
        shot(page, "bars-dark-960-archive.png")
        more.click()
        expect(menu).to_be_visible()
        shot(page, "bars-dark-960-archive-menu.png")
        page.keyboard.press("Escape")
    finally:
        nb.set_theme("JupyterLab Light")


def action_buttons_shown(page) -> list[str]:
    return widget(page).locator(".iw-action-buttons [data-action]").evaluate_all(
        "els => els.filter(e => e.getBoundingClientRect().width > 0)"
        ".map(e => e.getAttribute('aria-label'))")


def test_actions_fold_into_more_actions(lab, page, bar_folder):
    nb = open_browser(lab, page, ROOT, "bars_actions.ipynb")
    expect = nb.expect
    more = page.get_by_role("button", name="More actions")
    bar = widget(page).locator(".iw-actions")
    group = widget(page).locator(".iw-action-buttons")

    # Wide: every button, no "More actions".
    set_width(page, 1200)
    expect(more).to_be_hidden()
    assert action_buttons_shown(page) == ACTION_NAMES
    shot(page, "bars-light-1200.png")

    # A sidebar's width: the first buttons, then "More actions" with the rest; nothing
    # scrolls sideways and nothing is cut at the right.
    grid(page).locator(f"[data-path='{ROOT}/notes.txt']").click()
    heights = {}
    for width in (260, 300, 500, 700):
        set_width(page, width)
        expect(more).to_be_visible()
        shown = action_buttons_shown(page)
        assert shown[0] == "Download selected" and len(shown) < len(ACTION_NAMES), shown
        scroll = group.evaluate("g => g.scrollWidth - g.clientWidth")
        assert scroll <= 1, f"{width} px: the buttons overflow by {scroll} px"
        assert box(more)["right"] <= box(bar)["right"] + 1
        heights[width] = box(bar)["height"]
        shot(page, f"bars-light-{width}.png")
    assert heights[260] < 80, heights

    # The menu: the folded actions, by the same names, by keyboard.
    set_width(page, 260)
    shown = action_buttons_shown(page)
    more.focus()
    page.keyboard.press("ArrowDown")
    menu = page.get_by_role("menu", name="More actions")
    expect(menu).to_be_visible()
    expect(more).to_have_attribute("aria-expanded", "true")
    folded = [item.get_attribute("aria-label") for item in menu.get_by_role("menuitem").all()]
    assert shown + folded == ACTION_NAMES, (shown, folded)
    expect(menu.get_by_role("menuitem").first).to_be_focused()
    box_menu, box_widget = box(menu), box(widget(page))
    assert box_menu["right"] <= box_widget["right"] + 1, (box_menu, box_widget)
    shot(page, "bars-light-260-menu.png")
    page.keyboard.press("End")
    expect(menu.get_by_role("menuitem").last).to_be_focused()
    page.keyboard.press("Escape")
    expect(menu).to_be_hidden()
    expect(more).to_be_focused()

    # A folded action does what its button does; its dialog gives the focus back.
    page.keyboard.press("Enter")
    menu.get_by_role("menuitem", name="Copy selected to a folder").click()
    dialog = page.get_by_role("dialog")
    expect(dialog).to_be_visible()
    expect(dialog.get_by_label("Target folder")).to_be_focused()
    page.keyboard.press("Escape")
    expect(dialog).to_have_count(0)
    expect(more).to_be_focused()
    # A disabled action stays disabled in the menu (nothing selected: no copy).
    grid(page).locator(f"[data-path='{ROOT}/notes.txt']").click(modifiers=["Control"])
    more.click()
    expect(menu.get_by_role("menuitem", name="Delete selected")).to_have_attribute(
        "aria-disabled", "true")
    menu.get_by_role("menuitem", name="Delete selected").click(force=True)
    expect(page.get_by_role("dialog")).to_have_count(0)
    expect(menu).to_be_visible()
    page.keyboard.press("Escape")

    nb.set_theme("JupyterLab Dark")
    try:
        for width in (260, 500, 1200):
            set_width(page, width)
            shot(page, f"bars-dark-{width}.png")
    finally:
        nb.set_theme("JupyterLab Light")


def settled_box(locator, timeout: float = 5.0) -> dict:
    """The element's box once it is laid out and has stopped moving (after going up, the
    rows are drawn as the listing arrives: a box taken mid-way may be empty)."""
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        now = box(locator)
        if now["width"] > 0 and now == last:
            return now
        last = now
        time.sleep(0.05)
    raise AssertionError(f"the element never settled: {last}")


def test_a_quick_double_click_on_an_unselected_row_opens_it(lab, page, bar_folder):
    nb = open_browser(lab, page, ROOT, "bars_dblclick.ipynb")
    expect = nb.expect
    bar = widget(page).locator(".iw-actions")
    for width in (260, 500, 700, 960, 1200):
        set_width(page, width)
        expect(rows_of(page, ROOT)).to_have_count(ENTRIES)
        # A file selected first (its preview shows), then a run double-clicked at once: the
        # first click selects the run (the preview goes, the count changes), and the second
        # must land on the same row.
        grid(page).locator(f"[data-path='{ROOT}/notes.txt']").click()
        expect(page.get_by_role("complementary", name="File preview pane")).to_be_visible()
        before = box(bar)["height"], box(grid(page).locator(f"[data-path='{ROOT}/run-02']"))["top"]
        for run in ("run-02", "run-03"):
            row = grid(page).locator(f"[data-path='{ROOT}/{run}']")
            expect(row).to_have_attribute("aria-selected", "false")
            target = settled_box(row.locator(".iw-col-name"))
            page.mouse.dblclick(target["left"] + min(40, target["width"] / 2),
                                target["top"] + target["height"] / 2)
            expect(widget(page).locator(".iw-crumb[aria-current]")).to_have_text(run)
            expect(rows_of(page, f"{ROOT}/{run}")).to_have_count(1)
            page.get_by_role("button", name="Up one folder").click()
            expect(rows_of(page, ROOT)).to_have_count(ENTRIES)

        # The action bar keeps its height whatever is selected, so the rows never move.
        grid(page).locator(f"[data-path='{ROOT}/run-01']").click()
        grid(page).locator(f"[data-path='{ROOT}/run-03']").click(modifiers=["Shift"])
        # Measured once the view shows the new selection (not while it is still drawing it).
        expect(grid(page).locator("[role=row][aria-selected=true]")).to_have_count(3)
        expect(widget(page).get_by_text("3 selected")).to_be_visible()
        after = box(bar)["height"], box(grid(page).locator(f"[data-path='{ROOT}/run-02']"))["top"]
        assert abs(after[0] - before[0]) < 0.5 and abs(after[1] - before[1]) < 0.5, \
            (width, before, after)
        grid(page).locator(f"[data-path='{ROOT}/run-01']").click(modifiers=["Control"])
