"""The StorageBrowser by keyboard alone, and axe-core over it, in real JupyterLab and Chromium.

axe-core is a test-only asset: `js/node_modules/axe-core/axe.min.js` (a devDependency of
js/package.json) is injected into the page; it is never bundled into the widget.
"""

from __future__ import annotations

import io
import time
import zipfile
from pathlib import Path

import pytest

from .conftest import ARTIFACTS, Notebook, go_to_crumb, region_path, write_notebook

pytestmark = pytest.mark.ui

AXE = Path(__file__).resolve().parents[2] / "js" / "node_modules" / "axe-core" / "axe.min.js"
FOLDER = "kbd-a11y"
LONG_NAME = "a_forty_character_long_simulation_name.csv"  # 42 characters with ".csv"
TASK_ID = "60kvj50ce9uvw53efr4xq7zt2"


def seed_folder(server) -> Path:
    """A small folder of our own: a long name, a task-like ID, an empty file, an archive."""
    root = region_path(server, FOLDER)
    if root.exists():
        return root
    (root / TASK_ID).mkdir(parents=True)
    (root / TASK_ID / "input.json").write_text('{"steps": 3}\n')
    (root / LONG_NAME).write_text("t,value\n0,1.5\n1,2.5\n")
    (root / "empty.dat").write_bytes(b"")
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("artifacts/", "")
        zf.writestr("artifacts/stdout.txt", "".join(f"step {i} ok\n" for i in range(200)))
        zf.writestr("artifacts/table.csv", "a,b\n1,2\n3,4\n")
    (root / "results.zip").write_bytes(buffer.getvalue())
    return root


def grid(page):
    return page.get_by_role("grid", name="Folder contents").first


def focused(page) -> dict:
    """What has the keyboard focus: tag, role, name-ish, path, and whether in the widget."""
    return page.evaluate("""() => {
        const a = document.activeElement;
        return {tag: a?.tagName, role: a?.getAttribute('role'),
                label: a?.getAttribute('aria-label'),
                path: a?.dataset?.path ?? null, index: a?.dataset?.index ?? null,
                inWidget: !!a?.closest('.iw-browser'), inDialog: !!a?.closest('[role=dialog]'),
                inGrid: !!a?.closest('[role=grid]')};
    }""")


def press_until(page, key: str, done, limit: int = 60) -> dict:
    """Press `key` until `done(focused(page))`; fail after `limit` presses."""
    seen = []
    for _ in range(limit):
        page.keyboard.press(key)
        now = focused(page)
        seen.append(now)
        if done(now):
            return now
    raise AssertionError(f"{key} x{limit} never got there; focus went: {seen[-8:]}")


def axe_violations(page, state: str) -> list[str]:
    """axe-core's violations inside the widget, one readable line each."""
    if not page.evaluate("() => !!window.axe"):
        page.add_script_tag(path=str(AXE))
    result = page.evaluate("""async () => {
        const r = await axe.run(document.querySelector('.iw-browser'),
                                {resultTypes: ['violations']});
        return {checked: r.passes.length, violations: r.violations.map(v => ({
            id: v.id, impact: v.impact,
            nodes: v.nodes.map(n => n.target.join(' ') + ': ' + n.failureSummary)}))};
    }""")
    # A run that checked nothing would prove nothing.
    assert result["checked"] > 15, result
    print(f"axe [{state}]: {result['checked']} rules passed, {len(result['violations'])} failed")
    return [f"[{state}] {v['impact']} {v['id']}: {' | '.join(v['nodes'][:3])}"
            for v in result["violations"]]


def shot(page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.locator(".iw-browser").first.screenshot(path=str(ARTIFACTS / name))


@pytest.fixture(scope="module")
def kbd_folder(demo_server):
    return seed_folder(demo_server)


def test_keyboard_walk_to_a_downloaded_file(lab, page, kbd_folder):
    base, folder = lab
    target = folder / "kbd-downloads"
    name = write_notebook(folder, "keyboard.ipynb", [
        "from inductiva_widgets import StorageBrowser\nb = StorageBrowser(height=560)\nb"])
    nb = Notebook(page, base, name)
    nb.run_all()
    expect = nb.expect
    rows = grid(page).locator(".iw-grid-body [role=row][data-path]")
    expect(rows.first).to_be_visible(timeout=60_000)
    # One row is the grid's tab stop before anything was clicked.
    expect(grid(page).locator("[role=row][tabindex='0']")).to_have_count(1)

    # From the widget's first control, Tab reaches the table.
    page.get_by_label("Show folder sizes and costs").focus()
    now = press_until(page, "Tab", lambda f: f["role"] == "row")
    assert now["inGrid"] and now["index"] == "0"

    # Arrows to our folder, Enter opens it: the focus lands on its first row.
    press_until(page, "ArrowDown", lambda f: f["path"] == FOLDER, limit=40)
    page.keyboard.press("Enter")
    expect(page.get_by_role("button", name=f"Go to {FOLDER}")).to_be_visible()
    expect(rows).to_have_count(4)
    page.wait_for_function("() => document.activeElement?.dataset?.index === '0'")
    assert focused(page)["inGrid"]
    expect(grid(page).locator("[role=row][tabindex='0']")).to_have_count(1)

    # Backspace goes up and the focus stays in the table; Enter comes back.
    page.keyboard.press("Backspace")
    expect(page.get_by_role("button", name=f"Go to {FOLDER}")).to_have_count(0)
    page.wait_for_function("() => document.activeElement?.closest('[role=grid]') && "
                           "document.activeElement.getAttribute('role') === 'row'")
    press_until(page, "ArrowDown", lambda f: f["path"] == FOLDER, limit=40)
    page.keyboard.press("Enter")
    expect(page.get_by_role("button", name=f"Go to {FOLDER}")).to_be_visible()
    page.wait_for_function("() => document.activeElement?.dataset?.index === '0'")

    # Letters typed in the table are the table's: JupyterLab's command-mode shortcuts
    # ("D D" deletes a cell, "A" adds one) must not act on the notebook meanwhile.
    page.keyboard.press("d")
    page.keyboard.press("d")
    page.keyboard.press("a")
    expect(page.locator(".jp-NotebookPanel").first.locator(".jp-Cell")).to_have_count(1)
    assert focused(page)["inGrid"], focused(page)

    # Arrows to the file (selection follows), then back to the Download button.
    wanted = f"{FOLDER}/{LONG_NAME}"
    press_until(page, "ArrowDown", lambda f: f["path"] == wanted, limit=10)
    expect(grid(page).locator("[aria-selected=true]")).to_have_attribute("data-path", wanted)
    press_until(page, "Shift+Tab", lambda f: f["label"] == "Download selected")

    # The dialog is modal: the focus starts inside, Tab wraps, Escape closes from an input.
    page.keyboard.press("Enter")
    dialog = page.get_by_role("dialog")
    expect(dialog).to_be_visible()
    assert focused(page)["inDialog"]
    for _ in range(9):
        page.keyboard.press("Tab")
        assert focused(page)["inDialog"], "Tab left the dialog"
    for _ in range(3):
        page.keyboard.press("Shift+Tab")
        assert focused(page)["inDialog"], "Shift+Tab left the dialog"
    dialog.get_by_label("Local folder").focus()
    page.keyboard.press("Escape")
    expect(dialog).to_have_count(0)
    assert focused(page)["label"] == "Download selected", focused(page)

    # Again, for real: type the folder and press Enter.
    page.keyboard.press("Enter")
    expect(dialog).to_be_visible()
    expect(dialog.get_by_label("Local folder")).to_be_focused()
    page.keyboard.press("Control+A")
    page.keyboard.type(str(target))
    page.keyboard.press("Enter")
    expect(dialog).to_have_count(0, timeout=20_000)
    assert focused(page)["label"] == "Download selected", focused(page)
    deadline = time.monotonic() + 60
    while not list(target.rglob(LONG_NAME)) and time.monotonic() < deadline:
        time.sleep(0.2)
    found = list(target.rglob(LONG_NAME))
    assert found, f"nothing downloaded into {target}"
    assert found[0].read_text() == (kbd_folder / LONG_NAME).read_text()


def test_axe_finds_nothing_in_any_state(lab, page, kbd_folder):
    assert AXE.is_file(), "cd js && npm install (axe-core is a devDependency)"
    base, folder = lab
    name = write_notebook(folder, "axe.ipynb", [
        f"from inductiva_widgets import StorageBrowser\nStorageBrowser('{FOLDER}', height=560)"])
    nb = Notebook(page, base, name)
    nb.run_all()
    expect = nb.expect
    rows = grid(page).locator(".iw-grid-body [role=row][data-path]")
    expect(rows).to_have_count(4, timeout=60_000)
    tree = page.get_by_role("tree", name="Folders")
    expect(tree.locator(f"[role=treeitem][data-path='{FOLDER}']")).to_have_attribute(
        "aria-selected", "true")
    problems = axe_violations(page, "table")

    # Tree items are named once, by their name.
    item = tree.get_by_role("treeitem", name=FOLDER, exact=True)
    item.locator(":scope > .iw-tree-row [data-toggle]").click()
    expect(item).to_have_attribute("aria-expanded", "true")
    expect(tree.get_by_role("button")).to_have_count(0)
    expect(item.locator(f"[role=treeitem][data-path='{FOLDER}/results.zip']")).to_be_visible()
    problems += axe_violations(page, "tree expanded")

    # Into the archive from the table: the tree follows and highlights it.
    grid(page).locator(f"[data-path='{FOLDER}/results.zip']").dblclick()
    expect(rows.first).to_have_attribute("data-path", f"{FOLDER}/results.zip/artifacts")
    expect(tree.locator(f"[role=treeitem][data-path='{FOLDER}/results.zip']")).to_have_attribute(
        "aria-selected", "true")
    rows.first.dblclick()
    expect(grid(page).get_by_role("columnheader").filter(has_text="Compressed")).to_be_visible()
    expect(tree.locator(f"[role=treeitem][data-path='{FOLDER}/results.zip/artifacts']")
           ).to_have_attribute("aria-selected", "true")
    problems += axe_violations(page, "inside an archive")

    grid(page).locator(f"[data-path='{FOLDER}/results.zip/artifacts/stdout.txt']").click()
    pane = page.get_by_role("complementary", name="Member preview pane")
    expect(pane.locator(".iw-preview-fetched")).to_contain_text("fetched", timeout=30_000)
    problems += axe_violations(page, "preview shown")
    shot(page, "a11y-archive-preview.png")

    page.get_by_role("button", name="Download selected").click()
    expect(page.get_by_role("dialog")).to_be_visible()
    problems += axe_violations(page, "dialog open")
    shot(page, "a11y-dialog.png")
    page.keyboard.press("Escape")
    expect(page.get_by_role("dialog")).to_have_count(0)
    expect(page.get_by_role("button", name="Download selected")).to_be_focused()

    go_to_crumb(page, FOLDER)
    page.get_by_label("Search all subfolders by name").fill("forty")
    page.get_by_role("button", name="Search", exact=True).click()
    expect(page.get_by_text("1 match for")).to_be_visible(timeout=30_000)
    problems += axe_violations(page, "search results")
    shot(page, "a11y-search.png")

    nb.set_theme("JupyterLab Dark")
    problems += axe_violations(page, "search results, dark")
    shot(page, "a11y-search-dark.png")
    nb.set_theme("JupyterLab Light")
    assert not problems, "\n".join(problems)

    # The check can fail: the markup issue 14 reported is caught.
    page.locator(".iw-grid").first.evaluate("""g => {
        const s = document.createElement('div'); s.setAttribute('role', 'status');
        s.className = 'iw-planted'; s.textContent = 'Empty folder'; g.append(s); }""")
    planted = axe_violations(page, "planted")
    page.locator(".iw-planted").evaluate("el => el.remove()")
    assert any("aria-required-children" in p for p in planted), planted
