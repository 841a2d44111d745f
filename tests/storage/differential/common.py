"""Constants shared by the differential suite's modules."""

from __future__ import annotations

import sys
from datetime import datetime, timezone
from pathlib import Path

REPO = Path(__file__).resolve().parents[3]
OURS_PYTHON = sys.executable
CASE_TIMEOUT_S = 45          # one call, enforced by an alarm inside the batch script
BATCH_BASE_TIMEOUT_S = 120   # a whole batch: this plus CASE_TIMEOUT_S per case, at most
KERNEL_CELL_TIMEOUT_S = 60
SETTLE_TIMEOUT_S = 20
CLIENTS = ("ref", "ours")
BAD_KEY = "not-a-known-key"
FIXED_TIME = datetime(2024, 5, 1, 12, 0, 0, tzinfo=timezone.utc).timestamp()
ZIP_TIME = (2024, 5, 1, 12, 0, 0)

