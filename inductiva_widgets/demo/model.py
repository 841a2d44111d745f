"""The demo's data model: archive members, CSV columns, simulators, planned tasks and runs."""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from zipfile import ZIP_DEFLATED


@dataclass(frozen=True)
class Member:
    """One archive member: in-memory bytes, or a chunk stream for the large results."""

    name: str
    data: bytes = b""
    method: int = ZIP_DEFLATED
    stream: Callable[[], Iterator[bytes]] | None = None
    stream_size: int = 0
    when: datetime | None = None

    @property
    def size(self) -> int:
        """Uncompressed size in bytes."""
        return self.stream_size if self.stream is not None else len(self.data)


@dataclass(frozen=True)
class Wave:
    """One CSV column: mean + initial transient + ramped, damped oscillation + noise."""

    name: str
    mean: float = 0.0
    kick: float = 0.0
    tau: float = 1.0
    amp: float = 0.0
    period: float = 1.0
    ramp: float = 0.0
    decay: float = 0.0
    noise: float = 0.0


@dataclass(frozen=True)
class Simulator:
    """How one simulator's task looks: its deck, its log, its CSV and its extra members."""

    name: str
    version: str
    image: str
    command: str
    hours: float
    deck: Callable[[random.Random], dict[str, str]]
    log: Callable[[Run], tuple[str, str]]
    steps: int
    residuals: int
    csv_path: str
    csv_time: str
    csv_dt: float
    csv_rows: int
    waves: tuple[Wave, ...]
    extras: Callable[[Run], list[Member]] | None = None
    big: str = ""  # "", "field" or "vtk": which large result this simulator writes
    fails: bool = False
    dir_entries: bool = False


@dataclass(frozen=True)
class TaskPlan:
    """One task decided before any writing: its id, simulator, seed, times and machine."""

    task_id: str
    sim: Simulator
    seed: int
    submitted: datetime
    started: datetime
    ended: datetime
    machine: str
    big_bytes: int

    @property
    def failed(self) -> bool:
        """Whether this task ends in an error (its simulator is the one that fails)."""
        return self.sim.fails


@dataclass
class Run:
    """What a simulator's log and extras draw on; the residuals feed both log and plot."""

    plan: TaskPlan
    rng: random.Random
    steps: int
    residuals: list[list[float]]
    growth: list[float]
    span: float  # simulated seconds covered, shared by the log and the CSV

    def clock(self, i: int) -> datetime:
        """Wall-clock time of step ``i``, spread evenly over the run."""
        span = (self.plan.ended - self.plan.started).total_seconds()
        return self.plan.started + timedelta(seconds=span * i / max(self.steps, 1))
