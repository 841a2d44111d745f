"""Generated numbers: residual histories (for logs and plots) and CSV time series."""

from __future__ import annotations

import csv
import io
import math
import random
from collections.abc import Sequence

from .model import Wave


def residual_history(
    rng: random.Random, steps: int, series: int, *, failing: bool
) -> tuple[list[list[float]], list[float]]:
    """Noisy, decaying residuals; a failing run blows up over its last fifth."""
    onset = int(steps * 0.8) if failing else steps
    growth = [1.0 if i < onset else 1.4 ** (i - onset) for i in range(steps)]
    history = []
    for _ in range(series):
        start = 10 ** rng.uniform(-0.4, 0.0)
        floor = 10 ** rng.uniform(-5.5, -3.5)
        rate = rng.uniform(5.0, 9.0) / steps
        history.append([
            min((start * math.exp(-rate * i) + floor) * 10 ** rng.gauss(0.0, 0.08), 1.0)
            * growth[i]
            for i in range(steps)
        ])
    return history, growth


def _wave_at(wave: Wave, t: float, phase: float, rng: random.Random) -> float:
    value = wave.mean + wave.kick * math.exp(-t / wave.tau)
    if wave.amp:
        envelope = math.exp(-wave.decay * t)
        if wave.ramp:
            envelope *= 1.0 - math.exp(-t / wave.ramp)
        value += wave.amp * envelope * math.sin(math.tau * t / wave.period + phase)
    if wave.noise:
        value += rng.gauss(0.0, wave.noise)
    return value


def timeseries_csv(
    rng: random.Random, time_name: str, dt: float, rows: int, waves: Sequence[Wave]
) -> bytes:
    """A CSV with a time column (step ``dt``) and one column per wave, ``rows`` rows long."""
    phases = [rng.uniform(0.0, math.tau) for _ in waves]
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow([time_name, *(w.name for w in waves)])
    for i in range(rows):
        t = i * dt
        values = (_wave_at(w, t, ph, rng) for w, ph in zip(waves, phases, strict=True))
        writer.writerow([f"{t:.6g}", *(f"{v:.6g}" for v in values)])
    return out.getvalue().encode()
