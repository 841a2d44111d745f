"""Transfers and exports from the StorageBrowser's buttons, in real JupyterLab + Chromium."""

from __future__ import annotations

import boto3
import pytest

from .conftest import Notebook, region_path, write_notebook

pytestmark = pytest.mark.ui


def grid(page):
    return page.get_by_role("grid", name="Folder contents").first


def row(page, path):
    return grid(page).locator(f"[role=row][data-path='{path}']")


def open_browser(lab, page, name, folder, start="/"):
    base, notebooks = lab
    write_notebook(notebooks, name, [
        "from inductiva_widgets import StorageBrowser\n"
        f"b = StorageBrowser({start!r}, height=620)\nb",
        "import os\nprint(sorted(os.listdir('.')))"])
    nb = Notebook(page, base, name)
    nb.run_all()
    nb.expect(grid(page).locator("[role=row][data-path]").first).to_be_visible(timeout=60_000)
    return nb


def test_download_with_progress_then_cancel_a_large_one(lab, page, demo_server):
    base, notebooks = lab
    big = region_path(demo_server, "bigdata/huge.bin")
    big.parent.mkdir(parents=True, exist_ok=True)
    with open(big, "wb") as fh:
        fh.truncate(12 * 1024**3)  # sparse: no disk used here; 12 GiB over the wire
    task = next(p.name for p in region_path(demo_server, "").iterdir()
                if (p / "output.zip").exists())
    nb = open_browser(lab, page, "transfers.ipynb", notebooks)
    expect = nb.expect

    row(page, task).click()
    page.get_by_role("button", name="Download selected").click()
    dialog = page.get_by_role("dialog")
    dialog.get_by_label("Local folder").fill("results")
    dialog.get_by_role("button", name="Show code").click()
    expect(dialog.get_by_label("Equivalent code")).to_contain_text(
        f"storage.download('{task}', 'results', decompress=True)")
    dialog.get_by_role("button", name="Start download").click()
    transfer = page.locator(".iw-transfer").filter(has_text=f"Download {task}")
    expect(transfer).to_have_attribute("data-state", "done", timeout=60_000)
    expect(transfer.get_by_role("progressbar")).to_have_attribute("aria-valuenow", "100")
    assert (notebooks / "results" / task / "output").is_dir()  # unpacked output.zip
    nb.screenshot("transfers-done.png")

    # A 12 GiB download, cancelled midway: no partial file is left.
    page.get_by_role("button", name="Go to Storage").click()
    row(page, "bigdata").dblclick()
    row(page, "bigdata/huge.bin").click()
    page.get_by_role("button", name="Download selected").click()
    page.get_by_role("dialog").get_by_label("Local folder").fill("big")
    page.get_by_role("dialog").get_by_role("button", name="Start download").click()
    running = page.locator(".iw-transfer").filter(has_text="Download bigdata/huge.bin")
    expect(running).to_have_attribute("data-state", "running", timeout=30_000)
    # Loopback moves a sparse file at GB/s: cancel as soon as it runs.
    running.get_by_role("button", name="Cancel Download bigdata/huge.bin").click()
    expect(running).to_have_attribute("data-state", "cancelled", timeout=30_000)
    leftovers = [p for p in (notebooks / "big").rglob("*") if p.is_file()]
    assert leftovers == []
    expect(running.get_by_role("button", name="Retry Download bigdata/huge.bin")).to_be_visible()
    nb.screenshot("transfers-cancelled.png")
    big.unlink()


def test_upload_through_the_browser_file_input(lab, page, demo_server, tmp_path):
    target = region_path(demo_server, "uploads_ui")
    target.mkdir(parents=True, exist_ok=True)
    (target / ".keep").write_text("")
    nb = open_browser(lab, page, "upload.ipynb", lab[1], start="uploads_ui")
    local = tmp_path / "simulation input.txt"
    local.write_bytes(b"dt=0.01\n" * 5000)
    page.get_by_role("button", name="Upload", exact=True).click()
    page.get_by_label("Choose files to upload").set_input_files(str(local))
    done = page.locator(".iw-transfer").filter(has_text="Upload simulation input.txt")
    nb.expect(done).to_have_attribute("data-state", "done", timeout=30_000)
    nb.expect(row(page, "uploads_ui/simulation input.txt")).to_be_visible(timeout=30_000)
    assert (target / "simulation input.txt").read_bytes() == local.read_bytes()


def test_export_to_local_s3(lab, page, demo_server, s3_endpoint):
    s3 = boto3.client("s3", endpoint_url=s3_endpoint, region_name="us-east-1",
                      aws_access_key_id="testing", aws_secret_access_key="testing")
    s3.create_bucket(Bucket="ui-exports")
    task = next(p.name for p in region_path(demo_server, "").iterdir()
                if (p / "output.zip").exists())
    nb = open_browser(lab, page, "export.ipynb", lab[1], start=task)
    row(page, f"{task}/output.zip").click()
    page.get_by_role("button", name="Export selected to S3").click()
    dialog = page.get_by_role("dialog")
    dialog.get_by_label("Bucket").fill("ui-exports")
    dialog.get_by_label("Part size (MiB)").fill("5")
    dialog.get_by_role("button", name="Start export").click()
    status = dialog.get_by_role("status")
    nb.expect(status).to_have_attribute("data-status", "OK", timeout=60_000)
    nb.screenshot("export-ok.png")
    body = s3.get_object(Bucket="ui-exports", Key="output.zip")["Body"].read()
    assert body == region_path(demo_server, f"{task}/output.zip").read_bytes()
    dialog.get_by_role("button", name="Close").click()
    page.get_by_role("button", name="Export operations").click()
    nb.expect(page.get_by_role("list", name="Past operations")).to_contain_text("OK")
    # A bucket that does not exist: words in the dialog, nothing lost.
    page.get_by_role("dialog").get_by_role("button", name="Close").click()
    row(page, f"{task}/output.zip").click()
    page.get_by_role("button", name="Export selected to S3").click()
    page.get_by_role("dialog").get_by_label("Bucket").fill("no-such-bucket")
    page.get_by_role("dialog").get_by_role("button", name="Start export").click()
    nb.expect(page.get_by_role("dialog").get_by_role("alert")).to_contain_text("does not exist")


def test_files_dropped_on_the_browser_are_uploaded(lab, page, demo_server):
    target = region_path(demo_server, "dropped_ui")
    target.mkdir(parents=True, exist_ok=True)
    (target / ".keep").write_text("")
    nb = open_browser(lab, page, "drop.ipynb", lab[1], start="dropped_ui")
    # A real DataTransfer with a File, dispatched as the browser does on a drop.
    page.locator(".iw-browser").first.evaluate("""el => {
        const data = new DataTransfer();
        data.items.add(new File(["dropped bytes"], "dropped.txt", {type: "text/plain"}));
        el.dispatchEvent(new DragEvent("dragover", {dataTransfer: data, bubbles: true}));
        el.dispatchEvent(new DragEvent("drop", {dataTransfer: data, bubbles: true}));
    }""")
    done = page.locator(".iw-transfer").filter(has_text="Upload dropped.txt")
    nb.expect(done).to_have_attribute("data-state", "done", timeout=30_000)
    nb.expect(done).to_have_count(1)  # uploaded once, not twice
    assert (target / "dropped.txt").read_bytes() == b"dropped bytes"
