"""Code-generated demo data for the bundled storage server.

``seed_demo`` fills one user's storage folder in one region with task folders shaped like real
Inductiva runs (``input.zip`` with a simulator deck under ``sim_dir/``, ``output.zip`` with logs,
a CSV time series, a PNG plot and sometimes a large binary under ``artifacts/``, and a
``metadata.json``) plus one folder of loose user files. Nothing binary lives in the repository:
every byte is generated here, so a given ``(seed, now, large_result_mb)`` always yields the same
bytes (``now`` only moves timestamps: file times, zip member times and the dates logs print).

The server never imports this package; only ``inductiva-widgets serve --demo`` and
``inductiva-widgets lab`` do, lazily, when they seed.
"""

from __future__ import annotations

from .seed import USER_FOLDER, seed_demo

__all__ = ["USER_FOLDER", "seed_demo"]
