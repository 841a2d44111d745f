"""Search inside archives and previews of plain files, in real JupyterLab and Chromium.

Three tests sharing the session's JupyterLab: a search from the root finds a member inside a
task's output.zip (with the archives it searched counted), opens it with the member
selected and previewed, and searching from inside an archive does not fail; from inside a
task's input.zip, the "All storage" scope finds a member of another archive and opens it
there; plain files (CSV, text, image, binary) are previewed by byte range, each saying what
it cost.
"""

from __future__ import annotations

import io
import re
import struct
import zipfile
import zlib

import pytest

from .conftest import Notebook, go_to_crumb, region_path, write_notebook

pytestmark = pytest.mark.ui

TASK = "uisearch-task"
PLAIN = "uiplain"
MEMBER = "artifacts/results/wavegauges_ui.csv"
BIG_TEXT = 3 * 1024 * 1024
BIG_BIN = 8 * 1024 * 1024


def png(width: int, height: int) -> bytes:
    """A small gradient PNG, made here (no binary in the repository)."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return (struct.pack(">I", len(data)) + kind + data
                + struct.pack(">I", zlib.crc32(kind + data)))

    rows = b"".join(b"\x00" + b"".join(bytes((x * 255 // width, y * 255 // height, 170))
                                        for x in range(width)) for y in range(height))
    return (b"\x89PNG\r\n\x1a\n"
            + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b""))


@pytest.fixture(scope="module")
def seeded(demo_server):
    """A task whose output.zip holds a uniquely named CSV, and a folder of plain files."""
    task = region_path(demo_server, TASK)
    if not task.exists():
        task.mkdir(parents=True)
        out = io.BytesIO()
        with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
            zf.writestr(MEMBER, "time,level\n" + "".join(f"{i},{i * 0.01:.2f}\n"
                                                         for i in range(400)))
            zf.writestr("artifacts/stdout.txt", "done\n")
        (task / "output.zip").write_bytes(out.getvalue())
        with zipfile.ZipFile(task / "input.zip", "w", zipfile.ZIP_DEFLATED) as zf:
            zf.writestr("sim_dir/params_ui.txt", "waves = 3\n")
    plain = region_path(demo_server, PLAIN)
    if not plain.exists():
        plain.mkdir(parents=True)
        (plain / "levels.csv").write_text(
            "station,time,level_m\n" + "".join(f"S{i % 4},{i},{1.5 + i * 0.001:.3f}\n"
                                                for i in range(2000)))
        lines = (f"{i:07d} solver step ok residual={1.0 / (i + 1):.3e}\n" for i in range(10**6))
        text = "".join(lines).encode()[:BIG_TEXT]
        (plain / "notes.txt").write_bytes(text[: text.rfind(b"\n") + 1])
        (plain / "photo.png").write_bytes(png(96, 64))
        (plain / "big.bin").write_bytes(bytes(range(256)) * (BIG_BIN // 256))
    return demo_server


def grid(page):
    return page.get_by_role("grid", name="Folder contents").first


def shots(nb: Notebook, name: str) -> None:
    """Light and dark, ~1,200 px and ~500 px wide."""
    page = nb.page
    # JupyterLab's own file browser closed: the widget gets the page's width.
    page.evaluate("() => window.jupyterapp.shell.collapseLeft()")
    for theme, suffix in (("JupyterLab Light", "light"), ("JupyterLab Dark", "dark")):
        if theme != "JupyterLab Light":
            nb.set_theme(theme)
        for width, label in ((1260, "wide"), (560, "narrow")):
            page.set_viewport_size({"width": width, "height": 1000})
            page.wait_for_timeout(400)
            nb.screenshot(f"{name}-{label}-{suffix}.png")
    nb.set_theme("JupyterLab Light")
    page.set_viewport_size({"width": 1260, "height": 1000})


def test_search_finds_members_and_opens_them(lab, page, seeded):
    base, folder = lab
    name = write_notebook(folder, "search_archives.ipynb", [
        "from inductiva_widgets import StorageBrowser\nb = StorageBrowser(height=600)\nb",
        "print(b.path, b.selected)",
    ])
    nb = Notebook(page, base, name)
    page.set_viewport_size({"width": 1260, "height": 1000})
    nb.run_all()
    expect = nb.expect
    expect(grid(page).locator("[role=row][data-path]").first).to_be_visible(timeout=60_000)
    expect(page.get_by_label("Look inside archives when searching")).to_be_checked()

    page.get_by_label("Search all subfolders by name").fill("WaveGauges")
    page.get_by_role("button", name="Search", exact=True).click()
    bar = page.get_by_role("status", name="Search progress")
    expect(bar).to_contain_text(re.compile(
        r"“WaveGauges”: 1 match · \d+ folders, \d+ archives searched in all storage$"),
        timeout=60_000)
    result = grid(page).locator(f"[data-path='{TASK}/output.zip/{MEMBER}']")
    expect(result).to_contain_text(f"in {TASK}/output.zip")
    expect(page.locator(".iw-browser .iw-alert")).to_be_hidden()
    result.click()  # one click previews the member, from its archive
    pane = page.get_by_role("complementary", name="Member preview pane")
    expect(pane.locator(".iw-preview-table tbody tr").first).to_be_visible(timeout=30_000)
    shots(nb, "search-results")

    # Activating it opens the archive folder with the member selected and previewed.
    grid(page).locator(f"[data-path='{TASK}/output.zip/{MEMBER}']").dblclick()
    expect(page.get_by_role("button", name="Go to results")).to_be_visible()
    expect(page.locator(".iw-search-bar")).to_be_hidden()
    expect(grid(page).locator("[aria-selected=true]")).to_have_attribute(
        "data-path", f"{TASK}/output.zip/{MEMBER}")
    expect(pane).to_be_visible()
    expect(pane.locator(".iw-preview-title")).to_have_text("wavegauges_ui.csv")
    expect(pane.locator(".iw-preview-table tbody tr")).to_have_count(50, timeout=30_000)
    expect(pane.locator(".iw-preview-fetched")).to_contain_text("of this")
    nb.run_cell(1)
    expect(nb.cell(1).locator(".jp-OutputArea-output")).to_contain_text(
        f"{TASK}/output.zip/artifacts/results ['{TASK}/output.zip/{MEMBER}']")

    # "Search all subfolders" from inside an archive searches its members: no 404.
    page.get_by_label("Search all subfolders by name").fill("wavegauges")
    page.get_by_role("button", name="Search", exact=True).click()
    expect(bar).to_have_text("“wavegauges”: 1 match · 1 archive searched in results",
                             timeout=30_000)
    expect(page.locator(".iw-browser .iw-alert")).to_be_hidden()
    # And from inside another archive (the task's input.zip), its own members.
    go_to_crumb(page, TASK)
    grid(page).locator(f"[data-path='{TASK}/input.zip']").dblclick()
    expect(page.get_by_role("button", name="Go to input.zip")).to_be_visible()
    page.get_by_label("Search all subfolders by name").fill("params_ui")
    page.get_by_role("button", name="Search", exact=True).click()
    expect(bar).to_have_text("“params_ui”: 1 match · 1 archive searched in input.zip",
                             timeout=30_000)
    expect(grid(page).locator(f"[data-path='{TASK}/input.zip/sim_dir/params_ui.txt']")
           ).to_be_visible()
    expect(page.locator(".iw-browser .iw-alert")).to_be_hidden()


def test_search_all_storage_from_inside_an_archive(lab, page, seeded):
    base, folder = lab
    name = write_notebook(folder, "search_scope.ipynb", [
        f"from inductiva_widgets import StorageBrowser\nb = StorageBrowser('{TASK}/input.zip', "
        "height=600)\nb", "print(b.path, b.selected)"])
    nb = Notebook(page, base, name)
    page.set_viewport_size({"width": 1260, "height": 1000})
    nb.run_all()
    expect = nb.expect
    expect(grid(page).locator(f"[data-path='{TASK}/input.zip/sim_dir']")).to_be_visible(
        timeout=60_000)
    scope = page.get_by_role("combobox", name="Search scope")
    expect(scope).to_have_value("here")
    search = page.get_by_label("Search all subfolders by name")
    bar = page.get_by_role("status", name="Search progress")

    # "Here" (today's behaviour): this archive's members only, where the name is not.
    search.fill("wavegauges_ui")
    page.get_by_role("button", name="Search", exact=True).click()
    expect(bar).to_have_text("“wavegauges_ui”: 0 matches · 1 archive searched in input.zip",
                             timeout=30_000)

    scope.select_option(label="All storage")
    page.get_by_role("button", name="Search", exact=True).click()
    expect(bar).to_contain_text(re.compile(
        r"“wavegauges_ui”: 1 match · \d+ folders, \d+ archives searched in all storage$"),
        timeout=60_000)
    result = grid(page).locator(f"[data-path='{TASK}/output.zip/{MEMBER}']")
    expect(result).to_contain_text(f"in {TASK}/output.zip")
    expect(page.locator(".iw-browser .iw-alert")).to_be_hidden()
    page.evaluate("() => window.jupyterapp.shell.collapseLeft()")
    for theme, suffix in (("JupyterLab Dark", "dark"), ("JupyterLab Light", "light")):
        nb.set_theme(theme)
        page.wait_for_timeout(300)
        nb.screenshot(f"search-scope-all-{suffix}.png")

    # Activating it opens that output.zip (not the input.zip the search started in) with
    # the member selected and previewed.
    # Selected first: selecting opens the preview pane and can wrap the action bar, which
    # moves the row between the two clicks of a double click.
    result.click()
    expect(page.get_by_role("complementary", name="Member preview pane")).to_be_visible()
    grid(page).locator(f"[data-path='{TASK}/output.zip/{MEMBER}']").dblclick()
    expect(page.get_by_role("button", name="Go to results")).to_be_visible()
    expect(page.get_by_role("button", name="Go to output.zip")).to_be_visible()
    expect(page.locator(".iw-search-bar")).to_be_hidden()
    expect(grid(page).locator("[aria-selected=true]")).to_have_attribute(
        "data-path", f"{TASK}/output.zip/{MEMBER}")
    pane = page.get_by_role("complementary", name="Member preview pane")
    expect(pane.locator(".iw-preview-title")).to_have_text("wavegauges_ui.csv")
    expect(pane.locator(".iw-preview-table tbody tr")).to_have_count(50, timeout=30_000)
    expect(page.locator(".iw-browser .iw-alert")).to_be_hidden()
    expect(scope).to_have_value("all")
    nb.run_cell(1)
    expect(nb.cell(1).locator(".jp-OutputArea-output")).to_contain_text(
        f"{TASK}/output.zip/artifacts/results ['{TASK}/output.zip/{MEMBER}']")
    nb.screenshot("search-scope-opened.png")


def test_plain_files_preview_by_byte_range(lab, page, seeded):
    base, folder = lab
    name = write_notebook(folder, "plain_previews.ipynb", [
        f"from inductiva_widgets import StorageBrowser\nb = StorageBrowser('{PLAIN}', height=600)"
        "\nb"])
    nb = Notebook(page, base, name)
    page.set_viewport_size({"width": 1260, "height": 1000})
    nb.run_all()
    expect = nb.expect
    row = grid(page).locator(f"[data-path='{PLAIN}/levels.csv']")
    expect(row).to_be_visible(timeout=60_000)
    pane = page.get_by_role("complementary", name="File preview pane")
    fetched = pane.locator(".iw-preview-fetched")

    row.click()
    expect(pane.locator(".iw-preview-table tbody tr")).to_have_count(50, timeout=30_000)
    expect(pane.locator(".iw-preview-table thead")).to_contain_text("level_m")
    expect(fetched).to_contain_text(re.compile(r"fetched [\d.]+ KiB of this [\d.]+ KiB file"))
    shots(nb, "file-preview-csv")

    # A large text file: its head, then its end; never more than a chunk each.
    grid(page).locator(f"[data-path='{PLAIN}/notes.txt']").click()
    text = pane.locator(".iw-preview-text")
    expect(text).to_contain_text("0000000 solver step ok", timeout=30_000)
    expect(fetched).to_have_attribute("data-bytes", str(64 * 1024))
    notes = region_path(seeded, f"{PLAIN}/notes.txt").read_bytes()
    last_line = notes[notes.rstrip(b"\n").rfind(b"\n") + 1 :].decode().strip()
    pane.get_by_role("button", name="Show end").click()
    expect(pane.locator(".iw-preview-range")).to_contain_text(f"of {len(notes):,}")
    expect(text).to_contain_text(last_line)
    expect(text).not_to_contain_text("0000000 solver step ok")
    assert int(fetched.get_attribute("data-bytes")) <= 64 * 1024 + 256 * 1024
    nb.screenshot("file-preview-text-tail.png")

    grid(page).locator(f"[data-path='{PLAIN}/photo.png']").click()
    image = pane.get_by_role("img", name="Image photo.png")
    expect(image).to_be_visible(timeout=30_000)
    expect(pane.locator(".iw-preview-range")).to_have_text("96 × 64 px")
    expect(fetched).to_have_attribute("data-bytes", str(len(png(96, 64))))

    grid(page).locator(f"[data-path='{PLAIN}/big.bin']").click()
    expect(pane.get_by_label("Hex dump")).to_contain_text("00000000  00 01 02 03", timeout=30_000)
    expect(fetched).to_have_text("fetched 512 B of this 8.00 MiB file")
    nb.screenshot("file-preview-hex.png")
