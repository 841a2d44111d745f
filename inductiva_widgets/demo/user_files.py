"""The user folder: loose files (README, CSVs, a survey grid, an STL mesh, a report)."""

from __future__ import annotations

import math
import random
from collections.abc import Sequence
from datetime import datetime, timedelta, timezone
from pathlib import Path

from .files import write_bytes
from .text import join_lines

_README = """\
# Datasets

Loose input files I keep next to my simulation runs.

| File | What it is |
|---|---|
| `inlet_velocity_profile.csv` | measured inlet profile (log-law fit) for the cylinder runs |
| `tide_gauge_levels.csv` | 10-minute tide gauge levels, September 2026 |
| `mesh.stl` | hull surface, ASCII STL, metres |
| `bathymetry/2026/survey_grid.xyz` | multibeam survey gridded to 5 m, depth positive down |
| `relatório final.txt` | notes for the final report (pt-PT) |

`empty.txt` is a placeholder so the folder syncs.
"""

_REPORT = """\
Relatório final — campanha de simulações de outono

1. Escoamento em torno do cilindro (OpenFOAM): a corrida com Δt fixo divergiu perto de
   t = 0,04 s; repetir com maxCo = 0,5 e passo de tempo ajustável.
2. Canal de ondas (REEF3D e SWASH): as séries das sondas concordam dentro de 3 % na
   amplitude; a fase difere 0,1 s na sonda mais próxima da praia.
3. Perfil de praia (XBeach): a barra migrou cerca de 12 m para o largo em 1 h de tempestade.

Próximos passos: malha mais fina junto à esteira, e validar a batimetria de 2026.
"""


def write_user_files(folder: Path, *, rng: random.Random, now: datetime) -> None:
    """Fill ``folder`` with the loose user files, dated days to weeks before ``now``."""
    files = (
        ("bathymetry/2026/survey_grid.xyz", _survey_xyz(rng), 46.0),
        ("README.md", _README.encode(), 44.0),
        ("inlet_velocity_profile.csv", _inlet_profile_csv(rng), 39.0),
        ("tide_gauge_levels.csv", _tide_csv(rng), 30.0),
        ("mesh.stl", _hull_stl(), 22.0),
        ("empty.txt", b"", 14.0),
        ("relatório final.txt", _REPORT.encode(), 0.6),
    )
    for rel, data, days in files:
        when = now - timedelta(days=days + rng.uniform(0.0, 0.4))
        write_bytes(folder / rel, data, when)


def _inlet_profile_csv(rng: random.Random) -> bytes:
    u_star, y0 = 0.045, 2e-4
    rows = ["y_m,u_m_s,v_m_s,k_m2_s2"]
    for i in range(1, 201):
        y = 0.005 * i
        u = u_star / 0.41 * math.log(y / y0) + rng.gauss(0.0, 0.004)
        rows.append(f"{y:.3f},{u:.5f},{rng.gauss(0.0, 0.003):.5f},"
                    f"{3.3 * u_star ** 2 * (1 - y) + abs(rng.gauss(0, 1e-4)):.6f}")
    return join_lines(rows).encode()


def _tide_csv(rng: random.Random) -> bytes:
    start = datetime(2026, 9, 1, tzinfo=timezone.utc)
    rows = ["timestamp_utc,level_m"]
    for i in range(30 * 24 * 6):
        hours = i / 6.0
        level = (1.1 * math.cos(math.tau * hours / 12.42) + 0.4 * math.cos(math.tau * hours / 12.0)
                 + rng.gauss(0.0, 0.02))
        rows.append(f"{start + timedelta(minutes=10 * i):%Y-%m-%dT%H:%M:%SZ},{level:.3f}")
    return join_lines(rows).encode()


def _survey_xyz(rng: random.Random) -> bytes:
    rows = []
    for j in range(30):
        for i in range(40):
            depth = 2.0 + 0.09 * i * 5.0 - 1.2 * math.exp(-(((i - 22) / 4.0) ** 2))
            rows.append(f"{491000.0 + 5 * i:.2f} {4290000.0 + 5 * j:.2f} "
                        f"{depth + rng.gauss(0.0, 0.05):.3f}")
    return join_lines(rows).encode()


def _hull_stl(segments: int = 16, rings: int = 8) -> bytes:
    """ASCII STL of a 4 m x 1 m x 0.6 m ellipsoid: small, closed and easy to eyeball."""

    def vertex(ring: int, seg: int) -> tuple[float, float, float]:
        theta, phi = math.pi * ring / rings, math.tau * seg / segments
        return (2.0 * math.cos(theta), 0.5 * math.sin(theta) * math.cos(phi),
                0.3 * math.sin(theta) * math.sin(phi))

    lines = ["solid hull"]
    for ring in range(rings):
        for seg in range(segments):
            a, b = vertex(ring, seg), vertex(ring + 1, seg)
            c, d = vertex(ring + 1, seg + 1), vertex(ring, seg + 1)
            for tri in ((a, b, c), (a, c, d)):
                if len({tuple(round(v, 9) for v in p) for p in tri}) == 3:  # skip pole slivers
                    lines += _stl_facet(tri)
    lines.append("endsolid hull")
    return join_lines(lines).encode()


def _stl_facet(tri: Sequence[tuple[float, float, float]]) -> list[str]:
    (ax, ay, az), (bx, by, bz), (cx, cy, cz) = tri
    ux, uy, uz, vx, vy, vz = bx - ax, by - ay, bz - az, cx - ax, cy - ay, cz - az
    n = (uy * vz - uz * vy, uz * vx - ux * vz, ux * vy - uy * vx)
    length = math.sqrt(sum(c * c for c in n)) or 1.0
    normal = " ".join(f"{c / length:.6e}" for c in n)
    verts = [f"      vertex {x:.6e} {y:.6e} {z:.6e}" for x, y, z in tri]
    return [f"  facet normal {normal}", "    outer loop", *verts, "    endloop", "  endfacet"]
