"""StorageBrowser in real JupyterLab and Chromium, over the demo storage."""

from __future__ import annotations

import json
import re

import pytest

from .conftest import ARTIFACTS, Notebook, region_path, write_notebook

pytestmark = pytest.mark.ui


def grid(page):
    return page.get_by_role("grid", name="Folder contents").first


def rows(page):
    return grid(page).locator(".iw-grid-body [role=row][data-path]")


def test_browse_sort_filter_zip_select_delete(lab, page, demo_server):
    base, folder = lab
    name = write_notebook(folder, "browse.ipynb", [
        "from inductiva_widgets import StorageBrowser\nb = StorageBrowser(height=560)\nb",
        "print(sorted(b.selected))",
        "import inductiva_widgets.storage as st\n"
        "print(sorted(r['name'] for r in st.listdir(max_results=None, print_results=False)))",
    ])
    # The demo's tasks, sweep and datasets, plus what earlier tests of the session made.
    at_root = sum(1 for p in region_path(demo_server, "").iterdir()
                  if not p.name.startswith("."))
    nb = Notebook(page, base, name)
    nb.run_all()
    expect = nb.expect
    expect(rows(page)).to_have_count(at_root, timeout=60_000)
    expect(page.get_by_role("status").filter(has_text="items").first).to_have_text(
        f"{at_root} items")
    expect(page.get_by_label("Storage used and monthly cost")).to_contain_text("used")
    nb.screenshot("browser-light.png")

    # Sort by size, largest first (server-side).
    page.get_by_role("button", name="Sort by Size").click()
    page.get_by_role("button", name="Sort by Size").click()
    header = grid(page).get_by_role("columnheader").filter(has_text="Size")
    expect(header).to_have_attribute("aria-sort", "descending")
    # The biggest task (earlier tests of the session may have made bigger plain folders).
    expect(rows(page)).to_have_count(at_root)  # the sorted page is in
    listed = [rows(page).nth(i).get_attribute("data-path") for i in range(rows(page).count())]
    biggest = next(p for p in listed if (region_path(demo_server, p) / "output.zip").is_file())
    inside = [p for p in region_path(demo_server, biggest).iterdir()
              if not p.name.startswith(".")]

    # Into the biggest task: its archives are there.
    grid(page).locator(f"[role=row][data-path='{biggest}']").dblclick()
    expect(page.get_by_role("button", name=f"Go to {biggest}")).to_be_visible()
    expect(rows(page)).to_have_count(len(inside))  # input.zip, output.zip, metadata.json...

    # Filter, then open output.zip like a folder, and its artifacts/.
    page.get_by_label("Filter this folder").fill("output")
    expect(rows(page)).to_have_count(1)
    rows(page).first.dblclick()
    expect(rows(page).first).to_have_attribute("data-path", f"{biggest}/output.zip/artifacts")
    rows(page).first.dblclick()
    expect(grid(page).get_by_role("columnheader").filter(has_text="Compressed")).to_be_visible()
    expect(grid(page).locator(f"[data-path='{biggest}/output.zip/artifacts/stdout.txt']")
           ).to_be_visible()
    nb.screenshot("browser-zip.png")

    # Back to the root, a level at a time (deep inside an archive the first crumbs may be
    # out of sight); select two folders with click and ctrl-click.
    current = page.locator(".iw-crumb[aria-current]").first
    for parent in (f"{biggest}/output.zip", biggest, "/"):
        page.get_by_role("button", name="Up one folder").click()
        expect(current).to_have_attribute("data-path", parent)
    expect(rows(page)).to_have_count(at_root)
    first, third = rows(page).nth(0), rows(page).nth(2)
    chosen = sorted([first.get_attribute("data-path"), third.get_attribute("data-path")])
    first.click()
    third.click(modifiers=["Control"])
    expect(grid(page).locator("[role=row][aria-selected=true]")).to_have_count(2)
    expect(page.get_by_text("2 selected")).to_be_visible()
    nb.run_cell(1)
    expect(nb.cell(1).locator(".jp-OutputArea-output")).to_contain_text(str(chosen))

    # Delete asks first, naming what and how much.
    page.get_by_role("button", name="Delete selected").click()
    dialog = page.get_by_role("dialog")
    expect(dialog).to_contain_text("Delete 2 items")
    expect(dialog).to_contain_text(re.compile(r"\d+(\.\d+)? (KiB|MiB)"))
    for path in chosen:
        expect(dialog).to_contain_text(path)
    nb.screenshot("browser-delete-dialog.png")
    dialog.get_by_role("button", name="Confirm delete").click()
    expect(rows(page)).to_have_count(at_root - 2)
    nb.run_cell(2)
    listed = nb.cell(2).locator(".jp-OutputArea-output")
    expect(listed).not_to_contain_text(chosen[0])
    expect(listed).not_to_contain_text(chosen[1])
    for path in chosen:
        assert not region_path(demo_server, path).exists()

    # Keyboard: "/" focuses the filter.
    rows(page).first.click()
    page.keyboard.press("/")
    expect(page.get_by_label("Filter this folder")).to_be_focused()

    nb.set_theme("JupyterLab Dark")
    nb.screenshot("browser-dark.png")
    nb.set_theme("JupyterLab Light")


def test_search_opens_results_where_they_live(lab, page, demo_server):
    deep = region_path(demo_server, "searchable/bathymetry/2026")
    deep.mkdir(parents=True, exist_ok=True)
    (deep / "needle_survey.xyz").write_text("0 0 -12.5\n")
    base, folder = lab
    name = write_notebook(folder, "search.ipynb", [
        "from inductiva_widgets import StorageBrowser\nStorageBrowser(height=500)"])
    nb = Notebook(page, base, name)
    nb.run_all()
    nb.expect(rows(page).first).to_be_visible(timeout=60_000)
    page.get_by_label("Search all subfolders by name").fill("needle_SURVEY")
    page.get_by_role("button", name="Search", exact=True).click()
    nb.expect(page.get_by_text(re.compile("1 match for"))).to_be_visible(timeout=30_000)
    result = rows(page).first
    nb.expect(result).to_have_attribute("data-path", "searchable/bathymetry/2026/needle_survey.xyz")
    result.dblclick()
    nb.expect(page.get_by_role("button", name="Go to 2026")).to_be_visible()
    nb.expect(grid(page).locator("[aria-selected=true]")).to_have_attribute(
        "data-path", "searchable/bathymetry/2026/needle_survey.xyz")


def test_sidebar_reuses_its_panel(lab, page):
    base, folder = lab
    name = write_notebook(folder, "sidebar.ipynb", [
        "from inductiva_widgets import StorageBrowser\nb = StorageBrowser(height=400)\n"
        "b.show_in_sidebar()\nb.show_in_sidebar()"])
    nb = Notebook(page, base, name)
    nb.run_all()
    panel = page.locator("#jp-right-stack .jupyterlab-sidecar")
    nb.expect(panel.get_by_role("grid", name="Folder contents")).to_have_count(1, timeout=60_000)
    nb.expect(panel.locator("[role=row][data-path]").first).to_be_visible()
    nb.screenshot("browser-sidebar.png")


@pytest.mark.parametrize("count", [1_000, 100_000])
def test_time_to_first_rows_in_large_folders(lab, page, demo_server, count):
    folder_name = f"huge{count}"
    target = region_path(demo_server, folder_name)
    if not target.exists():
        target.mkdir(parents=True)
        for i in range(count):
            (target / f"f{i:06d}.dat").touch()
    base, folder = lab
    name = write_notebook(folder, f"huge{count}.ipynb", [
        f"from inductiva_widgets import StorageBrowser\n"
        f"StorageBrowser('{folder_name}', folder_sizes=False, height=500)"])
    nb = Notebook(page, base, name)
    nb.run_all()
    nb.expect(rows(page).first).to_be_visible(timeout=120_000)
    browser = page.locator(".iw-browser").first
    nb.expect(browser).to_have_attribute("data-first-rows-ms", re.compile(r"\d+"))
    first_ms = int(browser.get_attribute("data-first-rows-ms"))
    answer_ms = int(browser.get_attribute("data-answer-ms"))
    render_ms = int(browser.get_attribute("data-render-ms"))
    nb.expect(page.get_by_role("status").filter(has_text="items").first).to_have_text(
        f"{count:,} items")
    # Jump to the middle: the right rows arrive, and the page holds only a screenful.
    body = grid(page).locator(".iw-grid-body")
    middle = count // 2
    body.evaluate(f"el => el.scrollTop = {middle} * 28")
    nb.expect(grid(page).locator(f"[data-path='{folder_name}/f{middle:06d}.dat']")
              ).to_be_visible(timeout=30_000)
    in_dom = grid(page).locator("[role=row][data-path]").count()
    assert in_dom < 80
    results = ARTIFACTS / "first-rows.json"
    data = json.loads(results.read_text()) if results.exists() else {}
    data[str(count)] = {"first_rows_ms": first_ms, "answer_ms": answer_ms,
                        "render_after_answer_ms": render_ms, "rows_in_dom": in_dom}
    ARTIFACTS.mkdir(exist_ok=True)
    results.write_text(json.dumps(data, indent=2))
    print(f"{count} entries: first rows after {first_ms} ms "
          f"(kernel+server answer {answer_ms} ms, rows painted {render_ms} ms later)")
    # The view's own work after the answer stays small whatever the folder's size.
    assert render_ms < 1000


def test_member_preview_inside_the_browser(lab, page, demo_server):
    task = next(p.name for p in region_path(demo_server, "").iterdir()
                if (p / "output.zip").exists())
    base, folder = lab
    name = write_notebook(folder, "preview.ipynb", [
        "from inductiva_widgets import StorageBrowser\n"
        f"StorageBrowser('{task}/output.zip/artifacts', height=560)"])
    nb = Notebook(page, base, name)
    nb.run_all()
    member = grid(page).locator(f"[data-path='{task}/output.zip/artifacts/stdout.txt']")
    nb.expect(member).to_be_visible(timeout=60_000)
    member.click()
    pane = page.get_by_role("complementary", name="Member preview pane")
    nb.expect(pane).to_be_visible()
    nb.expect(pane.locator(".iw-preview-fetched")).to_contain_text("fetched", timeout=30_000)
    nb.expect(pane.locator(".iw-preview-body")).not_to_be_empty()
    nb.screenshot("browser-member-preview.png")
