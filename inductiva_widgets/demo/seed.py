"""The entry point: ``seed_demo`` fills one user's region folder with tasks and user files."""

from __future__ import annotations

import random
from datetime import datetime, timezone
from functools import partial
from pathlib import Path

from .files import build_folder
from .sweep import write_sweep
from .tasks import plan_tasks, write_task
from .user_files import write_user_files

__all__ = ["USER_FOLDER", "seed_demo"]

USER_FOLDER = "datasets"

_MIB = 1024 * 1024


def seed_demo(
    region_root: Path,
    *,
    now: datetime | None = None,
    seed: int = 7,
    large_result_mb: int = 24,
) -> list[str]:
    """Fill ``region_root`` with demo tasks and a user folder; return the top-level names created.

    Top-level folders that already exist are skipped, so re-seeding never touches user data.
    Each folder is built under a hidden temporary name and renamed into place when complete.
    """
    if large_result_mb < 1:
        raise ValueError("large_result_mb must be at least 1")
    now = _as_utc(now)
    root = Path(region_root)
    root.mkdir(parents=True, exist_ok=True)
    rng = random.Random(seed)
    # Plan everything before writing so a skipped folder never shifts the RNG for the others.
    plans = plan_tasks(rng, now, large_result_mb * _MIB)
    user_rng = random.Random(rng.getrandbits(64))
    created = [p.task_id for p in plans if build_folder(root, p.task_id, partial(write_task, p))]
    created += write_sweep(root, seed, now)  # its own RNG: the tasks above are unchanged
    if build_folder(root, USER_FOLDER, partial(write_user_files, rng=user_rng, now=now)):
        created.append(USER_FOLDER)
    return created


def _as_utc(now: datetime | None) -> datetime:
    if now is None:
        return datetime.now(timezone.utc)
    if now.tzinfo is None:
        return now.replace(tzinfo=timezone.utc)
    return now.astimezone(timezone.utc)
