"""A differential case: a seed function, its arguments and its starting state."""

from __future__ import annotations

import dataclasses

from .states import BASE


def IN(rel: str) -> dict:  # noqa: N802 - reads as a marker in the case table
    """A path under the case's local input folder."""
    return {"$in": rel}


def PREP(name: str) -> dict:  # noqa: N802
    """A value prepared by the test process before the batch (bucket, operation id...)."""
    return {"$prep": name}


def WEB(path: str) -> dict:  # noqa: N802
    """A URL on the loopback page server."""
    return {"$web": path}


def DEST(name: str) -> dict:  # noqa: N802
    """A member of the client's own ExportDestination."""
    return {"$dest": name}


@dataclasses.dataclass(eq=False)
class Case:
    id: str
    fn: str                               # a seed name, or a RECIPES name of the template
    args: tuple = ()
    kwargs: dict = dataclasses.field(default_factory=dict)
    state: tuple[str, ...] = BASE         # components of COMPONENTS
    inputs: tuple[str, ...] = ()          # components of INPUTS, under <case>/in
    local: dict = dataclasses.field(default_factory=dict)  # files already in <case>/work
    key: str = "own"                      # "own", or "bad" for an unknown key
    prep: str | None = None               # see `prepare`
    kernel: bool = False                  # also run inside an IPython kernel
    settle: bool = False                  # wait for background work before snapshots

    @property
    def function(self) -> str:
        return self.fn.split(".")[0]

    def remote_arg(self) -> str | None:
        return self.args[0] if self.args and isinstance(self.args[0], str) else None


