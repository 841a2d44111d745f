"""ZipExplorer in real JupyterLab and Chromium, over the demo storage."""

from __future__ import annotations

import io
import re
import zipfile

import pandas as pd
import pytest

from .conftest import Notebook, region_path, write_notebook

pytestmark = pytest.mark.ui

UNITS = {"B": 1, "KiB": 1024, "MiB": 1024**2, "GiB": 1024**3}


def pick_archive(demo_server):
    """A task archive with a large stored binary (other UI tests may delete tasks)."""
    root = region_path(demo_server, "")
    for folder in sorted(root.iterdir()):
        archive = folder / "output.zip"
        if not archive.is_file():
            continue
        with zipfile.ZipFile(archive) as zf:
            infos = {i.filename: i for i in zf.infolist()}
            big = [i for i in infos.values()
                   if i.compress_type == zipfile.ZIP_STORED and i.file_size > 1024**2]
            csvs = [n for n in infos if n.endswith(".csv")]
            if big and csvs and "artifacts/plots/residuals.png" in infos:
                return folder.name, archive, infos, csvs[0], zf.read(csvs[0]), \
                    zf.read("artifacts/stdout.txt")
    pytest.skip("no demo archive with a large stored member is left")


def row(item):
    return item.locator(":scope > .iw-zx-row")


def open_member(tree, name: str) -> None:
    """Expand the folders down to `name` (a full member name) and select it."""
    parts = name.split("/")
    for depth in range(1, len(parts)):
        folder = tree.locator(f"[role=treeitem][data-path='{'/'.join(parts[:depth])}']")
        if folder.get_attribute("aria-expanded") != "true":
            row(folder).click()
    row(tree.locator(f"[role=treeitem][data-path='{name}']")).click()


def shown_bytes(text: str) -> float:
    number, unit = re.search(r"fetched ([\d.]+) (B|KiB|MiB|GiB)", text).groups()
    return float(number) * UNITS[unit]


def test_explore_an_archive(lab, page, demo_server):
    task, archive, infos, csv_name, csv_bytes, stdout = pick_archive(demo_server)
    base, folder = lab
    name = write_notebook(folder, "zip_explorer.ipynb", [
        "from inductiva_widgets import ZipExplorer\n"
        f"explorer = ZipExplorer('{task}/output.zip', height=600)\nexplorer",
        "print(explorer.frames[explorer.last_frame_name].shape, explorer.last_frame_name)",
    ])
    nb = Notebook(page, base, name)
    expect = nb.expect
    nb.run_cell(0)
    tree = page.get_by_role("tree", name="Archive members")
    stdout_item = tree.get_by_role("treeitem", name="stdout.txt", exact=True)
    expect(stdout_item).to_be_visible(timeout=60_000)
    expect(page.locator(".iw-zx-summary")).to_contain_text(f"{len(infos)} members")
    # The lone artifacts/ folder opened by itself; its folders stay closed.
    expect(tree.locator("[role=treeitem][data-path=artifacts]")).to_have_attribute(
        "aria-expanded", "true")
    expect(tree.locator("[role=treeitem][data-path='artifacts/plots']")).to_have_attribute(
        "aria-expanded", "false")

    # A log opens at its end, and says what it cost.
    preview = page.get_by_role("region", name="Member preview")
    stdout_item.locator(":scope > .iw-zx-row").click()
    expect(stdout_item).to_have_attribute("aria-selected", "true")
    last_line = stdout.decode().rstrip("\n").splitlines()[-1].strip()
    expect(preview.locator(".iw-preview-text")).to_contain_text(last_line)
    fetched = preview.locator(".iw-preview-fetched")
    expect(fetched).to_have_attribute("data-bytes", re.compile(r"^\d+$"))
    expect(fetched).to_contain_text(re.compile(r"fetched [\d.]+ (B|KiB|MiB) of this"))
    info = infos["artifacts/stdout.txt"]
    archive_size = archive.stat().st_size
    exact = int(fetched.get_attribute("data-bytes"))
    shown = shown_bytes(fetched.inner_text())
    # A deflated log's end can only be reached through its start: at most the member's own
    # compressed bytes, never more, and a sliver of the archive.
    assert 0 < exact <= info.compress_size
    assert shown <= info.compress_size * 1.005
    assert exact < archive_size / 20
    expect(preview.get_by_role("button", name="Show start")).to_be_visible()
    expect(preview.get_by_role("button", name="Load more")).to_be_visible()
    preview.get_by_role("button", name="Show code").click()
    expect(preview.locator(".iw-preview-code")).to_contain_text(
        f"storage.tail_member('{task}/output.zip', 'stdout.txt', lines=200)")
    nb.screenshot("zip-explorer-light.png")

    # "Show start" then "Load more": the first lines, then the next chunk appended.
    preview.get_by_role("button", name="Show start").click()
    first_line = stdout.decode().splitlines()[1] or stdout.decode().splitlines()[0]
    expect(preview.locator(".iw-preview-range")).to_contain_text("bytes 0 –")
    expect(preview.locator(".iw-preview-text")).to_contain_text(first_line.strip())
    preview.get_by_role("button", name="Load more").click()
    expect(preview.locator(".iw-preview-range")).to_contain_text(
        re.compile(r"bytes 0 – (1[2-9]\d|[2-9]\d\d),\d{3} of|all "))

    # The PNG shows inline and really decodes.
    open_member(tree, "artifacts/plots/residuals.png")
    image = preview.locator("img.iw-preview-image")
    expect(image).to_be_visible()
    page.wait_for_function("() => { const i = document.querySelector('img.iw-preview-image');"
                           " return i && i.complete && i.naturalWidth > 0; }", timeout=10_000)
    assert image.evaluate("i => i.naturalWidth") > 0
    expect(preview.locator(".iw-preview-range")).to_contain_text(re.compile(r"\d+ × \d+ px"))
    nb.screenshot("zip-explorer-image.png")

    # The CSV: a typed table of its head, then the whole of it as a DataFrame in Python.
    expected = pd.read_csv(io.BytesIO(csv_bytes))
    open_member(tree, csv_name)
    table = preview.locator("table.iw-preview-table")
    expect(table.locator("caption")).to_contain_text("preview of the first 50 rows")
    expect(table.locator("tbody tr")).to_have_count(50)
    expect(table.locator("thead th").first).to_contain_text(str(expected.columns[0]))
    expect(table.locator("thead th").first).to_contain_text(str(expected.dtypes.iloc[0]))
    preview.get_by_role("button", name="Open as DataFrame").click()
    expect(preview.get_by_role("status")).to_contain_text(
        f"Available in Python as explorer.frames['{csv_name}']")
    nb.screenshot("zip-explorer-csv.png")
    nb.run_cell(1)
    expect(nb.cell(1).locator(".jp-OutputArea-output")).to_contain_text(
        f"{expected.shape} {csv_name}")

    # Download the member to the kernel's ./downloads.
    preview.get_by_role("button", name="Download member").click()
    expect(preview.get_by_role("status")).to_contain_text("Saved to", timeout=20_000)
    local = folder / "downloads" / task / "output" / csv_name
    assert local.read_bytes() == csv_bytes

    nb.set_theme("JupyterLab Dark")
    stdout_item.locator(":scope > .iw-zx-row").click()
    expect(preview.locator(".iw-preview-text")).to_contain_text(last_line)
    page.locator(".iw-zx").evaluate("el => el.scrollIntoView({block: 'center'})")
    nb.screenshot("zip-explorer-dark.png")
    nb.set_theme("JupyterLab Light")


def test_a_missing_archive_is_explained(lab, page):
    base, folder = lab
    name = write_notebook(folder, "zip_missing.ipynb", [
        "from inductiva_widgets import ZipExplorer\nZipExplorer('nowhere/output.zip')"])
    nb = Notebook(page, base, name)
    nb.run_all()
    alert = page.locator(".iw-zx").get_by_role("alert").first
    nb.expect(alert).to_contain_text("no such file", timeout=60_000)
    nb.expect(page.locator(".jp-OutputArea-output[data-mime-type*='error']")).to_have_count(0)
