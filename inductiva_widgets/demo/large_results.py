"""The large result members: a raw float32 field dump and a legacy VTK particle file.

Both are streamed in chunks, so the archives are written without holding them in memory.
"""

from __future__ import annotations

import math
import random
import struct
from collections.abc import Callable, Iterator
from zipfile import ZIP_STORED

from .model import Member, Run
from .text import fill_template

_FIELD_SIDE = 256
_LAYER_SIDE = 64
_VTK_BYTES_PER_PARTICLE = 12 + 8 + 4 + 4  # point, vertex cell, cell type, density


def _field_block(rng: random.Random) -> bytes:
    """A smooth 2D pressure-like field with quantised noise: varied yet compressible."""
    n = _FIELD_SIDE
    kx, ky = rng.uniform(0.02, 0.06), rng.uniform(0.02, 0.06)
    sx = [math.sin(i * kx) for i in range(n)]
    cy = [math.cos(j * ky) for j in range(n)]
    vals = [round((1.0e5 + 2.5e3 * sx[i] * cy[j] + 40.0 * rng.random()) * 4.0) / 4.0
            for j in range(n) for i in range(n)]
    return struct.pack(f"<{n * n}f", *vals)


def _field_stream(seed: int, total: int) -> Callable[[], Iterator[bytes]]:
    def chunks() -> Iterator[bytes]:
        rng = random.Random(seed)
        block = _field_block(rng)
        words, left = len(block) // 4, total
        while left > 0:
            cut = rng.randrange(words) * 4  # rotating the block keeps chunks distinct and cheap
            piece = (block[cut:] + block[:cut])[:left]
            yield piece
            left -= len(piece)

    return chunks


def field_members(run: Run) -> list[Member]:
    """A small text header and the streamed raw field of ``run.plan.big_bytes`` bytes."""
    size = run.plan.big_bytes
    mid = run.plan.started + (run.plan.ended - run.plan.started) / 2
    header = fill_template(_FIELD_HEADER, count=size // 4, nx=_FIELD_SIDE)
    return [
        Member("artifacts/results/field_0001.hdr", header.encode(), when=mid),
        Member("artifacts/results/field_0001.bin", method=ZIP_STORED, when=mid,
               stream=_field_stream(run.rng.getrandbits(64), size), stream_size=size),
    ]


_FIELD_HEADER = """\
# raw dump of the free-surface pressure field
dtype = float32
byteorder = little
values = <<count>>
layout = rows of <<nx>> cells, consecutive time levels appended
units = Pa
"""


def _vtk_heads(n: int) -> list[bytes]:
    return [
        (f"# vtk DataFile Version 4.2\nSPlisHSPlasH particle data\nBINARY\n"
         f"DATASET UNSTRUCTURED_GRID\nPOINTS {n} float\n").encode(),
        f"\nCELLS {n} {2 * n}\n".encode(),
        f"\nCELL_TYPES {n}\n".encode(),
        f"\nPOINT_DATA {n}\nSCALARS density float 1\nLOOKUP_TABLE default\n".encode(),
        b"\n",
    ]


def _vtk_stream(seed: int, layers: int) -> Callable[[], Iterator[bytes]]:
    """Legacy VTK (big-endian) of a settling dam-break block, one particle layer at a time."""
    per = _LAYER_SIDE * _LAYER_SIDE
    spacing = 0.05

    def chunks() -> Iterator[bytes]:
        rng = random.Random(seed)
        xyz = [0.0] * (3 * per)
        xyz[0::3] = [(k % _LAYER_SIDE) * spacing + rng.gauss(0, 0.002) for k in range(per)]
        xyz[2::3] = [(k // _LAYER_SIDE) * spacing + rng.gauss(0, 0.002) for k in range(per)]
        noise = [rng.gauss(0.0, 0.4) for _ in range(per)]
        points, floats = struct.Struct(f">{3 * per}f"), struct.Struct(f">{per}f")
        heads = _vtk_heads(layers * per)
        yield heads[0]
        for layer in range(layers):
            xyz[1::3] = [layer * spacing] * per
            yield points.pack(*xyz)
        yield heads[1]
        for layer in range(layers):
            cells = [1] * (2 * per)
            cells[1::2] = range(layer * per, (layer + 1) * per)
            yield struct.pack(f">{2 * per}i", *cells)
        yield heads[2]
        yield from (struct.pack(">i", 1) * per for _ in range(layers))  # VTK_VERTEX
        yield heads[3]
        for layer in range(layers):
            depth = (layers - layer) * spacing  # weakly compressible: denser at the bottom
            yield floats.pack(*(1000.0 + 0.3 * depth + e for e in noise))
        yield heads[4]

    return chunks


def vtk_members(run: Run) -> list[Member]:
    """The streamed VTK particle file, as many whole layers as fit in ``run.plan.big_bytes``."""
    per = _LAYER_SIDE * _LAYER_SIDE
    layers = max(1, run.plan.big_bytes // (_VTK_BYTES_PER_PARTICLE * per))
    size = sum(map(len, _vtk_heads(layers * per))) + _VTK_BYTES_PER_PARTICLE * layers * per
    return [Member("artifacts/vtk/ParticleData_Fluid_1.vtk", method=ZIP_STORED,
                   stream=_vtk_stream(run.rng.getrandbits(64), layers), stream_size=size)]
