"""SPlisHSPlasH: a dam-break scene, its log, and a VTK particle file as the large result."""

from __future__ import annotations

import json
import random

from ..large_results import vtk_members
from ..model import Run, Simulator, Wave
from ..text import join_lines

_UNIT_BOX_OBJ = """\
# unit box for SPlisHSPlasH boundaries
v -0.5 -0.5 -0.5
v 0.5 -0.5 -0.5
v 0.5 0.5 -0.5
v -0.5 0.5 -0.5
v -0.5 -0.5 0.5
v 0.5 -0.5 0.5
v 0.5 0.5 0.5
v -0.5 0.5 0.5
f 1 3 2
f 1 4 3
f 5 6 7
f 5 7 8
f 1 2 6
f 1 6 5
f 2 3 7
f 2 7 6
f 3 4 8
f 3 8 7
f 4 1 5
f 4 5 8
"""


def _splishsplash_deck(rng: random.Random) -> dict[str, str]:
    viscosity = rng.choice((0.01, 0.02, 0.05))
    config = {
        "Configuration": {
            "particleRadius": 0.025, "numberOfStepsPerRenderUpdate": 4, "density0": 1000,
            "simulationMethod": 4, "gravitation": [0, -9.81, 0], "cflMethod": 1,
            "cflFactor": 1, "cflMaxTimeStepSize": 0.005, "maxIterations": 100,
            "maxError": 0.01, "maxIterationsV": 100, "maxErrorV": 0.1,
            "enableDivergenceSolver": True, "boundaryHandlingMethod": 2, "stopAt": 5.0,
            "enableVTKExport": True, "dataExportFPS": 25,
            "particleAttributes": "velocity;density",
        },
        "Materials": [{"id": "Fluid", "viscosityMethod": 1, "viscosity": viscosity,
                       "colorMapType": 1}],
        "RigidBodies": [{
            "geometryFile": "models/UnitBox.obj", "translation": [0, 2, 0],
            "rotationAxis": [1, 0, 0], "rotationAngle": 0, "scale": [6, 4, 3.2],
            "color": [0.1, 0.4, 0.6, 1.0], "isDynamic": False, "isWall": True,
            "mapInvert": True, "mapThickness": 0.0, "mapResolution": [25, 25, 25],
        }],
        "FluidBlocks": [{"denseMode": 0, "start": [-2.75, 0.0, -1.55],
                         "end": [0.45, 2.0, 1.55], "translation": [0, 0, 0],
                         "scale": [1, 1, 1]}],
    }
    return {"config.json": json.dumps(config, indent=4) + "\n",
            "models/UnitBox.obj": _UNIT_BOX_OBJ}


def _splishsplash_log(run: Run) -> tuple[str, str]:
    rng = run.rng
    density, divergence = run.residuals

    def stamp(i: int) -> str:
        return f"[{run.clock(i):%H:%M:%S}]"

    lines = [
        f"{stamp(0)} [info] SPlisHSPlasH version: 2.13.1",
        f"{stamp(0)} [info] Loading scene: sim_dir/config.json",
        f"{stamp(0)} [info] Initialize fluid particles",
        f"{stamp(0)} [info] Number of particles: {rng.randrange(140000, 160000)}",
        f"{stamp(0)} [info] Initialize boundary: models/UnitBox.obj (volume maps)",
    ]
    t, mean_dt = 0.0, run.span / run.steps
    for i in range(run.steps):
        dt = mean_dt * rng.uniform(0.85, 1.15)
        t += dt
        lines.append(
            f"{stamp(i)} [info] t = {t:.4f} s, dt = {dt:.5f} s, density error (avg): "
            f"{density[i]:.5f} %, divergence error: {divergence[i]:.5f} %, "
            f"pressure iterations: {rng.randrange(2, 9)}")
        if i % 25 == 24:
            lines.append(f"{stamp(i)} [info] Export VTK frame {i // 25 + 1}")
    lines.append(f"{stamp(run.steps)} [info] Finished simulation at t = {t:.4f} s")
    return join_lines(lines), ""


SIMULATOR = Simulator(
    name="SPlisHSPlasH", version="2.13.1",
    image="docker://inductiva/kutu:splishsplash_v2.13.1",
    command="SPHSimulator sim_dir/config.json --no-gui --output-dir .", hours=3.0,
    deck=_splishsplash_deck, log=_splishsplash_log, steps=3000, residuals=2,
    extras=vtk_members, big="vtk",
    csv_path="results/probes.csv", csv_time="time_s", csv_dt=0.001, csv_rows=5000,
    waves=(Wave("h_probe1", mean=0.6, kick=1.2, tau=0.4, amp=0.3, period=1.6, decay=0.4,
                noise=0.01),
           Wave("h_probe2", mean=0.6, kick=-0.5, tau=0.6, amp=0.25, period=1.6, decay=0.4,
                noise=0.01),
           Wave("h_probe3", mean=0.6, amp=0.2, period=1.6, ramp=0.5, decay=0.3,
                noise=0.01),
           Wave("kinetic_energy_J", mean=40.0, kick=900.0, tau=1.2, amp=20.0, period=0.8,
                decay=0.5, noise=2.0)),
)
