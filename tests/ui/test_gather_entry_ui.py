""""Gather from all tasks" (and from the selected tasks) in the StorageBrowser, in real
JupyterLab and Chromium.

Screenshots: test-artifacts/gather-entry-{button,light,dark}.png,
gather-selected-{button,light,dark}.png.
"""

from __future__ import annotations

import re

import pytest

from .conftest import ARTIFACTS, Notebook, write_notebook
from .test_gather_ui import axe_violations, tasks_with_gauges

pytestmark = pytest.mark.ui

GAUGES = "artifacts/results/gauges.csv"


def test_gather_from_all_tasks_in_the_browser(lab, page, demo_server):
    expected = tasks_with_gauges(demo_server)
    if len(expected) < 2:
        pytest.skip("fewer than two tasks with gauges are left in the shared demo storage")
    task = expected[0]
    base, folder = lab
    name = write_notebook(folder, "gather_entry.ipynb", [
        "from inductiva_widgets import StorageBrowser\n"
        f"b = StorageBrowser('{task}/output.zip/artifacts/results', height=620)\nb",
        "v = b.gather_view\nprint(v.pattern, v.state, sorted(v.status.query(\"status == 'found'\")"
        f"['task']) == {sorted(expected)!r})",
        "print('closed:', b.gather_view is None)",
    ])
    nb = Notebook(page, base, name)
    expect = nb.expect
    nb.run_cell(0)
    browser = page.locator(".iw-browser").first
    member = browser.locator(f"[data-path='{task}/output.zip/{GAUGES}']")
    expect(member).to_be_visible(timeout=60_000)
    member.click()
    pane = browser.get_by_role("complementary", name="Member preview pane")
    expect(pane.locator(".iw-preview-fetched")).to_contain_text("fetched", timeout=30_000)

    ARTIFACTS.mkdir(exist_ok=True)
    browser.screenshot(path=str(ARTIFACTS / "gather-entry-button.png"))
    pane.get_by_role("button", name="Gather from all tasks").click()
    panel = browser.get_by_role("region", name="Gathered from all tasks")
    expect(panel).to_be_visible(timeout=30_000)
    view = panel.locator(".iw-gv")
    expect(view).to_contain_text(f"Gather */output.zip/{GAUGES}", timeout=30_000)
    plot = view.get_by_role("img", name=re.compile(r"^Line plot of eta_x10 against time_s"))
    expect(plot).to_be_visible(timeout=60_000)
    expect(plot.locator("polyline")).to_have_count(len(expected))
    status = view.get_by_role("region", name="Per-task status")
    expect(status.locator("tbody tr td.iw-gv-status-found")).to_have_count(len(expected))
    expect(view.get_by_role("region", name="Gathered table").locator("caption")).to_have_text(
        f"rows 1–50 of {len(expected) * 6000:,}")
    expect(panel.get_by_role("button", name="Close the gathered view")).to_be_focused()
    browser.screenshot(path=str(ARTIFACTS / "gather-entry-light.png"))
    assert axe_violations(page) == []

    # The view in the panel is the Python object the browser holds.
    view.get_by_role("button", name="Open as DataFrame").click()
    expect(view).to_contain_text("is b.gather_view.frame in the kernel")
    nb.run_cell(1)
    expect(nb.cell(1).locator(".jp-OutputArea-output")).to_contain_text(
        f"*/output.zip/{GAUGES} done True", timeout=30_000)

    nb.set_theme("JupyterLab Dark")
    browser.screenshot(path=str(ARTIFACTS / "gather-entry-dark.png"))
    nb.set_theme("JupyterLab Light")

    # Close: the panel goes, the browser is back, Python dropped the view.
    panel.get_by_role("button", name="Close the gathered view").click()
    expect(panel).to_be_hidden()
    expect(pane.get_by_role("button", name="Gather from all tasks")).to_be_focused()
    nb.run_cell(2)
    expect(nb.cell(2).locator(".jp-OutputArea-output")).to_contain_text("closed: True",
                                                                         timeout=30_000)


def test_gather_from_all_tasks_in_the_zip_explorer(lab, page, demo_server):
    expected = tasks_with_gauges(demo_server)
    if len(expected) < 2:
        pytest.skip("fewer than two tasks with gauges are left in the shared demo storage")
    base, folder = lab
    name = write_notebook(folder, "gather_entry_zx.ipynb", [
        "from inductiva_widgets import ZipExplorer\n"
        f"x = ZipExplorer('{expected[-1]}/output.zip', height=560)\n"
        "x.selected = 'results/gauges.csv'\nx"])
    nb = Notebook(page, base, name)
    expect = nb.expect
    nb.run_cell(0)
    explorer = page.locator(".iw-zx").first
    explorer.get_by_role("button", name="Gather from all tasks").click(timeout=60_000)
    panel = explorer.get_by_role("region", name="Gathered from all tasks")
    status = panel.get_by_role("region", name="Per-task status")
    expect(status.locator("tbody tr td.iw-gv-status-found")).to_have_count(len(expected),
                                                                            timeout=60_000)
    explorer.screenshot(path=str(ARTIFACTS / "gather-entry-explorer.png"))
    panel.get_by_role("button", name="Close the gathered view").click()
    expect(panel).to_be_hidden()


def test_gather_from_the_selected_tasks_in_the_browser(lab, page, demo_server):
    found = tasks_with_gauges(demo_server)
    if len(found) < 4:
        pytest.skip("fewer than four tasks with gauges are left in the shared demo storage")
    chosen = [found[0], found[2], found[3]]
    task = chosen[1]
    base, folder = lab
    name = write_notebook(folder, "gather_selected.ipynb", [
        "from inductiva_widgets import StorageBrowser\nb = StorageBrowser('/', height=680)\nb",
        "print(sorted(b.gather_view.frame['task'].unique()) == "
        f"{sorted(chosen)!r}, b.gather_title)",
    ])
    nb = Notebook(page, base, name)
    expect = nb.expect
    nb.run_cell(0)
    browser = page.locator(".iw-browser").first
    rows = [browser.locator(f"[role=row][data-path='{t}']") for t in chosen]
    expect(rows[0]).to_be_visible(timeout=60_000)
    # Three task folders side by side, with ctrl-click; then one of them is opened.
    rows[0].click()
    for row in rows[1:]:
        row.click(modifiers=["Control"])
    expect(browser.locator("[role=row][aria-selected='true']")).to_have_count(3)
    rows[1].dblclick()
    for inner in ("output.zip", "output.zip/artifacts", "output.zip/artifacts/results"):
        browser.locator(f"[role=row][data-path='{task}/{inner}']").dblclick(timeout=30_000)
    member = browser.locator(f"[role=row][data-path='{task}/output.zip/{GAUGES}']")
    member.click(timeout=30_000)
    pane = browser.get_by_role("complementary", name="Member preview pane")
    expect(pane.locator(".iw-preview-fetched")).to_contain_text("fetched", timeout=30_000)
    selected = pane.get_by_role("button", name="Gather from the 3 selected tasks")
    expect(selected).to_be_visible()
    expect(pane.get_by_role("button", name="Gather from all tasks")).to_be_visible()
    ARTIFACTS.mkdir(exist_ok=True)
    browser.screenshot(path=str(ARTIFACTS / "gather-selected-button.png"))

    selected.click()
    panel = browser.get_by_role("region", name="Gathered from 3 selected tasks")
    expect(panel).to_be_visible(timeout=30_000)
    view = panel.locator(".iw-gv")
    expect(view).to_contain_text(f"Gather 3 tasks · {GAUGES}", timeout=30_000)
    status = view.get_by_role("region", name="Task status table")
    expect(status.locator("tbody tr td.iw-gv-status-found")).to_have_count(3, timeout=60_000)
    expect(status.locator("tbody tr")).to_have_count(3)
    for t in chosen:
        expect(status).to_contain_text(t)
    legend = view.get_by_role("list", name="Legend")
    expect(legend.get_by_role("listitem")).to_have_text(chosen)
    expect(view.get_by_role("region", name="Gathered table").locator("caption")).to_have_text(
        f"rows 1–50 of {3 * 6000:,}")
    view.get_by_role("button", name="Show code").click()
    expect(view.get_by_label("Equivalent Python code")).to_contain_text(
        f"storage.gather({chosen!r}, member={GAUGES!r})")
    browser.screenshot(path=str(ARTIFACTS / "gather-selected-light.png"))
    assert axe_violations(page) == []
    nb.run_cell(1)
    expect(nb.cell(1).locator(".jp-OutputArea-output")).to_contain_text(
        "True Gathered from 3 selected tasks", timeout=30_000)
    nb.set_theme("JupyterLab Dark")
    browser.screenshot(path=str(ARTIFACTS / "gather-selected-dark.png"))
    nb.set_theme("JupyterLab Light")

    # Out of the selection's parent (the root holds everything: another task's member
    # is not among the selected), the second button is not offered.
    panel.get_by_role("button", name="Close the gathered view").click()
    expect(panel).to_be_hidden()
    other = found[1]
    up = browser.get_by_role("button", name="Up one folder")
    for _ in range(4):  # results, artifacts, output.zip, the task: back at the root
        up.click()
    browser.locator(f"[role=row][data-path='{other}']").dblclick(timeout=30_000)
    for inner in ("output.zip", "output.zip/artifacts", "output.zip/artifacts/results"):
        browser.locator(f"[role=row][data-path='{other}/{inner}']").dblclick(timeout=30_000)
    browser.locator(f"[role=row][data-path='{other}/output.zip/{GAUGES}']").click(timeout=30_000)
    expect(pane.locator(".iw-preview-fetched")).to_contain_text("fetched", timeout=30_000)
    expect(pane.get_by_role("button", name="Gather from all tasks")).to_be_visible()
    expect(pane.get_by_role("button", name=re.compile("selected tasks"))).to_be_hidden()
