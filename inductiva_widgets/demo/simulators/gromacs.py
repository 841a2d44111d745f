"""GROMACS: an SPC/E water box deck, the mdrun log, md.log and the final coordinates."""

from __future__ import annotations

import math
import random
from zipfile import ZIP_BZIP2, ZIP_LZMA

from ..model import Member, Run, Simulator, Wave
from ..text import ctime, fill_template, join_lines

_GROMACS_MDP = """\
; md.mdp - NPT production run of an SPC/E water box
title                    = SPC/E water box, <<temp>> K
integrator               = md
dt                       = 0.002
nsteps                   = 250000      ; 500 ps
nstxout-compressed       = 5000
nstenergy                = 50
nstlog                   = 1000
cutoff-scheme            = Verlet
nstlist                  = 10
rlist                    = 0.9
coulombtype              = PME
rcoulomb                 = 0.9
vdwtype                  = Cut-off
rvdw                     = 0.9
DispCorr                 = EnerPres
fourierspacing           = 0.12
pme-order                = 4
tcoupl                   = V-rescale
tc-grps                  = System
tau-t                    = 0.1
ref-t                    = <<temp>>
pcoupl                   = C-rescale
pcoupltype               = isotropic
tau-p                    = 2.0
ref-p                    = 1.0
compressibility          = 4.5e-5
constraints              = h-bonds
constraint-algorithm     = lincs
gen-vel                  = yes
gen-temp                 = <<temp>>
gen-seed                 = <<gseed>>
pbc                      = xyz
"""

_GROMACS_TOP = """\
; topol.top - <<n>> SPC/E waters
#include "oplsaa.ff/forcefield.itp"
#include "oplsaa.ff/spce.itp"

#ifdef POSRES_WATER
; Position restraint for each water oxygen
[ position_restraints ]
;  i funct       fcx        fcy        fcz
   1    1       1000       1000       1000
#endif

#include "oplsaa.ff/ions.itp"

[ system ]
; Name
SPC/E water box

[ molecules ]
; Compound        #mols
SOL               <<n>>
"""

_WATER_SIDE = 6
_BOX_NM = 1.86206


def _gro(rng: random.Random, title: str, velocities: bool) -> str:
    """A .gro box of SPC/E waters on a jittered lattice with H-O-H at 109.47 degrees."""
    lines = [title, f"{3 * _WATER_SIDE ** 3:5d}"]
    spacing, half = _BOX_NM / _WATER_SIDE, math.radians(109.47) / 2
    for mol in range(_WATER_SIDE ** 3):
        ox = [((mol // _WATER_SIDE ** k) % _WATER_SIDE + 0.5) * spacing + rng.gauss(0, 0.02)
              for k in range(3)]
        a, b = _orthonormal_pair(rng)
        atoms = {
            "OW": ox,
            "HW1": [o + 0.1 * (math.cos(half) * ai + math.sin(half) * bi)
                    for o, ai, bi in zip(ox, a, b, strict=True)],
            "HW2": [o + 0.1 * (math.cos(half) * ai - math.sin(half) * bi)
                    for o, ai, bi in zip(ox, a, b, strict=True)],
        }
        for k, (atom, pos) in enumerate(atoms.items()):
            line = f"{mol + 1:5d}{'SOL':<5}{atom:>5}{3 * mol + k + 1:5d}"
            line += "".join(f"{c:8.3f}" for c in pos)
            if velocities:
                line += "".join(f"{rng.gauss(0, 0.5):8.4f}" for _ in range(3))
            lines.append(line)
    lines.append(f"{_BOX_NM:10.5f}{_BOX_NM:10.5f}{_BOX_NM:10.5f}")
    return join_lines(lines)


def _orthonormal_pair(rng: random.Random) -> tuple[list[float], list[float]]:
    a = [rng.gauss(0, 1) for _ in range(3)]
    norm = math.sqrt(sum(c * c for c in a)) or 1.0
    a = [c / norm for c in a]
    helper = [0.0, 0.0, 1.0] if abs(a[2]) < 0.9 else [1.0, 0.0, 0.0]
    b = [a[1] * helper[2] - a[2] * helper[1], a[2] * helper[0] - a[0] * helper[2],
         a[0] * helper[1] - a[1] * helper[0]]
    norm = math.sqrt(sum(c * c for c in b))
    return a, [c / norm for c in b]


def _gromacs_deck(rng: random.Random) -> dict[str, str]:
    temp = rng.choice((298, 300, 310))
    return {
        "md.mdp": fill_template(_GROMACS_MDP, temp=temp, gseed=rng.randrange(1, 99999)),
        "topol.top": fill_template(_GROMACS_TOP, n=_WATER_SIDE ** 3),
        "conf.gro": _gro(rng, "SPC/E water box (216 molecules)", velocities=False),
    }


_GMX_TERMS = (("LJ (SR)", 1650.0, 25.0), ("Coulomb (SR)", -11850.0, 60.0),
              ("Coul. recip.", 45.0, 2.0), ("Potential", -10155.0, 55.0),
              ("Kinetic En.", 1795.0, 30.0), ("Total Energy", -8360.0, 45.0),
              ("Conserved En.", -8362.0, 2.0), ("Temperature", 300.0, 5.0),
              ("Pressure (bar)", 1.0, 350.0), ("Constr. rmsd", 0.0, 0.0))


def _gromacs_block(run: Run, i: int) -> list[str]:
    step = (i + 1) * 1000
    values = [mean + run.rng.gauss(0.0, sd) for _, mean, sd in _GMX_TERMS]
    values[-1] = run.residuals[0][i] * 1e-4
    names = [f"{n:>15}" for n, _, _ in _GMX_TERMS]
    nums = [f"{v:15.6e}" for v in values]
    return [
        "           Step           Time",
        f"{step:15d}{step * 0.002:15.5f}", "",
        "   Energies (kJ/mol)",
        "".join(names[:5]), "".join(nums[:5]),
        "".join(names[5:]), "".join(nums[5:]), "",
    ]


def _gromacs_log(run: Run) -> tuple[str, str]:
    p = run.plan
    lines = [
        "                      :-) GROMACS - gmx mdrun, 2024.2 (-:", "",
        "Executable:   /usr/local/gromacs/bin/gmx", "Data prefix:  /usr/local/gromacs",
        "Working dir:  /workdir/output/artifacts", "Command line:", f"  {p.sim.command}", "",
        "Reading file md.tpr, VERSION 2024.2 (single precision)",
        "Using 1 MPI thread", "Using 8 OpenMP threads", "",
        "starting mdrun 'SPC/E water box'", "250000 steps,    500.0 ps.", "",
    ]
    for i in range(run.steps):
        lines += _gromacs_block(run, i)
    wall = (p.ended - p.started).total_seconds()
    lines += [
        "Writing final coordinates.", "",
        "               Core t (s)   Wall t (s)        (%)",
        f"       Time:{wall * 8:13.3f}{wall:13.3f}        800.0",
        "                 (ns/day)    (hour/ns)",
        f"Performance:{0.5 * 86400 / wall:13.3f}{wall / 1800:13.3f}", "",
        f"Finished mdrun on rank 0 {ctime(p.ended)}",
    ]
    notes = [
        "NOTE: The number of threads is not equal to the number of (logical) cores",
        "      and the -pin option is set to auto: will not pin threads to cores.", "",
        "NOTE: 12 % of the run time was spent in domain decomposition,",
        "      performance can be improved by tuning -dds.",
    ]
    return join_lines(lines), join_lines(notes)


def _gromacs_extras(run: Run) -> list[Member]:
    p = run.plan
    md_log = [f"Log file opened on {ctime(p.started)}", f"Host: inductiva-{p.task_id[:8]}",
              "GROMACS version:    2024.2", "Precision:          mixed", "",
              "Input Parameters:"]
    md_log += [f"   {n.lower():<24}= {mean:g}" for n, mean, _ in _GMX_TERMS]
    md_log += ["", "Started mdrun on rank 0 " + ctime(p.started), ""]
    for i in range(0, run.steps, 10):  # md.log keeps every tenth energy frame
        md_log += _gromacs_block(run, i)
    md_log.append(f"Finished mdrun on rank 0 {ctime(p.ended)}")
    final = _gro(run.rng, "SPC/E water box t= 500.00000 step= 250000", velocities=True)
    return [
        # BZIP2 and LZMA on purpose, so clients meet all four zip methods.
        Member("artifacts/md.log", join_lines(md_log).encode(), ZIP_BZIP2),
        Member("artifacts/confout.gro", final.encode(), ZIP_LZMA),
    ]


SIMULATOR = Simulator(
    name="GROMACS", version="2024.2", image="docker://inductiva/kutu:gromacs_v2024.2",
    command="gmx mdrun -deffnm md -nt 8", hours=1.5, deck=_gromacs_deck,
    log=_gromacs_log, steps=250, residuals=1, extras=_gromacs_extras,
    csv_path="analysis/energy.csv", csv_time="time_ps", csv_dt=0.1, csv_rows=5000,
    waves=(Wave("potential_kJ_mol", mean=-10155.0, kick=450.0, tau=2.0, noise=35.0),
           Wave("kinetic_kJ_mol", mean=1795.0, kick=-300.0, tau=1.5, noise=30.0),
           Wave("temperature_K", mean=300.0, kick=-50.0, tau=1.5, noise=5.0),
           Wave("pressure_bar", mean=1.0, noise=350.0),
           Wave("density_kg_m3", mean=997.0, kick=12.0, tau=8.0, noise=1.5)),
)
