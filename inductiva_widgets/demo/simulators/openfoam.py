"""OpenFOAM: the solver log (and the fatal error of the run that fails), and its table row."""

from __future__ import annotations

from ..model import Run, Simulator, Wave
from ..text import MONTH_NAMES, join_lines
from .openfoam_case import FOAM_BANNER, openfoam_deck


def _foam_preamble(run: Run) -> list[str]:
    p = run.plan
    banner = [line.replace("*- C++ -*", "-" * 9) for line in FOAM_BANNER]
    return [
        *banner,
        "Build  : _9bfe8264-20240625 OPENFOAM=2406 version=v2406",
        'Arch   : "LSB;label=32;scalar=64"',
        f"Exec   : {p.sim.command.split(' ', 3)[-1]}",
        f"Date   : {MONTH_NAMES[p.started.month - 1]} {p.started.day:02d} {p.started.year}",
        f"Time   : {p.started:%H:%M:%S}",
        f"Host   : inductiva-{p.task_id[:8]}",
        f"PID    : {run.rng.randrange(200, 900)}",
        "I/O    : uncollated",
        "Case   : /workdir/output/artifacts",
        "nProcs : 8",
        "trapFpe: Floating point exception trapping enabled (FOAM_SIGFPE).",
        "// " + "* " * 37 + "//",
        "Create time", "", "Create mesh for time = 0", "",
        "PIMPLE: no residual control data found. Calculations will employ 1 corrector loop", "",
        "Reading field p", "", "Reading field U", "", "Reading/calculating face flux field phi",
        "", "Selecting incompressible transport model Newtonian",
        "Selecting turbulence model type laminar", "Selecting laminar stress model Stokes",
        "No MRF models present", "", "Courant Number mean: 0 max: 0", "",
        "Starting time loop", "",
    ]


def _openfoam_log(run: Run) -> tuple[str, str]:
    rng, dt = run.rng, run.span / run.steps  # adjustable deltaT: the log covers the CSV's span
    lines = _foam_preamble(run)
    ux, uy, p = run.residuals
    cumulative = 0.0
    for i in range(run.steps):
        co = (0.78 + 0.08 * rng.random()) * run.growth[i]
        local = p[i] * 1e-4
        cumulative += rng.gauss(0.0, local * 1e-12)
        seconds = (run.clock(i + 1) - run.plan.started).total_seconds()
        lines += [
            f"Courant Number mean: {co * 0.31:.6g} max: {co:.6g}",
            f"Time = {(i + 1) * dt:.6g}",
            "",
            f"smoothSolver:  Solving for Ux, Initial residual = {ux[i]:.6g}, "
            f"Final residual = {ux[i] * 1e-3:.6g}, No Iterations {rng.randrange(2, 6)}",
            f"smoothSolver:  Solving for Uy, Initial residual = {uy[i]:.6g}, "
            f"Final residual = {uy[i] * 1e-3:.6g}, No Iterations {rng.randrange(2, 6)}",
            f"DICPCG:  Solving for p, Initial residual = {p[i]:.6g}, "
            f"Final residual = {p[i] * 0.04:.6g}, No Iterations {rng.randrange(20, 90)}",
            f"time step continuity errors : sum local = {local:.6g}, "
            f"global = {rng.gauss(0.0, local * 1e-10):.6g}, cumulative = {cumulative:.6g}",
            f"DICPCG:  Solving for p, Initial residual = {p[i] * 0.3:.6g}, "
            f"Final residual = {p[i] * 3e-4:.6g}, No Iterations {rng.randrange(60, 160)}",
            f"ExecutionTime = {seconds:.2f} s  ClockTime = {round(seconds)} s",
            "",
        ]
    if run.plan.failed:
        return join_lines(lines), _foam_fatal(run, run.span + 0.5 * dt)
    lines += ["End", "", "Finalising parallel run"]
    return join_lines(lines), ""


def _foam_fatal(run: Run, t: float) -> str:
    r = run.rng.randrange(8)
    body = [
        "", "", "--> FOAM FATAL ERROR: (openfoam-2406)",
        f"Maximum number of iterations exceeded: 1000 while solving for p at time {t:.6g}",
        "", "    From Foam::SolverPerformance<Type> Foam::fvMatrix<Type>::solveSegregated"
        "(const Foam::dictionary&) [with Type = double]",
        "    in file fvMatrices/fvMatrix/fvMatrixSolve.C at line 228.", "",
        "FOAM parallel run exiting", "",
    ]
    warning = [
        "--> FOAM Warning :",
        "    From Foam::scalar Foam::CourantNo::maxCourant() const",
        f"    Courant number {20 * run.growth[-1]:.4g} exceeds maxCo 0.9; reduce deltaT",
        "",
    ]
    return join_lines(warning + [f"[{r}] {line}".rstrip() for line in body])


SIMULATOR = Simulator(
    name="OpenFOAM", version="v2406", image="docker://inductiva/kutu:openfoam-esi_v2406",
    command="mpirun -np 8 pimpleFoam -parallel", hours=2.5, deck=openfoam_deck,
    log=_openfoam_log, steps=350, residuals=3, fails=True,
    csv_path="postProcessing/forces/0/forces.csv", csv_time="Time", csv_dt=0.0005,
    csv_rows=8000,
    waves=(Wave("Fx", mean=1.32, kick=2.5, tau=0.05, amp=0.04, period=0.25, ramp=0.8,
                noise=0.003),
           Wave("Fy", amp=0.9, period=0.5, ramp=1.0, noise=0.004),
           Wave("Fz", noise=1e-6),
           Wave("Cd", mean=1.35, kick=2.5, tau=0.05, amp=0.04, period=0.25, ramp=0.8,
                noise=0.003),
           Wave("Cl", amp=0.92, period=0.5, ramp=1.0, noise=0.004)),
)
