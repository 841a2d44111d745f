"""What makes a storage folder an Inductiva task, and what a folder's storage costs.

A task folder holds `input.zip` (its inputs, under `sim_dir/`) and `output.zip` (its
outputs, under `artifacts/`). The client, the widgets and the reference's unpacking rules
all read these names from here.
"""

from __future__ import annotations

__all__ = ["ARCHIVE_FOLDER", "TASK_FILES", "TASK_INPUT_ZIP", "TASK_OUTPUT_ZIP", "cost_share",
           "implied_folder", "is_task_listing"]

TASK_INPUT_ZIP = "input.zip"
TASK_OUTPUT_ZIP = "output.zip"
TASK_FILES = frozenset({TASK_INPUT_ZIP, TASK_OUTPUT_ZIP})
# The folder each task archive keeps its files in: paths may leave it out.
ARCHIVE_FOLDER = {TASK_OUTPUT_ZIP: "artifacts/", TASK_INPUT_ZIP: "sim_dir/"}


def implied_folder(archive: str) -> str:
    """The folder a task archive keeps its files in ("artifacts/" for output.zip), or ""."""
    return ARCHIVE_FOLDER.get(archive.rstrip("/").rsplit("/", 1)[-1], "")


def is_task_listing(names: set[str] | frozenset[str]) -> bool:
    """Whether a folder whose entries have these names is a task folder."""
    return bool(set(names) & TASK_FILES)


def cost_share(size: int | float | None, used: int, monthly_cost: float) -> float | None:
    """A part's share of the storage's monthly cost, by size; None when unknown."""
    if not size or not used:
        return None
    return monthly_cost * size / used
