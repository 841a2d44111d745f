"""Keys typed in a widget stay in the widget, in real JupyterLab and Chromium.

In command mode JupyterLab edits the notebook on plain keys that reach the document ("b"
inserts a cell, "a" one above, "d d" deletes one, "x" cuts one, arrows move the active
cell). A ZipExplorer, a TransferQueue and a GatherView share a notebook; in each, letters
and arrows are typed in an input or pressed on a control: the notebook's cells and active
cell stay as they were, the input has the letters, and the widget's own keys still work.
A plain HTML button in an output shows first that the probe sees JupyterLab act on "b".
Screenshot: test-artifacts/keys-stay-in-widgets.png.
"""

from __future__ import annotations

import io
import zipfile

import pytest

from .conftest import Notebook, region_path, write_notebook

pytestmark = pytest.mark.ui

FOLDER = "keys-ui"
LETTERS = ["b", "a", "d", "d", "x", "c", "v", "m", "z", "y", "1", "Shift+B", "Shift+A"]
ARROWS = ["ArrowDown", "ArrowUp", "ArrowDown", "ArrowLeft", "ArrowRight"]


def seed(server) -> None:
    """Two task-like folders, each with a small output.zip holding g.csv and a log."""
    for task, scale in (("t1", 1.0), ("t2", 2.0)):
        folder = region_path(server, f"{FOLDER}/{task}")
        folder.mkdir(parents=True, exist_ok=True)
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zf:
            rows = "".join(f"{i},{i * scale},{-i * scale}\n" for i in range(80))
            zf.writestr("g.csv", "t,u,w\n" + rows)
            zf.writestr("logs/a.txt", "first\n")
            zf.writestr("logs/b.txt", "second\n")
        (folder / "output.zip").write_bytes(buffer.getvalue())
    (region_path(server, FOLDER) / "small.txt").write_text("hello\n")


def state(page) -> dict:
    """The notebook's cell count, active cell and mode, as JupyterLab holds them."""
    return page.evaluate("""() => {
        const nb = window.jupyterapp.shell.currentWidget.content;
        return {cells: nb.widgets.length, active: nb.activeCellIndex, mode: nb.mode};
    }""")


def press_all(page, keys: list[str]) -> None:
    for key in keys:
        page.keyboard.press(key)


def test_letters_and_arrows_typed_in_widgets_leave_the_notebook_alone(lab, page, demo_server):
    seed(demo_server)
    base, notebooks = lab
    name = write_notebook(notebooks, "keys.ipynb", [
        "from IPython.display import HTML\nHTML('<button id=\"plain-button\">plain</button>')",
        "from inductiva_widgets import ZipExplorer\n"
        f"explorer = ZipExplorer('{FOLDER}/t1/output.zip', height=380)\n"
        "explorer.selected = 'logs/a.txt'\nexplorer",
        "from inductiva_widgets import TransferQueue\nq = TransferQueue()\n"
        f"q.download('{FOLDER}/small.txt', 'keys-downloads')\nq.wait(timeout=60)\nq",
        "from inductiva_widgets.widgets import GatherView\n"
        f"view = GatherView('{FOLDER}/*/output.zip/g.csv', height=560)\nview",
        "print('last cell')",
    ])
    nb = Notebook(page, base, name)
    expect = nb.expect
    nb.run_all()
    zx = page.locator(".iw-zx").first
    queue = page.locator(".iw-queue").first
    gv = page.locator(".iw-gv").first
    folder_input = zx.get_by_label("Download folder (on the kernel's machine)")
    expect(folder_input).to_be_visible(timeout=60_000)
    expect(queue.locator(".iw-transfer[data-state=done]")).to_have_count(1, timeout=60_000)
    expect(gv.get_by_label("Column to plot")).to_be_visible(timeout=60_000)
    expect(nb.cell(4).locator(".jp-OutputArea-output")).to_contain_text("last cell", timeout=60_000)

    # The probe can see a leak: from a plain button in an output, "b" inserts a cell.
    page.locator("#plain-button").focus()
    before = state(page)
    assert before == {"cells": 5, "active": 0, "mode": "command"}, before
    page.keyboard.press("b")
    expect(page.locator(".jp-NotebookPanel .jp-Cell")).to_have_count(6)
    press_all(page, ["d", "d"])  # the new cell has the focus: JupyterLab deletes it again
    expect(page.locator(".jp-NotebookPanel .jp-Cell")).to_have_count(5)

    def check_unchanged(where: str, cell: int) -> None:
        page.wait_for_timeout(200)  # a leaked "d d" or "x" would have acted by now
        now = state(page)
        assert now == {"cells": 5, "active": cell, "mode": "command"}, (where, now)

    # ZipExplorer: the preview's folder input gets every letter; then the tree's arrows.
    folder_input.click()
    folder_input.fill("")
    assert state(page)["active"] == 1
    press_all(page, LETTERS + ARROWS)
    page.keyboard.type("badx")
    expect(folder_input).to_have_value("baddxcvmzy1BAbadx")
    check_unchanged("ZipExplorer folder input", 1)
    page.keyboard.press("Control+A")  # select all in the field, not all cells
    page.keyboard.press("Backspace")
    expect(folder_input).to_have_value("")
    check_unchanged("ZipExplorer Ctrl+A", 1)
    tree = zx.get_by_role("tree", name="Archive members")
    item_a = tree.locator("[role=treeitem][data-path='logs/a.txt']")
    item_a.focus()
    page.keyboard.press("ArrowDown")  # the tree's own key: the next member
    expect(tree.locator("[role=treeitem][data-path='logs/b.txt']")).to_be_focused()
    press_all(page, ["d", "d", "x", "a", "b", "ArrowUp"])
    expect(item_a).to_be_focused()
    check_unchanged("ZipExplorer tree", 1)

    # TransferQueue: its buttons.
    clear = queue.get_by_role("button", name="Clear finished transfers")
    clear.focus()
    press_all(page, LETTERS + ARROWS)
    expect(clear).to_be_focused()
    expect(queue.locator(".iw-transfer")).to_have_count(1)
    check_unchanged("TransferQueue button", 2)

    # GatherView: the column select (its arrows pick a column), the pager, a code box.
    column = gv.get_by_label("Column to plot")
    column.focus()
    press_all(page, ["ArrowDown"])
    expect(column).to_have_value("w")
    expect(column).to_be_focused()  # the plot was redrawn; the focus stays on the select
    press_all(page, LETTERS + ARROWS)
    expect(column).to_be_focused()
    check_unchanged("GatherView column select", 3)
    next_rows = gv.get_by_role("button", name="Next rows")
    next_rows.focus()
    press_all(page, LETTERS + ARROWS)
    check_unchanged("GatherView pager", 3)
    page.keyboard.press("Shift+Tab")  # Tab still moves the focus: back to the rows' region
    expect(gv.get_by_role("region", name="Table rows")).to_be_focused()
    next_rows.focus()
    page.keyboard.press("Space")  # the button's own key: the next page
    expect(gv.get_by_role("region", name="Gathered table").locator("caption")).to_have_text(
        "rows 51–100 of 160")
    expect(next_rows).to_be_focused()  # the pager was redrawn; the focus stays on Next
    check_unchanged("GatherView pager", 3)
    nb.screenshot("keys-stay-in-widgets.png")

    # Shift+Enter in a text field is the field's (the preview downloads on Enter); on a
    # control it is JupyterLab's: the cell runs again and the next one is selected.
    folder_input.fill("keys-member")
    page.keyboard.press("Shift+Enter")
    expect(zx.locator(".iw-preview-result")).to_contain_text("keys-member", timeout=30_000)
    check_unchanged("Shift+Enter in a text field", 1)
    prompt = nb.cell(2).locator(".jp-InputPrompt").inner_text()
    clear.focus()
    page.keyboard.press("Shift+Enter")
    page.wait_for_function(
        "() => window.jupyterapp.shell.currentWidget.content.activeCellIndex === 3")
    expect(nb.cell(2).locator(".jp-InputPrompt")).not_to_have_text(prompt, timeout=60_000)
    assert state(page)["cells"] == 5


def test_a_gathered_view_in_a_panel_keeps_keys_and_escape_closes_it(lab, page, demo_server):
    """The GatherView inside the ZipExplorer's gather panel: two guarded roots, one inside
    the other. Letters stay in the widget; Escape still reaches the panel, which closes."""
    seed(demo_server)
    base, notebooks = lab
    name = write_notebook(notebooks, "keys-panel.ipynb", [
        "from inductiva_widgets import ZipExplorer\n"
        f"explorer = ZipExplorer('{FOLDER}/t1/output.zip', height=620)\n"
        "explorer.selected = 'g.csv'\nexplorer",
        "print('last cell')",
    ])
    nb = Notebook(page, base, name)
    expect = nb.expect
    nb.run_all()
    zx = page.locator(".iw-zx").first
    gather = zx.get_by_role("button", name="Gather from all tasks")
    expect(gather).to_be_visible(timeout=60_000)
    expect(nb.cell(1).locator(".jp-OutputArea-output")).to_contain_text("last cell", timeout=60_000)
    gather.click()
    panel = zx.get_by_role("region", name="Gathered from all tasks")
    column = panel.get_by_label("Column to plot")
    expect(column).to_be_visible(timeout=60_000)
    column.focus()
    assert state(page) == {"cells": 2, "active": 0, "mode": "command"}, state(page)
    press_all(page, LETTERS + ARROWS)
    expect(column).to_be_focused()
    page.wait_for_timeout(200)
    assert state(page) == {"cells": 2, "active": 0, "mode": "command"}, state(page)
    page.keyboard.press("Escape")
    expect(panel).to_be_hidden()
    expect(gather).to_be_focused()
    assert state(page) == {"cells": 2, "active": 0, "mode": "command"}, state(page)
