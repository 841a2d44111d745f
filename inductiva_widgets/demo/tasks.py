"""Task folders: which runs exist, and each one's input.zip, output.zip and metadata.json."""

from __future__ import annotations

import json
import random
from collections.abc import Sequence
from datetime import datetime, timedelta
from pathlib import Path
from zipfile import ZIP_STORED

from .archives import write_zip
from .files import write_bytes
from .model import Member, Run, TaskPlan
from .plot import residual_plot
from .series import residual_history, timeseries_csv
from .simulators import SIMULATORS
from .text import iso

_SMALL_RESULT_BYTES = 4 * 1024 * 1024
_ID_ALPHABET = "abcdefghijklmnopqrstuvwxyz0123456789"
_ID_LENGTH = 25
# About one run a week over six weeks, so sorting and filtering by date has something to show.
_TASK_DAYS_AGO = (41.0, 34.0, 26.0, 18.0, 10.0, 3.0)
_MACHINES = (
    "c2-standard-8",
    "c2-standard-16",
    "c2d-highcpu-16",
    "c2d-highcpu-32",
    "n2-standard-8",
    "c3-standard-22",
)


def plan_tasks(rng: random.Random, now: datetime, large_bytes: int) -> list[TaskPlan]:
    """One task per simulator, in shuffled order, spread over the six weeks before ``now``."""
    sims = list(SIMULATORS)
    rng.shuffle(sims)
    plans = []
    for days_ago, sim in zip(_TASK_DAYS_AGO, sims, strict=True):
        task_id = "".join(rng.choice(_ID_ALPHABET) for _ in range(_ID_LENGTH))
        submitted = now - timedelta(days=days_ago + rng.uniform(-1.5, 1.5))
        started = submitted + timedelta(seconds=rng.uniform(20.0, 240.0))
        hours = sim.hours * rng.uniform(0.7, 1.3) * (0.2 if sim.fails else 1.0)
        big = {"field": large_bytes, "vtk": min(_SMALL_RESULT_BYTES, large_bytes // 2)}
        plans.append(TaskPlan(
            task_id=task_id,
            sim=sim,
            seed=rng.getrandbits(64),
            submitted=submitted,
            started=started,
            ended=started + timedelta(hours=hours),
            machine=rng.choice(_MACHINES),
            big_bytes=big.get(sim.big, 0),
        ))
    return plans


def write_task(plan: TaskPlan, folder: Path) -> None:
    """Fill ``folder`` with the task's ``input.zip``, ``output.zip`` and ``metadata.json``."""
    rng = random.Random(plan.seed)
    sim = plan.sim
    deck = sim.deck(rng)
    inputs = [Member(f"sim_dir/{path}", text.encode()) for path, text in deck.items()]
    # The deck was last edited a little before it was uploaded.
    edited = plan.submitted - timedelta(minutes=rng.uniform(3.0, 90.0))
    write_zip(folder / "input.zip", inputs, member_time=edited, file_time=plan.submitted)
    uploaded = plan.ended + timedelta(seconds=rng.uniform(30.0, 180.0))
    write_zip(folder / "output.zip", _task_outputs(plan, rng), member_time=plan.ended,
              file_time=uploaded, dir_entries=sim.dir_entries)
    meta = json.dumps(_metadata(plan, folder), indent=2) + "\n"
    write_bytes(folder / "metadata.json", meta.encode(), uploaded + timedelta(seconds=4))


def _task_outputs(plan: TaskPlan, rng: random.Random) -> list[Member]:
    sim = plan.sim
    steps = sim.steps // 5 if plan.failed else sim.steps
    rows = max(2000, sim.csv_rows // 4) if plan.failed else sim.csv_rows
    residuals, growth = residual_history(rng, steps, sim.residuals, failing=plan.failed)
    run = Run(plan, rng, steps, residuals, growth, span=rows * sim.csv_dt)
    stdout, stderr = sim.log(run)
    members = [
        Member("artifacts/stdout.txt", stdout.encode()),
        Member("artifacts/stderr.txt", stderr.encode()),
        Member(f"artifacts/{sim.csv_path}",
               timeseries_csv(rng, sim.csv_time, sim.csv_dt, rows, sim.waves)),
        Member("artifacts/plots/residuals.png", residual_plot(residuals), ZIP_STORED),
        *(sim.extras(run) if sim.extras else ()),
    ]
    members.append(_listing(members, plan.ended))
    return members


def _listing(members: Sequence[Member], when: datetime) -> Member:
    lines = [f"{m.size:>12}  {when:%Y-%m-%d %H:%M}  {m.name}" for m in members]
    # Stored on purpose: the archives should hold an uncompressed text member too.
    return Member("artifacts/output_files.txt", ("\n".join(lines) + "\n").encode(), ZIP_STORED)


def _metadata(plan: TaskPlan, folder: Path) -> dict[str, object]:
    sim = plan.sim
    meta: dict[str, object] = {
        "task_id": plan.task_id,
        "simulator": sim.name,
        "simulator_version": sim.version,
        "container_image": sim.image,
        "command": sim.command,
        "machine_type": plan.machine,
        "status": "failed" if plan.failed else "success",
        "create_time": iso(plan.submitted - timedelta(seconds=12)),
        "input_submit_time": iso(plan.submitted),
        "start_time": iso(plan.started),
        "end_time": iso(plan.ended),
        "computation_seconds": round((plan.ended - plan.started).total_seconds(), 1),
        "input_size_bytes": (folder / "input.zip").stat().st_size,
        "output_size_bytes": (folder / "output.zip").stat().st_size,
    }
    if plan.failed:
        meta["error_detail"] = f"Command '{sim.command}' exited with code 1; see stderr.txt"
    return meta
