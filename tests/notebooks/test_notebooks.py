"""Every tutorial notebook, executed headlessly against the bundled server (nbclient)."""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

from inductiva_widgets.demo import seed_demo
from inductiva_widgets.server.config import ServerConfig, user_id_for
from inductiva_widgets.server.runner import start_in_thread

NOTEBOOKS = Path(__file__).resolve().parents[2] / "notebooks"
KEY = "notebook-key"


def test_every_notebook_is_tested_and_stripped():
    found = sorted(p.name for p in NOTEBOOKS.glob("*.ipynb"))
    assert found == sorted(CASES)
    for name in found:
        nb = nbformat.read(NOTEBOOKS / name, as_version=4)
        assert all(not c.get("outputs") and not c.get("execution_count")
                   for c in nb.cells if c.cell_type == "code"), f"{name} has outputs in git"


CASES = ["01_tour.ipynb", "02_transfers.ipynb", "03_simulation_outputs.ipynb",
         "04_export_to_s3.ipynb", "05_sidebar.ipynb", "06_parameter_sweep.ipynb"]


@pytest.fixture
def demo_env(tmp_path, monkeypatch):
    seed_demo(tmp_path / "storage" / "users" / user_id_for(KEY) / "europe-west1",
              large_result_mb=2)
    with start_in_thread(ServerConfig(root=tmp_path / "storage", api_keys=[KEY],
                                      allow_private_urls=True)) as server:
        monkeypatch.setenv("INDUCTIVA_API_URL", server.url)
        monkeypatch.setenv("INDUCTIVA_API_KEY", KEY)
        (tmp_path / "home").mkdir()
        monkeypatch.setenv("HOME", str(tmp_path / "home"))
        yield server


def execute(name: str, workdir: Path) -> nbformat.NotebookNode:
    nb = nbformat.read(NOTEBOOKS / name, as_version=4)
    NotebookClient(nb, timeout=180, kernel_name="python3",
                   resources={"metadata": {"path": str(workdir)}}).execute()
    return nb


def outputs(nb) -> str:
    text = []
    for cell in nb.cells:
        for out in cell.get("outputs", []):
            text.append(out.get("text", ""))
            text.append(str(out.get("data", {}).get("text/plain", "")))
    return "\n".join(text)


@pytest.mark.parametrize("name", [n for n in CASES if n != "04_export_to_s3.ipynb"])
def test_notebook_runs(name, demo_env, tmp_path):
    nb = execute(name, tmp_path)
    text = outputs(nb)
    assert "Traceback" not in text
    if name == "02_transfers.ipynb":
        assert "21/21 files" in text and "cancelled:" in text
        # Default transfers show the notebook progress bar (a tqdm widget) and the
        # reference's messages.
        assert "application/vnd.jupyter.widget-view+json" in str(nb.cells)
        assert "Content uploaded successfully." in text
        assert "Successfully downloaded" in text
    if name == "06_parameter_sweep.ipynb":
        assert "image/png" in str(nb.cells[9].outputs) and "SWASH: Finished" in text
    if name == "03_simulation_outputs.ipynb":
        assert "image/png" in str(nb.cells[-3].outputs)


def test_export_notebook_against_local_s3(demo_env, s3, tmp_path, monkeypatch):
    s3.create_bucket(Bucket="notebook-exports")
    monkeypatch.setenv("EXPORT_BUCKET", "notebook-exports")
    nb = execute("04_export_to_s3.ipynb", tmp_path)
    assert "OK" in outputs(nb)
    keys = [o["Key"] for o in s3.list_objects_v2(Bucket="notebook-exports")["Contents"]]
    assert len(keys) == 1 and keys[0].startswith("exports/") and keys[0].endswith("output.zip")
