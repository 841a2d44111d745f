"""The simulators the demo tasks imitate, one module each, in the order the plan shuffles."""

from __future__ import annotations

from ..model import Simulator
from . import gromacs, openfoam, reef3d, splishsplash, swash, xbeach

__all__ = ["SIMULATORS"]

SIMULATORS: tuple[Simulator, ...] = (
    openfoam.SIMULATOR,
    gromacs.SIMULATOR,
    splishsplash.SIMULATOR,
    reef3d.SIMULATOR,
    swash.SIMULATOR,
    xbeach.SIMULATOR,
)
