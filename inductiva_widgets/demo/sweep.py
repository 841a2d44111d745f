"""A parameter sweep: six SWASH runs of one flume, differing only in the incident wave height.

Each run is an ordinary task folder (``input.zip`` whose ``sim_dir/INPUT`` names its wave
height, ``output.zip`` with ``artifacts/stdout.txt`` and the gauge table
``artifacts/results/gauges.csv``), so gathering one member across them (``storage.gather``)
shows curves that grow with the height. The sweep draws from its own random generator, so
adding it leaves every other demo byte unchanged.
"""

from __future__ import annotations

import dataclasses
import random
import re
from collections.abc import Callable
from datetime import datetime, timedelta
from functools import partial
from pathlib import Path

from .files import build_folder
from .model import Member, Run, Simulator, TaskPlan, Wave
from .simulators.swash import SIMULATOR as SWASH
from .simulators.swash import _swash_deck
from .tasks import write_task
from .text import join_lines

__all__ = ["SWEEP_HEIGHTS", "plan_sweep", "write_sweep"]

SWEEP_HEIGHTS = (0.04, 0.06, 0.08, 0.10, 0.12, 0.14)  # incident wave height, metres
_PERIOD = 2.5  # seconds, the same for every run
_DAYS_AGO = 47.0  # submitted together, before the other demo tasks
_ID_ALPHABET = "abcdefghijklmnopqrstuvwxyz0123456789"
_BOUNDCOND = re.compile(r"(BOUNDCOND SIDE WEST BTYPE WEAK CON REGULAR) \S+ \S+")


def _deck(height: float) -> Callable[[random.Random], dict[str, str]]:
    def deck(rng: random.Random) -> dict[str, str]:
        files = _swash_deck(rng)
        files["INPUT"] = _BOUNDCOND.sub(rf"\1 {height:.3f} {_PERIOD:.2f}", files["INPUT"])
        return files

    return deck


def _extras(height: float) -> Callable[[Run], list[Member]]:
    def extras(run: Run) -> list[Member]:
        deck = _deck(height)(random.Random(run.plan.seed))["INPUT"]
        echo = ["SWASH version 10.05 (PRINT file)", "", *deck.splitlines(), "",
                f"Incident wave height: {height:.3f} m", "Computation finished."]
        return [Member("artifacts/PRINT", join_lines(echo).encode(), 0)]

    return extras


def _simulator(height: float) -> Simulator:
    """SWASH with this wave height: surface elevations scale with it and grow as the waves
    shoal towards the beach; the steepest waves also set up a mean level near the shore."""
    amp = height / 2
    waves = (Wave("eta_x10", amp=amp, period=_PERIOD, ramp=10.0, noise=0.002),
             Wave("eta_x20", amp=amp * 1.15, period=_PERIOD, ramp=12.0, noise=0.002),
             Wave("eta_x30", mean=0.4 * height**2 * 10, amp=amp * 1.4, period=_PERIOD,
                  ramp=14.0, noise=0.003),
             Wave("u_x20", amp=amp * 3.0, period=_PERIOD, ramp=12.0, noise=0.008))
    return dataclasses.replace(SWASH, deck=_deck(height), extras=_extras(height), waves=waves)


def plan_sweep(seed: int, now: datetime) -> list[TaskPlan]:
    """One plan per height, submitted within minutes of each other."""
    rng = random.Random(f"sweep-{seed}")
    submitted = now - timedelta(days=_DAYS_AGO)
    # One seed for all: the same bathymetry and the same incident wave train (phases,
    # noise), so the runs differ by their height alone, as in a real sweep.
    run_seed = rng.getrandbits(64)
    plans = []
    for i, height in enumerate(SWEEP_HEIGHTS):
        task_id = "".join(rng.choice(_ID_ALPHABET) for _ in range(25))
        at = submitted + timedelta(seconds=20 * i)
        started = at + timedelta(seconds=rng.uniform(20.0, 90.0))
        hours = SWASH.hours * rng.uniform(0.9, 1.1) * (1 + height)
        plans.append(TaskPlan(task_id=task_id, sim=_simulator(height), seed=run_seed,
                              submitted=at, started=started,
                              ended=started + timedelta(hours=hours),
                              machine="c2d-highcpu-16", big_bytes=0))
    return plans


def write_sweep(root: Path, seed: int, now: datetime) -> list[str]:
    """Write the sweep's task folders under ``root``; return those created (not existing)."""
    return [p.task_id for p in plan_sweep(seed, now)
            if build_folder(root, p.task_id, partial(write_task, p))]
