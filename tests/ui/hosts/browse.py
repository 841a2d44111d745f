"""What every host test does to the widgets, whatever the host.

The StorageBrowser renders against the bundled server, opens a folder from the tree and
one from the table (the rows come from the kernel, so a listing proves the round trip),
and looks right (layout.py). Screenshots go to test-artifacts/hosts/.
"""

from __future__ import annotations

from pathlib import Path

from playwright.sync_api import expect

from ..conftest import ARTIFACTS
from .conftest import FOLDER, SUBFOLDERS
from .layout import assert_looks_right, assert_zip_looks_right, measure

SHOTS = ARTIFACTS / "hosts"
WAIT = 60_000  # a host's first page: server, kernel, widget manager, first listing


def shoot(page, name: str) -> Path:
    SHOTS.mkdir(parents=True, exist_ok=True)
    path = SHOTS / name
    page.screenshot(path=str(path))
    return path


def widget(page):
    return page.locator(".iw-browser").first


def grid(page):
    return page.get_by_role("grid", name="Folder contents").first


def expect_listing(page, folder: str, names: list[str]) -> None:
    """The table lists exactly `names`, the entries of `folder`."""
    rows = grid(page).locator("[role=row][data-path]")
    expect(rows).to_have_count(len(names), timeout=WAIT)
    for name in names:
        expect(grid(page).locator(f"[role=row][data-path='{folder}/{name}']")).to_be_visible()


def browse_and_check(page, host: str) -> None:
    """Renders, looks right, opens a folder from the tree and one from the table."""
    expect_listing(page, FOLDER, sorted(SUBFOLDERS))
    assert_looks_right(measure(widget(page)), host)
    shoot(page, f"{host}-light.png")

    # The tree: expand the folder, click a subfolder; the table lists its files.
    tree = page.get_by_role("tree", name="Folders").first
    parent = tree.get_by_role("treeitem", name=FOLDER, exact=True)
    if parent.get_attribute("aria-expanded") != "true":
        parent.locator("[data-toggle]").first.click()
    alpha = tree.get_by_role("treeitem", name="alpha-run", exact=True)
    alpha.locator(".iw-tree-label").click()
    expect_listing(page, f"{FOLDER}/alpha-run", SUBFOLDERS["alpha-run"])
    expect(alpha).to_have_attribute("aria-selected", "true")
    expect(page.get_by_role("button", name="Go to alpha-run")).to_be_visible()
    assert_looks_right(measure(widget(page)), host)  # three tree levels now

    # The table: up one folder, double-click a row.
    page.get_by_role("button", name="Up one folder").click()
    expect_listing(page, FOLDER, sorted(SUBFOLDERS))
    grid(page).locator(f"[role=row][data-path='{FOLDER}/beta-run']").dblclick()
    expect_listing(page, f"{FOLDER}/beta-run", SUBFOLDERS["beta-run"])
    shoot(page, f"{host}-opened.png")


def check_zip_explorer(page, host: str) -> None:
    """The ZipExplorer: two folders open, a member previewed, every name readable."""
    explorer = page.locator(".iw-zx").first
    tree = explorer.get_by_role("tree", name="Archive members")
    for folder in ("artifacts", "fields"):
        item = tree.get_by_role("treeitem", name=folder, exact=True)
        expect(item).to_be_visible(timeout=WAIT)
        if item.get_attribute("aria-expanded") != "true":
            item.locator(".iw-zx-row").first.click()
        expect(item).to_have_attribute("aria-expanded", "true")
    member = tree.get_by_role("treeitem", name="pressure_field_0001.csv", exact=True)
    member.locator(".iw-zx-row").click()
    expect(explorer.locator(".iw-preview-fetched")).to_contain_text("fetched", timeout=WAIT)
    assert_zip_looks_right(explorer, host)
    SHOTS.mkdir(parents=True, exist_ok=True)
    explorer.screenshot(path=str(SHOTS / f"{host}-zip-explorer.png"))
