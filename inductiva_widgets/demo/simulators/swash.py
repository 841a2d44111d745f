"""SWASH: a 1D wave flume over a sloping beach: deck, bathymetry, log and PRINT file."""

from __future__ import annotations

import random
from zipfile import ZIP_STORED

from ..model import Member, Run, Simulator, Wave
from ..text import fill_template, join_lines

_SWASH_INPUT = """\
$***************************** HEADING *****************************
PROJ 'flume' '001'
$ Regular waves over a sloping beach in a 1D flume
$***************************** MODEL INPUT *************************
SET LEVEL 0.0 GRAV 9.81
MODE NONSTATIONARY ONEDIMENSIONAL
CGRID REGULAR 0. 0. 0. <<length>> 0. <<cells>> 0
VERT 2
INPGRID BOTTOM REGULAR 0. 0. 0. <<cells>> 0 <<dx>> 1.
READINP BOTTOM 1. 'bathymetry.bot' 1 0 FREE
INIT ZERO
BOUND SHAPE
BOUNDCOND SIDE WEST BTYPE WEAK CON REGULAR <<height>> <<period>>
SPONGE EAST 10.
NONHYDROSTATIC BOX 1.
FRICTION MANNING 0.019
DISCRET UPW MOM
TIMEI 0.1 0.5
$***************************** OUTPUT REQUESTS *********************
QUANTITY XP hexp=10.
POINTS 'gauges' 10. 0. 20. 0. 30. 0.
TABLE 'gauges' HEAD 'gauges.tbl' TSEC WATL VEL OUTPUT 000000.000 0.05 SEC
TEST 1,0
COMPUTE 000000.000 0.005 SEC 000300.000
STOP
"""


def _swash_deck(rng: random.Random) -> dict[str, str]:
    cells, dx = 800, 0.05
    deck = fill_template(_SWASH_INPUT, length=cells * dx, cells=cells, dx=dx,
                         height=round(rng.uniform(0.05, 0.15), 3),
                         period=round(rng.uniform(2.0, 3.0), 2))
    offshore = rng.uniform(0.6, 0.8)
    depths = [max(offshore - max(0.0, i * dx - 20.0) / 25.0, -0.2) for i in range(cells + 1)]
    rows = [" ".join(f"{d:8.4f}" for d in depths[k:k + 10]) for k in range(0, len(depths), 10)]
    return {"INPUT": deck, "bathymetry.bot": join_lines(rows)}


def _swash_log(run: Run) -> tuple[str, str]:
    rng = run.rng
    momentum, pressure = run.residuals
    lines = ["", " SWASH is preparing computation", ""]
    every = max(1, round(run.span / 0.005 / run.steps))  # compute steps between progress lines
    for i in range(run.steps):
        step = (i + 1) * every
        seconds = step * 0.005
        clock = f"{int(seconds // 3600):04d}:{int(seconds % 3600 // 60):02d}:{seconds % 60:06.3f}"
        lines.append(
            f" +time {clock}, step {step:8d}; iterations {rng.randrange(2, 7):3d}, "
            f"residual {pressure[i]:.3E}, momentum {momentum[i]:.3E}, "
            f"max. Courant {0.35 + 0.1 * rng.random():.4f}")
    lines += ["", " SWASH: Finished computation", ""]
    warnings = [f" ** Warning : Courant number exceeds 0.8 at step {rng.randrange(1000, 9000)}",
                " ** Warning : Dry cells at the eastern boundary; check bathymetry"]
    return join_lines(lines), join_lines(warnings)


def _swash_extras(run: Run) -> list[Member]:
    deck = _swash_deck(random.Random(run.plan.seed))["INPUT"]
    echo = ["SWASH version 10.05 (PRINT file)", "", *deck.splitlines(), "",
            "Number of wet grid points: 780", "Computation finished."]
    # A stored text member, alongside output_files.txt.
    return [Member("artifacts/PRINT", join_lines(echo).encode(), ZIP_STORED)]


SIMULATOR = Simulator(
    name="SWASH", version="10.05", image="docker://inductiva/kutu:swash_v10.05",
    command="swashrun -input INPUT -mpi 8", hours=0.8, deck=_swash_deck,
    log=_swash_log, steps=2500, residuals=2, extras=_swash_extras,
    csv_path="results/gauges.csv", csv_time="time_s", csv_dt=0.05, csv_rows=6000,
    waves=(Wave("eta_x10", amp=0.1, period=2.5, ramp=10.0, noise=0.003),
           Wave("eta_x20", amp=0.12, period=2.5, ramp=12.0, noise=0.003),
           Wave("eta_x30", amp=0.15, period=2.5, ramp=14.0, noise=0.004),
           Wave("u_x20", amp=0.35, period=2.5, ramp=12.0, noise=0.01)),
)
