"""REEF3D: a numerical wave tank deck, its time-loop log, and a raw field dump."""

from __future__ import annotations

import random

from ..large_results import field_members
from ..model import Run, Simulator, Wave
from ..text import fill_template, join_lines

_REEF3D_CONTROL = """\
C 11 6
C 12 21
C 13 21
C 14 21
C 15 21
C 16 21
B 1 <<dx>>
B 10 0.0 <<length>> 0.0 1.0 0.0 1.5
M 10 8
"""

_REEF3D_CTRL = """\
A 10 6
B 29 0.5
B 90 1
B 92 2
B 93 <<height>> <<period>>
B 96 4.0 8.0
B 98 2
B 99 2
D 10 4
D 20 2
D 30 1
F 30 3
F 40 3
F 54 0.5
F 56 1.0
I 30 0
M 10 8
N 40 3
N 41 <<end>>
N 45 50000
N 47 0.2
P 10 1
P 30 0.5
P 50 4
P 51 5.0 0.5
P 51 10.0 0.5
P 51 15.0 0.5
P 51 20.0 0.5
T 10 0
W 22 -9.81
"""


def _reef3d_deck(rng: random.Random) -> dict[str, str]:
    return {
        "control.txt": fill_template(_REEF3D_CONTROL, dx=rng.choice((0.025, 0.05)),
                                     length=rng.choice((25.0, 30.0))),
        "ctrl.txt": fill_template(_REEF3D_CTRL, height=round(rng.uniform(0.04, 0.1), 3),
                                  period=round(rng.uniform(1.5, 2.5), 2), end=6.0),
    }


def _reef3d_log(run: Run) -> tuple[str, str]:
    rng = run.rng
    u, w, p = run.residuals
    lines = ["REEF3D (c) 2008-2024 Hans Bihs", ":: Open-Source Hydrodynamics", "",
             "DiveMESH grid: 2400000 cells", "starting driver", "initialize",
             "Starting NWT timeloop", ""]
    t, total, mean_dt = 0.0, 0.0, run.span / run.steps
    for i in range(run.steps):
        dt = mean_dt * rng.uniform(0.9, 1.1)
        t += dt
        step = rng.uniform(1.2, 1.6)
        total += step
        lines += [
            "------------------------------------",
            str(i + 1),
            f"simtime: {t:.6f}",
            f"timestep: {dt:.6f}",
            f"Volume 1: {30.0 * 1.0 * 0.75 + rng.gauss(0.0, 1e-4):.6f}",
            f"ptime: {0.55 * step:.4f}  piter: {rng.randrange(3, 12)}  presid: {p[i]:.4e}",
            f"utime: {0.2 * step:.4f}  uresid: {u[i]:.4e}  wresid: {w[i]:.4e}",
            f"timer per step: {step:.4f}  total time: {total:.2f}",
        ]
    lines += ["", "******************************", f"REEF3D Finished after {total:.1f} s"]
    return join_lines(lines), ""


SIMULATOR = Simulator(
    name="REEF3D", version="24.02", image="docker://inductiva/kutu:reef3d_v24.02",
    command="mpirun -np 8 REEF3D", hours=5.0, deck=_reef3d_deck, log=_reef3d_log,
    steps=420, residuals=3, extras=field_members, big="field",
    csv_path="REEF3D_CFD_WSG/gauges.csv", csv_time="time_s", csv_dt=0.001, csv_rows=6000,
    waves=tuple(Wave(f"WG{k}", amp=0.05, period=2.0, ramp=1.0, noise=0.001)
                for k in range(1, 5)),
)
