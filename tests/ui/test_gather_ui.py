"""GatherView in real JupyterLab and Chromium, over the demo storage (its SWASH sweep).

Screenshots: test-artifacts/gather-{light,dark,narrow}.png, the status with the folders
skipped folded and open: gather-skipped-{folded,open}.png.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from .conftest import ARTIFACTS, Notebook, region_path, write_notebook

pytestmark = pytest.mark.ui

AXE = Path(__file__).resolve().parents[2] / "js" / "node_modules" / "axe-core" / "axe.min.js"
PATTERN = "*/output.zip/artifacts/results/gauges.csv"


def tasks_with_gauges(demo_server) -> list[str]:
    """Task folders whose archive holds the gauges (other UI tests may delete tasks)."""
    import zipfile

    found = []
    for folder in sorted(region_path(demo_server, "").iterdir()):
        archive = folder / "output.zip"
        if archive.is_file():
            with zipfile.ZipFile(archive) as zf:
                if "artifacts/results/gauges.csv" in zf.namelist():
                    found.append(folder.name)
    return found


def axe_violations(page) -> list[str]:
    if not page.evaluate("() => !!window.axe"):
        page.add_script_tag(path=str(AXE))
    result = page.evaluate("""async () => {
        const r = await axe.run(document.querySelector('.iw-gv'), {resultTypes: ['violations']});
        return {checked: r.passes.length, violations: r.violations.map(v =>
            `${v.impact} ${v.id}: ` +
            v.nodes.slice(0, 3).map(n => n.target.join(' ')).join(' | '))};
    }""")
    assert result["checked"] > 10, result  # a run that checked nothing proves nothing
    return result["violations"]


def shot(page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.locator(".iw-gv").first.screenshot(path=str(ARTIFACTS / name))


def test_gather_a_sweep(lab, page, demo_server):
    expected = tasks_with_gauges(demo_server)
    if len(expected) < 2:
        pytest.skip("fewer than two tasks with gauges are left in the shared demo storage")
    # A folder without an archive, the test's own (other UI tests may delete the demo's).
    plain = region_path(demo_server, "gather-plain")
    plain.mkdir(exist_ok=True)
    (plain / "notes.txt").write_text("not a task\n")
    base, folder = lab
    name = write_notebook(folder, "gather_view.ipynb", [
        "from inductiva_widgets.widgets import GatherView\n"
        f"view = GatherView({PATTERN!r}, height=760)\nview",
        "print(view.frame.shape, sorted(view.frame['task'].unique()) == "
        f"{sorted(expected)!r})",
    ])
    nb = Notebook(page, base, name)
    expect = nb.expect
    nb.run_cell(0)
    widget = page.locator(".iw-gv").first
    plot = widget.get_by_role("img", name=re.compile(r"^Line plot of eta_x10 against time_s"))
    expect(plot).to_be_visible(timeout=60_000)
    expect(plot.locator("polyline")).to_have_count(len(expected))
    legend = widget.get_by_role("list", name="Legend")
    expect(legend.get_by_role("listitem")).to_have_count(len(expected))

    # One status row per task; the ones without gauges say why.
    status = widget.get_by_role("region", name="Per-task status")
    expect(status.locator("tbody tr td.iw-gv-status-found")).to_have_count(len(expected))
    # Folders with no archive (not tasks) are one folded line, their rows under it.
    expect(status.get_by_role("region", name="Task status table")).not_to_contain_text(
        "gather-plain")
    skipped = status.locator("details.iw-gv-skipped")
    expect(skipped.locator("summary")).to_have_text(
        re.compile(r"^\d+ folders? without output\.zip skipped$"))
    folded = skipped.get_by_role("region", name="Skipped folders")
    expect(folded).to_be_hidden()
    ARTIFACTS.mkdir(exist_ok=True)
    status.screenshot(path=str(ARTIFACTS / "gather-skipped-folded.png"))
    skipped.locator("summary").click()
    expect(folded).to_contain_text("no archive gather-plain/output.zip")
    status.screenshot(path=str(ARTIFACTS / "gather-skipped-open.png"))
    expect(folded.locator("td.iw-gv-status-skipped").first).to_have_text("skipped")
    expect(widget.get_by_role("status").first).to_contain_text(f"{len(expected)} found")

    # The table, a page at a time.
    table = widget.get_by_role("region", name="Gathered table")
    total = len(expected) * 6000
    expect(table.locator("caption")).to_have_text(f"rows 1–50 of {total:,}")
    expect(table.locator("tbody tr")).to_have_count(50)
    expect(table.locator("thead th").first).to_have_text("task")
    table.get_by_role("button", name="Next rows").click()
    expect(table.locator("caption")).to_have_text(f"rows 51–100 of {total:,}")
    nb.screenshot("gather-page.png")
    shot(page, "gather-light.png")

    # Another column to plot.
    widget.get_by_label("Column to plot").select_option("eta_x30")
    expect(widget.get_by_role("img", name=re.compile("^Line plot of eta_x30"))).to_be_visible()

    # Show code, and the DataFrame in the kernel.
    widget.get_by_role("button", name="Show code").click()
    expect(widget.get_by_label("Equivalent Python code")).to_contain_text(
        f"storage.gather({PATTERN!r})")
    widget.get_by_role("button", name="Open as DataFrame").click()
    expect(widget).to_contain_text(re.compile(rf"{total:,} rows × 7 columns\) is view\.frame"))
    nb.run_cell(1)
    expect(nb.cell(1).locator(".jp-OutputArea-output")).to_contain_text(f"({total}, 7) True")
    assert axe_violations(page) == []

    nb.set_theme("JupyterLab Dark")
    shot(page, "gather-dark.png")
    assert axe_violations(page) == []
    nb.set_theme("JupyterLab Light")
    page.set_viewport_size({"width": 760, "height": 1000})
    page.wait_for_timeout(500)
    shot(page, "gather-narrow.png")
