"""XBeach: a cross-shore storm profile: params.txt, bed, log, XBlog and XBwarning."""

from __future__ import annotations

import math
import random
from zipfile import ZIP_STORED

from ..model import Member, Run, Simulator, Wave
from ..text import ctime, fill_template, join_lines

_XBEACH_PARAMS = """\
%%% XBeach parameter settings input file                                     %%%
%%%                                                                          %%%
%%% Cross-shore profile, storm conditions                                    %%%

%%% Grid parameters %%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%

depfile    = bed.dep
posdwn     = 0
nx         = <<nx>>
ny         = 0
alfa       = 0
vardx      = 0
dx         = <<dx>>
dy         = 0
xori       = 0
yori       = 0
thetamin   = -90
thetamax   = 90
dtheta     = 180
thetanaut  = 0

%%% Model time %%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%

tstop      = 3600
CFL        = 0.7

%%% Physical processes %%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%

wavemodel  = surfbeat
sedtrans   = 1
morphology = 1
morfac     = 10

%%% Wave boundary condition parameters %%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%

wbctype    = parametric
Hm0        = <<hm0>>
Tp         = <<tp>>
mainang    = 270
gammajsp   = 3.3
s          = 10
fnyq       = 0.3

%%% Output variables %%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%

outputformat = netcdf
tintg      = 60
tintp      = 1
nglobalvar = 4
zs
zb
H
u
npoints    = 1
<<gauge>> 0 gauge1
npointvar  = 4
zs
H
ue
ve
"""


def _xbeach_deck(rng: random.Random) -> dict[str, str]:
    nx, dx = 250, 2.0
    params = fill_template(_XBEACH_PARAMS, nx=nx, dx=dx, hm0=round(rng.uniform(2.0, 4.5), 2),
                           tp=round(rng.uniform(8.0, 14.0), 1), gauge=round(nx * dx * 0.7))
    bar = rng.uniform(320.0, 380.0)
    bed = [-12.0 + 0.028 * x * dx + 0.8 * math.exp(-(((x * dx - bar) / 25.0) ** 2))
           for x in range(nx + 1)]
    rows = [" ".join(f"{z:9.3f}" for z in bed[k:k + 10]) for k in range(0, len(bed), 10)]
    return {"params.txt": params, "bed.dep": join_lines(rows)}


def _xbeach_log(run: Run) -> tuple[str, str]:
    rng = run.rng
    lines = [
        "  **********************************************************",
        "                     Welcome to XBeach", "",
        "               version 1.24.6057 XBeachX release", "",
        "  **********************************************************", "",
        "  Simulation started: " + ctime(run.plan.started), "",
        "  Reading input parameters: ", "   XBeach reading from params.txt",
        "  Initializing .....", "  Setting up boundary conditions", "",
    ]
    wall = (run.plan.ended - run.plan.started).total_seconds()
    for i in range(run.steps):
        done = 100.0 * (i + 1) / run.steps
        left = wall * (1.0 - done / 100.0)
        lines += [
            f"  Simulation {done:5.1f} percent complete. Average dt "
            f"{0.45 + 0.1 * rng.random():.3f} seconds",
            f"  Time remaining {int(left // 3600)} hours and {int(left % 3600 // 60)} minutes",
        ]
    lines += ["", "  Finished simulation", "  End of program xbeach"]
    return join_lines(lines), ""


def _xbeach_extras(run: Run) -> list[Member]:
    xblog = [f"  XBeach run {run.plan.task_id}", "  Finished at " + ctime(run.plan.ended)]
    warnings = ["  Warning: wave breaking parameter gamma not set, using default 0.55",
                "  Warning: fnyq is larger than 2/Tp; spectrum truncated"]
    return [
        Member("artifacts/XBlog.txt", join_lines(xblog).encode()),
        Member("artifacts/XBwarning.txt", join_lines(warnings).encode(), ZIP_STORED),
    ]


SIMULATOR = Simulator(
    name="XBeach", version="1.24", image="docker://inductiva/kutu:xbeach_v1.24",
    command="mpirun -np 8 xbeach params.txt", hours=1.2, deck=_xbeach_deck,
    log=_xbeach_log, steps=1500, residuals=2, extras=_xbeach_extras, dir_entries=True,
    csv_path="results/point_output.csv", csv_time="time_s", csv_dt=1.0, csv_rows=3600,
    waves=(Wave("zs", mean=0.2, amp=0.15, period=90.0, noise=0.02),
           Wave("H", mean=1.2, amp=0.3, period=240.0, noise=0.08),
           Wave("ue", mean=-0.15, amp=0.3, period=90.0, noise=0.03),
           Wave("ve", noise=0.02)),
)
