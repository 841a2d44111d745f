"""Code-generated demo data for the bundled storage server.

``seed_demo`` fills one user's storage folder in one region with task folders shaped like real
Inductiva runs (``input.zip`` with a simulator deck under ``sim_dir/``, ``output.zip`` with logs,
a CSV time series, a PNG plot and sometimes a large binary under ``artifacts/``, and a
``metadata.json``) plus one folder of loose user files. Nothing binary lives in the repository:
every byte is generated here, so a given ``(seed, now, large_result_mb)`` always yields the same
bytes (``now`` only moves timestamps: file times, zip member times and the dates logs print).
"""

from __future__ import annotations

import contextlib
import csv
import io
import itertools
import json
import math
import os
import random
import shutil
import struct
import tempfile
import zipfile
import zlib
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from functools import partial
from pathlib import Path
from typing import BinaryIO

__all__ = ["USER_FOLDER", "seed_demo"]

USER_FOLDER = "datasets"

_MIB = 1024 * 1024
_SMALL_RESULT_BYTES = 4 * _MIB
_ID_ALPHABET = "abcdefghijklmnopqrstuvwxyz0123456789"
_ID_LENGTH = 25
# About one run a week over six weeks, so sorting and filtering by date has something to show.
_TASK_DAYS_AGO = (41.0, 34.0, 26.0, 18.0, 10.0, 3.0)
_MACHINES = (
    "c2-standard-8",
    "c2-standard-16",
    "c2d-highcpu-16",
    "c2d-highcpu-32",
    "n2-standard-8",
    "c3-standard-22",
)
_STORED = zipfile.ZIP_STORED
_DEFLATED = zipfile.ZIP_DEFLATED
_BZIP2 = zipfile.ZIP_BZIP2
_LZMA = zipfile.ZIP_LZMA
_ZIP_EPOCH = datetime(1980, 1, 1, tzinfo=timezone.utc)
_DAY_NAMES = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_MONTH_NAMES = ("Jan", "Feb", "Mar", "Apr", "May", "Jun",
                "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


# --------------------------------------------------------------------------- data model


@dataclass(frozen=True)
class _Member:
    """One archive member: in-memory bytes, or a chunk stream for the large results."""

    name: str
    data: bytes = b""
    method: int = _DEFLATED
    stream: Callable[[], Iterator[bytes]] | None = None
    stream_size: int = 0
    when: datetime | None = None

    @property
    def size(self) -> int:
        return self.stream_size if self.stream is not None else len(self.data)


@dataclass(frozen=True)
class _Wave:
    """One CSV column: mean + initial transient + ramped, damped oscillation + noise."""

    name: str
    mean: float = 0.0
    kick: float = 0.0
    tau: float = 1.0
    amp: float = 0.0
    period: float = 1.0
    ramp: float = 0.0
    decay: float = 0.0
    noise: float = 0.0


@dataclass(frozen=True)
class _Simulator:
    """How one simulator's task looks: its deck, its log, its CSV and its extra members."""

    name: str
    version: str
    image: str
    command: str
    hours: float
    deck: Callable[[random.Random], dict[str, str]]
    log: Callable[[_Run], tuple[str, str]]
    steps: int
    residuals: int
    csv_path: str
    csv_time: str
    csv_dt: float
    csv_rows: int
    waves: tuple[_Wave, ...]
    extras: Callable[[_Run], list[_Member]] | None = None
    big: str = ""  # "", "field" or "vtk": which large result this simulator writes
    fails: bool = False
    dir_entries: bool = False


@dataclass(frozen=True)
class _TaskPlan:
    task_id: str
    sim: _Simulator
    seed: int
    submitted: datetime
    started: datetime
    ended: datetime
    machine: str
    big_bytes: int

    @property
    def failed(self) -> bool:
        return self.sim.fails


@dataclass
class _Run:
    """What a simulator's log and extras draw on; the residuals feed both log and plot."""

    plan: _TaskPlan
    rng: random.Random
    steps: int
    residuals: list[list[float]]
    growth: list[float]
    span: float  # simulated seconds covered, shared by the log and the CSV

    def clock(self, i: int) -> datetime:
        """Wall-clock time of step ``i``, spread evenly over the run."""
        span = (self.plan.ended - self.plan.started).total_seconds()
        return self.plan.started + timedelta(seconds=span * i / max(self.steps, 1))


# --------------------------------------------------------------------------- public entry


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
    plans = _plan_tasks(rng, now, large_result_mb * _MIB)
    user_rng = random.Random(rng.getrandbits(64))
    created = [p.task_id for p in plans if _build_folder(root, p.task_id, partial(_write_task, p))]
    if _build_folder(root, USER_FOLDER, partial(_write_user_files, rng=user_rng, now=now)):
        created.append(USER_FOLDER)
    return created


def _as_utc(now: datetime | None) -> datetime:
    if now is None:
        return datetime.now(timezone.utc)
    if now.tzinfo is None:
        return now.replace(tzinfo=timezone.utc)
    return now.astimezone(timezone.utc)


def _plan_tasks(rng: random.Random, now: datetime, large_bytes: int) -> list[_TaskPlan]:
    sims = list(_SIMULATORS)
    rng.shuffle(sims)
    plans = []
    for days_ago, sim in zip(_TASK_DAYS_AGO, sims, strict=True):
        task_id = "".join(rng.choice(_ID_ALPHABET) for _ in range(_ID_LENGTH))
        submitted = now - timedelta(days=days_ago + rng.uniform(-1.5, 1.5))
        started = submitted + timedelta(seconds=rng.uniform(20.0, 240.0))
        hours = sim.hours * rng.uniform(0.7, 1.3) * (0.2 if sim.fails else 1.0)
        big = {"field": large_bytes, "vtk": min(_SMALL_RESULT_BYTES, large_bytes // 2)}
        plans.append(_TaskPlan(
            task_id=task_id,
            sim=sim,
            seed=rng.getrandbits(64),
            submitted=submitted,
            started=started,
            ended=started + timedelta(hours=hours),
            machine=rng.choice(_MACHINES),
            big_bytes=big.get(sim.big, 0),
        ))
    return plans


# --------------------------------------------------------------------------- filesystem


def _build_folder(root: Path, name: str, fill: Callable[[Path], None]) -> bool:
    """Build ``root/name`` in a hidden staging folder and rename it into place if still free."""
    final = root / name
    if os.path.lexists(final):
        return False
    stage = Path(tempfile.mkdtemp(prefix=f".{name}.tmp-", dir=root))
    try:
        fill(stage)
        os.chmod(stage, 0o755)
        _stamp_folders(stage)
        os.rename(stage, final)
    except OSError:
        shutil.rmtree(stage, ignore_errors=True)
        if os.path.lexists(final):  # created by someone else meanwhile: theirs wins
            return False
        raise
    except BaseException:
        shutil.rmtree(stage, ignore_errors=True)
        raise
    return True


def _stamp_folders(top: Path) -> None:
    """Give every folder the time of its earliest file, so listings sort folders by age."""
    for dirpath, _dirnames, filenames in os.walk(top, topdown=False):
        times = [os.stat(os.path.join(dirpath, f)).st_mtime for f in filenames]
        times += [os.stat(os.path.join(dirpath, d)).st_mtime for d in _dirnames]
        if times:
            os.utime(dirpath, (min(times), min(times)))


def _atomic_write(path: Path, fill: Callable[[BinaryIO], object], when: datetime) -> None:
    """Write via a temporary sibling and ``os.replace`` so no half file gets the final name.

    No fsync: this is regenerable demo data, and syncing the large result would cost more than
    the whole generation.
    """
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.tmp-", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fill(fh)
        os.chmod(tmp, 0o644)  # mkstemp's 0600 would surprise tools reading the storage folder
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise
    stamp = when.timestamp()
    os.utime(path, (stamp, stamp))


def _write_bytes(path: Path, data: bytes, when: datetime) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    _atomic_write(path, lambda fh: fh.write(data), when)


# --------------------------------------------------------------------------- zip archives


def _zip_info(name: str, when: datetime, method: int) -> zipfile.ZipInfo:
    when = max(when, _ZIP_EPOCH)
    info = zipfile.ZipInfo(name, (when.year, when.month, when.day,
                                  when.hour, when.minute, when.second))
    info.compress_type = method
    info.create_system = 3  # Unix everywhere, so the bytes do not depend on the host OS
    if name.endswith("/"):
        info.external_attr = (0o40755 << 16) | 0x10
    else:
        info.external_attr = 0o100644 << 16
    return info


def _parent_dirs(name: str) -> list[str]:
    parts = name.split("/")[:-1]
    return ["/".join(parts[: i + 1]) + "/" for i in range(len(parts))]


def _add_member(zf: zipfile.ZipFile, member: _Member, when: datetime) -> None:
    info = _zip_info(member.name, when, member.method)
    if member.stream is None:
        zf.writestr(info, member.data)
        return
    # Streamed so the large results never sit in memory whole.
    info.file_size = member.stream_size
    zip64 = member.stream_size >= zipfile.ZIP64_LIMIT
    with zf.open(info, "w", force_zip64=zip64) as dst:
        for chunk in member.stream():
            dst.write(chunk)


def _write_zip(
    path: Path,
    members: Sequence[_Member],
    *,
    member_time: datetime,
    file_time: datetime,
    dir_entries: bool = False,
) -> None:
    def fill(fh: BinaryIO) -> None:
        seen: set[str] = set()
        with zipfile.ZipFile(fh, "w") as zf:
            for member in members:
                when = member.when or member_time
                for folder in _parent_dirs(member.name) if dir_entries else ():
                    if folder not in seen:
                        seen.add(folder)
                        zf.writestr(_zip_info(folder, when, _STORED), b"")
                _add_member(zf, member, when)

    _atomic_write(path, fill, file_time)


# --------------------------------------------------------------------------- task folders


def _write_task(plan: _TaskPlan, folder: Path) -> None:
    rng = random.Random(plan.seed)
    sim = plan.sim
    deck = sim.deck(rng)
    inputs = [_Member(f"sim_dir/{path}", text.encode()) for path, text in deck.items()]
    # The deck was last edited a little before it was uploaded.
    edited = plan.submitted - timedelta(minutes=rng.uniform(3.0, 90.0))
    _write_zip(folder / "input.zip", inputs, member_time=edited, file_time=plan.submitted)
    uploaded = plan.ended + timedelta(seconds=rng.uniform(30.0, 180.0))
    _write_zip(folder / "output.zip", _task_outputs(plan, rng), member_time=plan.ended,
               file_time=uploaded, dir_entries=sim.dir_entries)
    meta = json.dumps(_metadata(plan, folder), indent=2) + "\n"
    _write_bytes(folder / "metadata.json", meta.encode(), uploaded + timedelta(seconds=4))


def _task_outputs(plan: _TaskPlan, rng: random.Random) -> list[_Member]:
    sim = plan.sim
    steps = sim.steps // 5 if plan.failed else sim.steps
    rows = max(2000, sim.csv_rows // 4) if plan.failed else sim.csv_rows
    residuals, growth = _residual_history(rng, steps, sim.residuals, failing=plan.failed)
    run = _Run(plan, rng, steps, residuals, growth, span=rows * sim.csv_dt)
    stdout, stderr = sim.log(run)
    members = [
        _Member("artifacts/stdout.txt", stdout.encode()),
        _Member("artifacts/stderr.txt", stderr.encode()),
        _Member(f"artifacts/{sim.csv_path}",
                _timeseries_csv(rng, sim.csv_time, sim.csv_dt, rows, sim.waves)),
        _Member("artifacts/plots/residuals.png", _residual_plot(residuals), _STORED),
        *(sim.extras(run) if sim.extras else ()),
    ]
    members.append(_listing(members, plan.ended))
    return members


def _listing(members: Sequence[_Member], when: datetime) -> _Member:
    lines = [f"{m.size:>12}  {when:%Y-%m-%d %H:%M}  {m.name}" for m in members]
    # Stored on purpose: the archives should hold an uncompressed text member too.
    return _Member("artifacts/output_files.txt", ("\n".join(lines) + "\n").encode(), _STORED)


def _metadata(plan: _TaskPlan, folder: Path) -> dict[str, object]:
    sim = plan.sim
    meta: dict[str, object] = {
        "task_id": plan.task_id,
        "simulator": sim.name,
        "simulator_version": sim.version,
        "container_image": sim.image,
        "command": sim.command,
        "machine_type": plan.machine,
        "status": "failed" if plan.failed else "success",
        "create_time": _iso(plan.submitted - timedelta(seconds=12)),
        "input_submit_time": _iso(plan.submitted),
        "start_time": _iso(plan.started),
        "end_time": _iso(plan.ended),
        "computation_seconds": round((plan.ended - plan.started).total_seconds(), 1),
        "input_size_bytes": (folder / "input.zip").stat().st_size,
        "output_size_bytes": (folder / "output.zip").stat().st_size,
    }
    if plan.failed:
        meta["error_detail"] = f"Command '{sim.command}' exited with code 1; see stderr.txt"
    return meta


def _iso(t: datetime) -> str:
    return t.isoformat(timespec="seconds")


def _ctime(t: datetime) -> str:
    # Built by hand because %a/%b follow the process locale and would break determinism.
    return f"{_DAY_NAMES[t.weekday()]} {_MONTH_NAMES[t.month - 1]} {t.day:2d} {t:%H:%M:%S} {t.year}"


def _fill(template: str, **values: object) -> str:
    """Substitute ``<<name>>`` markers; decks are full of braces, so str.format does not fit."""
    for key, value in values.items():
        template = template.replace(f"<<{key}>>", str(value))
    return template


# --------------------------------------------------------------------------- numbers


def _residual_history(
    rng: random.Random, steps: int, series: int, *, failing: bool
) -> tuple[list[list[float]], list[float]]:
    """Noisy, decaying residuals; a failing run blows up over its last fifth."""
    onset = int(steps * 0.8) if failing else steps
    growth = [1.0 if i < onset else 1.4 ** (i - onset) for i in range(steps)]
    history = []
    for _ in range(series):
        start = 10 ** rng.uniform(-0.4, 0.0)
        floor = 10 ** rng.uniform(-5.5, -3.5)
        rate = rng.uniform(5.0, 9.0) / steps
        history.append([
            min((start * math.exp(-rate * i) + floor) * 10 ** rng.gauss(0.0, 0.08), 1.0)
            * growth[i]
            for i in range(steps)
        ])
    return history, growth


def _wave_at(wave: _Wave, t: float, phase: float, rng: random.Random) -> float:
    value = wave.mean + wave.kick * math.exp(-t / wave.tau)
    if wave.amp:
        envelope = math.exp(-wave.decay * t)
        if wave.ramp:
            envelope *= 1.0 - math.exp(-t / wave.ramp)
        value += wave.amp * envelope * math.sin(math.tau * t / wave.period + phase)
    if wave.noise:
        value += rng.gauss(0.0, wave.noise)
    return value


def _timeseries_csv(
    rng: random.Random, time_name: str, dt: float, rows: int, waves: Sequence[_Wave]
) -> bytes:
    phases = [rng.uniform(0.0, math.tau) for _ in waves]
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow([time_name, *(w.name for w in waves)])
    for i in range(rows):
        t = i * dt
        values = (_wave_at(w, t, ph, rng) for w, ph in zip(waves, phases, strict=True))
        writer.writerow([f"{t:.6g}", *(f"{v:.6g}" for v in values)])
    return out.getvalue().encode()


# --------------------------------------------------------------------------- PNG plot

_PLOT_W, _PLOT_H = 480, 320
_WHITE, _BLACK, _GRID = b"\xff\xff\xff", b"\x20\x20\x20", b"\xdd\xdd\xdd"
_COLORS = (b"\x1f\x77\xb4", b"\xff\x7f\x0e", b"\x2c\xa0\x2c", b"\xd6\x27\x28")
# 3x5 bitmap glyphs, row-major, for axis labels such as "1e-4" and step counts.
_GLYPHS = {
    "0": "111101101101111", "1": "010110010010111", "2": "111001111100111",
    "3": "111001111001111", "4": "101101111001001", "5": "111100111001111",
    "6": "111100111101111", "7": "111001001001001", "8": "111101111101111",
    "9": "111101111001111", "e": "010101111100011", "-": "000000111000000",
}


class _Canvas:
    """An RGB pixel buffer with just enough drawing for a line plot."""

    def __init__(self, width: int, height: int, background: bytes) -> None:
        self.width, self.height = width, height
        self.pixels = bytearray(background * (width * height))

    def dot(self, x: int, y: int, color: bytes) -> None:
        if 0 <= x < self.width and 0 <= y < self.height:
            i = (y * self.width + x) * 3
            self.pixels[i:i + 3] = color

    def hline(self, x0: int, x1: int, y: int, color: bytes) -> None:
        i = (y * self.width + x0) * 3
        self.pixels[i:i + 3 * (x1 - x0 + 1)] = color * (x1 - x0 + 1)

    def vline(self, x: int, y0: int, y1: int, color: bytes) -> None:
        for y in range(y0, y1 + 1):
            self.dot(x, y, color)

    def line(self, x0: int, y0: int, x1: int, y1: int, color: bytes) -> None:
        n = max(abs(x1 - x0), abs(y1 - y0), 1)
        for k in range(n + 1):
            x, y = round(x0 + (x1 - x0) * k / n), round(y0 + (y1 - y0) * k / n)
            self.dot(x, y, color)
            self.dot(x, y + 1, color)  # two pixels thick reads better at this size

    def text(self, x: int, y: int, label: str, color: bytes, scale: int = 2) -> None:
        for ch in label:
            glyph = _GLYPHS.get(ch, "0" * 15)
            for cell, bit in enumerate(glyph):
                if bit == "1":
                    for dy in range(scale):
                        for dx in range(scale):
                            self.dot(x + (cell % 3) * scale + dx, y + (cell // 3) * scale + dy,
                                     color)
            x += 4 * scale

    def png(self) -> bytes:
        stride = self.width * 3
        raw = b"".join(b"\x00" + self.pixels[y * stride:(y + 1) * stride]
                       for y in range(self.height))
        header = struct.pack(">IIBBBBB", self.width, self.height, 8, 2, 0, 0, 0)
        return (b"\x89PNG\r\n\x1a\n" + _png_chunk(b"IHDR", header)
                + _png_chunk(b"IDAT", zlib.compress(raw, 6)) + _png_chunk(b"IEND", b""))


def _png_chunk(tag: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + tag + data + struct.pack(">I", zlib.crc32(tag + data))


def _residual_plot(series: Sequence[Sequence[float]]) -> bytes:
    """Residual history on a log axis, one colour per solved quantity, as PNG bytes."""
    canvas = _Canvas(_PLOT_W, _PLOT_H, _WHITE)
    left, right, top, bottom = 58, _PLOT_W - 14, 14, _PLOT_H - 34
    values = [v for s in series for v in s if v > 0] or [1.0]
    lo, hi = math.floor(math.log10(min(values))), math.ceil(math.log10(max(values)))
    hi = max(hi, lo + 1)
    steps = max((len(s) for s in series), default=1)

    def x_of(i: float) -> int:
        return round(left + i * (right - left) / max(steps - 1, 1))

    def y_of(v: float) -> int:
        frac = (math.log10(max(v, 10.0 ** lo)) - lo) / (hi - lo)
        return round(bottom - frac * (bottom - top))

    _plot_frame(canvas, (left, right, top, bottom), range(lo, hi + 1), y_of, steps, x_of)
    for k, values_k in enumerate(series):
        color = _COLORS[k % len(_COLORS)]
        points = [(x_of(i), y_of(v)) for i, v in enumerate(values_k)]
        for (xa, ya), (xb, yb) in itertools.pairwise(points):
            canvas.line(xa, ya, xb, yb, color)
    return canvas.png()


def _plot_frame(
    canvas: _Canvas,
    box: tuple[int, int, int, int],
    decades: range,
    y_of: Callable[[float], int],
    steps: int,
    x_of: Callable[[float], int],
) -> None:
    left, right, top, bottom = box
    for d in decades:
        y = y_of(10.0 ** d)
        canvas.hline(left, right, y, _GRID)
        canvas.text(4, y - 5, f"1e{d}", _BLACK)
    for k in range(6):
        step = round((steps - 1) * k / 5)
        x = x_of(step)
        canvas.vline(x, top, bottom, _GRID)
        label = str(step)
        canvas.text(x - 4 * len(label), bottom + 8, label, _BLACK)
    canvas.hline(left, right, bottom, _BLACK)
    canvas.hline(left, right, top, _BLACK)
    canvas.vline(left, top, bottom, _BLACK)
    canvas.vline(right, top, bottom, _BLACK)


# --------------------------------------------------------------------------- large results

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


def _field_members(run: _Run) -> list[_Member]:
    size = run.plan.big_bytes
    mid = run.plan.started + (run.plan.ended - run.plan.started) / 2
    header = _fill(_FIELD_HEADER, count=size // 4, nx=_FIELD_SIDE)
    return [
        _Member("artifacts/results/field_0001.hdr", header.encode(), when=mid),
        _Member("artifacts/results/field_0001.bin", method=_STORED, when=mid,
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


def _vtk_members(run: _Run) -> list[_Member]:
    per = _LAYER_SIDE * _LAYER_SIDE
    layers = max(1, run.plan.big_bytes // (_VTK_BYTES_PER_PARTICLE * per))
    size = sum(map(len, _vtk_heads(layers * per))) + _VTK_BYTES_PER_PARTICLE * layers * per
    return [_Member("artifacts/vtk/ParticleData_Fluid_1.vtk", method=_STORED,
                    stream=_vtk_stream(run.rng.getrandbits(64), layers), stream_size=size)]


# --------------------------------------------------------------------------- OpenFOAM

_FOAM_CASE_BANNER = (
    "/*--------------------------------*- C++ -*----------------------------------*\\",
    r"| =========                 |                                                 |",
    r"| \\      /  F ield         | OpenFOAM: The Open Source CFD Toolbox           |",
    r"|  \\    /   O peration     | Version:  v2406                                 |",
    r"|   \\  /    A nd           | Website:  www.openfoam.com                      |",
    r"|    \\/     M anipulation  |                                                 |",
    "\\*---------------------------------------------------------------------------*/",
)

_FOAM_CONTROL = """\
application     pimpleFoam;

startFrom       startTime;
startTime       0;
stopAt          endTime;
endTime         <<end>>;
deltaT          0.0005;

writeControl    adjustable;
writeInterval   0.05;
purgeWrite      0;
writeFormat     ascii;
writePrecision  8;
writeCompression off;
timeFormat      general;
timePrecision   6;
runTimeModifiable true;
adjustTimeStep  yes;
maxCo           0.9;

functions
{
    forces
    {
        type            forces;
        libs            (forces);
        writeControl    timeStep;
        writeInterval   1;
        patches         (cylinder);
        rho             rhoInf;
        rhoInf          1000;
        CofR            (0 0 0);
    }

    probes
    {
        type            probes;
        libs            (sampling);
        fields          (p U);
        probeLocations  ((0.5 0 0) (1.0 0 0) (2.0 0.1 0));
    }
}
"""

_FOAM_SCHEMES = """\
ddtSchemes
{
    default         backward;
}

gradSchemes
{
    default         Gauss linear;
    grad(U)         cellLimited Gauss linear 1;
}

divSchemes
{
    default         none;
    div(phi,U)      Gauss linearUpwind grad(U);
    div((nuEff*dev2(T(grad(U))))) Gauss linear;
}

laplacianSchemes
{
    default         Gauss linear corrected;
}

interpolationSchemes
{
    default         linear;
}

snGradSchemes
{
    default         corrected;
}
"""

_FOAM_SOLUTION = """\
solvers
{
    p
    {
        solver          PCG;
        preconditioner  DIC;
        tolerance       1e-06;
        relTol          0.05;
    }

    pFinal
    {
        $p;
        relTol          0;
    }

    "(U|UFinal)"
    {
        solver          smoothSolver;
        smoother        symGaussSeidel;
        tolerance       1e-05;
        relTol          0;
    }
}

PIMPLE
{
    momentumPredictor yes;
    nOuterCorrectors  1;
    nCorrectors       2;
    nNonOrthogonalCorrectors 0;
    pRefCell          0;
    pRefValue         0;
}
"""

_FOAM_U = """\
dimensions      [0 1 -1 0 0 0 0];

internalField   uniform (<<u>> 0 0);

boundaryField
{
    inlet
    {
        type            fixedValue;
        value           uniform (<<u>> 0 0);
    }
    outlet
    {
        type            zeroGradient;
    }
    cylinder
    {
        type            noSlip;
    }
    "(top|bottom)"
    {
        type            slip;
    }
    frontAndBack
    {
        type            empty;
    }
}
"""

_FOAM_P = """\
dimensions      [0 2 -2 0 0 0 0];

internalField   uniform 0;

boundaryField
{
    inlet
    {
        type            zeroGradient;
    }
    outlet
    {
        type            fixedValue;
        value           uniform 0;
    }
    cylinder
    {
        type            zeroGradient;
    }
    "(top|bottom)"
    {
        type            slip;
    }
    frontAndBack
    {
        type            empty;
    }
}
"""


def _foam_file(cls: str, obj: str, body: str, location: str = "") -> str:
    loc = f'    location    "{location}";\n' if location else ""
    rule = "// " + "* " * 37 + "//"
    return ("\n".join(_FOAM_CASE_BANNER) + "\nFoamFile\n{\n    version     2.0;\n"
            f"    format      ascii;\n    class       {cls};\n{loc}    object      {obj};\n}}\n"
            f"{rule}\n\n{body}\n\n{'// ' + '*' * 73 + ' //'}\n")


def _openfoam_deck(rng: random.Random) -> dict[str, str]:
    u = round(rng.uniform(0.8, 1.2), 2)
    nu = rng.choice(("1e-04", "2e-04", "5e-05"))
    transport = f"transportModel  Newtonian;\n\nnu              {nu};"
    return {
        "system/controlDict": _foam_file("dictionary", "controlDict",
                                         _fill(_FOAM_CONTROL, end=rng.choice((4, 5, 8))),
                                         "system"),
        "system/fvSchemes": _foam_file("dictionary", "fvSchemes", _FOAM_SCHEMES, "system"),
        "system/fvSolution": _foam_file("dictionary", "fvSolution", _FOAM_SOLUTION, "system"),
        "constant/transportProperties": _foam_file("dictionary", "transportProperties",
                                                   transport, "constant"),
        "0/U": _foam_file("volVectorField", "U", _fill(_FOAM_U, u=u), "0"),
        "0/p": _foam_file("volScalarField", "p", _FOAM_P, "0"),
    }


def _foam_preamble(run: _Run) -> list[str]:
    p = run.plan
    banner = [line.replace("*- C++ -*", "-" * 9) for line in _FOAM_CASE_BANNER]
    return [
        *banner,
        "Build  : _9bfe8264-20240625 OPENFOAM=2406 version=v2406",
        'Arch   : "LSB;label=32;scalar=64"',
        f"Exec   : {p.sim.command.split(' ', 3)[-1]}",
        f"Date   : {_MONTH_NAMES[p.started.month - 1]} {p.started.day:02d} {p.started.year}",
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


def _openfoam_log(run: _Run) -> tuple[str, str]:
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
        return _lines(lines), _foam_fatal(run, run.span + 0.5 * dt)
    lines += ["End", "", "Finalising parallel run"]
    return _lines(lines), ""


def _foam_fatal(run: _Run, t: float) -> str:
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
    return _lines(warning + [f"[{r}] {line}".rstrip() for line in body])


def _lines(lines: Sequence[str]) -> str:
    return "\n".join(lines) + "\n"


# --------------------------------------------------------------------------- GROMACS

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
    return _lines(lines)


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
        "md.mdp": _fill(_GROMACS_MDP, temp=temp, gseed=rng.randrange(1, 99999)),
        "topol.top": _fill(_GROMACS_TOP, n=_WATER_SIDE ** 3),
        "conf.gro": _gro(rng, "SPC/E water box (216 molecules)", velocities=False),
    }


_GMX_TERMS = (("LJ (SR)", 1650.0, 25.0), ("Coulomb (SR)", -11850.0, 60.0),
              ("Coul. recip.", 45.0, 2.0), ("Potential", -10155.0, 55.0),
              ("Kinetic En.", 1795.0, 30.0), ("Total Energy", -8360.0, 45.0),
              ("Conserved En.", -8362.0, 2.0), ("Temperature", 300.0, 5.0),
              ("Pressure (bar)", 1.0, 350.0), ("Constr. rmsd", 0.0, 0.0))


def _gromacs_block(run: _Run, i: int) -> list[str]:
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


def _gromacs_log(run: _Run) -> tuple[str, str]:
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
        f"Finished mdrun on rank 0 {_ctime(p.ended)}",
    ]
    notes = [
        "NOTE: The number of threads is not equal to the number of (logical) cores",
        "      and the -pin option is set to auto: will not pin threads to cores.", "",
        "NOTE: 12 % of the run time was spent in domain decomposition,",
        "      performance can be improved by tuning -dds.",
    ]
    return _lines(lines), _lines(notes)


def _gromacs_extras(run: _Run) -> list[_Member]:
    p = run.plan
    md_log = [f"Log file opened on {_ctime(p.started)}", f"Host: inductiva-{p.task_id[:8]}",
              "GROMACS version:    2024.2", "Precision:          mixed", "",
              "Input Parameters:"]
    md_log += [f"   {n.lower():<24}= {mean:g}" for n, mean, _ in _GMX_TERMS]
    md_log += ["", "Started mdrun on rank 0 " + _ctime(p.started), ""]
    for i in range(0, run.steps, 10):  # md.log keeps every tenth energy frame
        md_log += _gromacs_block(run, i)
    md_log.append(f"Finished mdrun on rank 0 {_ctime(p.ended)}")
    final = _gro(run.rng, "SPC/E water box t= 500.00000 step= 250000", velocities=True)
    return [
        # BZIP2 and LZMA on purpose, so clients meet all four zip methods.
        _Member("artifacts/md.log", _lines(md_log).encode(), _BZIP2),
        _Member("artifacts/confout.gro", final.encode(), _LZMA),
    ]


# --------------------------------------------------------------------------- SPlisHSPlasH

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


def _splishsplash_log(run: _Run) -> tuple[str, str]:
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
    return _lines(lines), ""


# --------------------------------------------------------------------------- REEF3D

_REEF3D_CONTROL = """\
C 11 6
C 12 21
C 13 21
C 14 21
C 15 21
C 16 21
B 1 <<dx>>
B 10 0.0 <<length>> 0.0 1.0 0.0 1.5
M 10 8
"""

_REEF3D_CTRL = """\
A 10 6
B 29 0.5
B 90 1
B 92 2
B 93 <<height>> <<period>>
B 96 4.0 8.0
B 98 2
B 99 2
D 10 4
D 20 2
D 30 1
F 30 3
F 40 3
F 54 0.5
F 56 1.0
I 30 0
M 10 8
N 40 3
N 41 <<end>>
N 45 50000
N 47 0.2
P 10 1
P 30 0.5
P 50 4
P 51 5.0 0.5
P 51 10.0 0.5
P 51 15.0 0.5
P 51 20.0 0.5
T 10 0
W 22 -9.81
"""


def _reef3d_deck(rng: random.Random) -> dict[str, str]:
    return {
        "control.txt": _fill(_REEF3D_CONTROL, dx=rng.choice((0.025, 0.05)),
                             length=rng.choice((25.0, 30.0))),
        "ctrl.txt": _fill(_REEF3D_CTRL, height=round(rng.uniform(0.04, 0.1), 3),
                          period=round(rng.uniform(1.5, 2.5), 2), end=6.0),
    }


def _reef3d_log(run: _Run) -> tuple[str, str]:
    rng = run.rng
    u, w, p = run.residuals
    lines = ["REEF3D (c) 2008-2024 Hans Bihs", ":: Open-Source Hydrodynamics", "",
             "DiveMESH grid: 2400000 cells", "starting driver", "initialize",
             "Starting NWT timeloop", ""]
    t, total, mean_dt = 0.0, 0.0, run.span / run.steps
    for i in range(run.steps):
        dt = mean_dt * rng.uniform(0.9, 1.1)
        t += dt
        step = rng.uniform(1.2, 1.6)
        total += step
        lines += [
            "------------------------------------",
            str(i + 1),
            f"simtime: {t:.6f}",
            f"timestep: {dt:.6f}",
            f"Volume 1: {30.0 * 1.0 * 0.75 + rng.gauss(0.0, 1e-4):.6f}",
            f"ptime: {0.55 * step:.4f}  piter: {rng.randrange(3, 12)}  presid: {p[i]:.4e}",
            f"utime: {0.2 * step:.4f}  uresid: {u[i]:.4e}  wresid: {w[i]:.4e}",
            f"timer per step: {step:.4f}  total time: {total:.2f}",
        ]
    lines += ["", "******************************", f"REEF3D Finished after {total:.1f} s"]
    return _lines(lines), ""


# --------------------------------------------------------------------------- SWASH

_SWASH_INPUT = """\
$***************************** HEADING *****************************
PROJ 'flume' '001'
$ Regular waves over a sloping beach in a 1D flume
$***************************** MODEL INPUT *************************
SET LEVEL 0.0 GRAV 9.81
MODE NONSTATIONARY ONEDIMENSIONAL
CGRID REGULAR 0. 0. 0. <<length>> 0. <<cells>> 0
VERT 2
INPGRID BOTTOM REGULAR 0. 0. 0. <<cells>> 0 <<dx>> 1.
READINP BOTTOM 1. 'bathymetry.bot' 1 0 FREE
INIT ZERO
BOUND SHAPE
BOUNDCOND SIDE WEST BTYPE WEAK CON REGULAR <<height>> <<period>>
SPONGE EAST 10.
NONHYDROSTATIC BOX 1.
FRICTION MANNING 0.019
DISCRET UPW MOM
TIMEI 0.1 0.5
$***************************** OUTPUT REQUESTS *********************
QUANTITY XP hexp=10.
POINTS 'gauges' 10. 0. 20. 0. 30. 0.
TABLE 'gauges' HEAD 'gauges.tbl' TSEC WATL VEL OUTPUT 000000.000 0.05 SEC
TEST 1,0
COMPUTE 000000.000 0.005 SEC 000300.000
STOP
"""


def _swash_deck(rng: random.Random) -> dict[str, str]:
    cells, dx = 800, 0.05
    deck = _fill(_SWASH_INPUT, length=cells * dx, cells=cells, dx=dx,
                 height=round(rng.uniform(0.05, 0.15), 3), period=round(rng.uniform(2.0, 3.0), 2))
    offshore = rng.uniform(0.6, 0.8)
    depths = [max(offshore - max(0.0, i * dx - 20.0) / 25.0, -0.2) for i in range(cells + 1)]
    rows = [" ".join(f"{d:8.4f}" for d in depths[k:k + 10]) for k in range(0, len(depths), 10)]
    return {"INPUT": deck, "bathymetry.bot": _lines(rows)}


def _swash_log(run: _Run) -> tuple[str, str]:
    rng = run.rng
    momentum, pressure = run.residuals
    lines = ["", " SWASH is preparing computation", ""]
    every = max(1, round(run.span / 0.005 / run.steps))  # compute steps between progress lines
    for i in range(run.steps):
        step = (i + 1) * every
        seconds = step * 0.005
        clock = f"{int(seconds // 3600):04d}:{int(seconds % 3600 // 60):02d}:{seconds % 60:06.3f}"
        lines.append(
            f" +time {clock}, step {step:8d}; iterations {rng.randrange(2, 7):3d}, "
            f"residual {pressure[i]:.3E}, momentum {momentum[i]:.3E}, "
            f"max. Courant {0.35 + 0.1 * rng.random():.4f}")
    lines += ["", " SWASH: Finished computation", ""]
    warnings = [f" ** Warning : Courant number exceeds 0.8 at step {rng.randrange(1000, 9000)}",
                " ** Warning : Dry cells at the eastern boundary; check bathymetry"]
    return _lines(lines), _lines(warnings)


def _swash_extras(run: _Run) -> list[_Member]:
    deck = _swash_deck(random.Random(run.plan.seed))["INPUT"]
    echo = ["SWASH version 10.05 (PRINT file)", "", *deck.splitlines(), "",
            "Number of wet grid points: 780", "Computation finished."]
    # A stored text member, alongside output_files.txt.
    return [_Member("artifacts/PRINT", _lines(echo).encode(), _STORED)]


# --------------------------------------------------------------------------- XBeach

_XBEACH_PARAMS = """\
%%% XBeach parameter settings input file                                     %%%
%%%                                                                          %%%
%%% Cross-shore profile, storm conditions                                    %%%

%%% Grid parameters %%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%

depfile    = bed.dep
posdwn     = 0
nx         = <<nx>>
ny         = 0
alfa       = 0
vardx      = 0
dx         = <<dx>>
dy         = 0
xori       = 0
yori       = 0
thetamin   = -90
thetamax   = 90
dtheta     = 180
thetanaut  = 0

%%% Model time %%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%

tstop      = 3600
CFL        = 0.7

%%% Physical processes %%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%

wavemodel  = surfbeat
sedtrans   = 1
morphology = 1
morfac     = 10

%%% Wave boundary condition parameters %%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%

wbctype    = parametric
Hm0        = <<hm0>>
Tp         = <<tp>>
mainang    = 270
gammajsp   = 3.3
s          = 10
fnyq       = 0.3

%%% Output variables %%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%

outputformat = netcdf
tintg      = 60
tintp      = 1
nglobalvar = 4
zs
zb
H
u
npoints    = 1
<<gauge>> 0 gauge1
npointvar  = 4
zs
H
ue
ve
"""


def _xbeach_deck(rng: random.Random) -> dict[str, str]:
    nx, dx = 250, 2.0
    params = _fill(_XBEACH_PARAMS, nx=nx, dx=dx, hm0=round(rng.uniform(2.0, 4.5), 2),
                   tp=round(rng.uniform(8.0, 14.0), 1), gauge=round(nx * dx * 0.7))
    bar = rng.uniform(320.0, 380.0)
    bed = [-12.0 + 0.028 * x * dx + 0.8 * math.exp(-(((x * dx - bar) / 25.0) ** 2))
           for x in range(nx + 1)]
    rows = [" ".join(f"{z:9.3f}" for z in bed[k:k + 10]) for k in range(0, len(bed), 10)]
    return {"params.txt": params, "bed.dep": _lines(rows)}


def _xbeach_log(run: _Run) -> tuple[str, str]:
    rng = run.rng
    lines = [
        "  **********************************************************",
        "                     Welcome to XBeach", "",
        "               version 1.24.6057 XBeachX release", "",
        "  **********************************************************", "",
        "  Simulation started: " + _ctime(run.plan.started), "",
        "  Reading input parameters: ", "   XBeach reading from params.txt",
        "  Initializing .....", "  Setting up boundary conditions", "",
    ]
    wall = (run.plan.ended - run.plan.started).total_seconds()
    for i in range(run.steps):
        done = 100.0 * (i + 1) / run.steps
        left = wall * (1.0 - done / 100.0)
        lines += [
            f"  Simulation {done:5.1f} percent complete. Average dt "
            f"{0.45 + 0.1 * rng.random():.3f} seconds",
            f"  Time remaining {int(left // 3600)} hours and {int(left % 3600 // 60)} minutes",
        ]
    lines += ["", "  Finished simulation", "  End of program xbeach"]
    return _lines(lines), ""


def _xbeach_extras(run: _Run) -> list[_Member]:
    xblog = [f"  XBeach run {run.plan.task_id}", "  Finished at " + _ctime(run.plan.ended)]
    warnings = ["  Warning: wave breaking parameter gamma not set, using default 0.55",
                "  Warning: fnyq is larger than 2/Tp; spectrum truncated"]
    return [
        _Member("artifacts/XBlog.txt", _lines(xblog).encode()),
        _Member("artifacts/XBwarning.txt", _lines(warnings).encode(), _STORED),
    ]


# --------------------------------------------------------------------------- simulator table

_SIMULATORS = (
    _Simulator(
        name="OpenFOAM", version="v2406", image="docker://inductiva/kutu:openfoam-esi_v2406",
        command="mpirun -np 8 pimpleFoam -parallel", hours=2.5, deck=_openfoam_deck,
        log=_openfoam_log, steps=350, residuals=3, fails=True,
        csv_path="postProcessing/forces/0/forces.csv", csv_time="Time", csv_dt=0.0005,
        csv_rows=8000,
        waves=(_Wave("Fx", mean=1.32, kick=2.5, tau=0.05, amp=0.04, period=0.25, ramp=0.8,
                     noise=0.003),
               _Wave("Fy", amp=0.9, period=0.5, ramp=1.0, noise=0.004),
               _Wave("Fz", noise=1e-6),
               _Wave("Cd", mean=1.35, kick=2.5, tau=0.05, amp=0.04, period=0.25, ramp=0.8,
                     noise=0.003),
               _Wave("Cl", amp=0.92, period=0.5, ramp=1.0, noise=0.004)),
    ),
    _Simulator(
        name="GROMACS", version="2024.2", image="docker://inductiva/kutu:gromacs_v2024.2",
        command="gmx mdrun -deffnm md -nt 8", hours=1.5, deck=_gromacs_deck,
        log=_gromacs_log, steps=250, residuals=1, extras=_gromacs_extras,
        csv_path="analysis/energy.csv", csv_time="time_ps", csv_dt=0.1, csv_rows=5000,
        waves=(_Wave("potential_kJ_mol", mean=-10155.0, kick=450.0, tau=2.0, noise=35.0),
               _Wave("kinetic_kJ_mol", mean=1795.0, kick=-300.0, tau=1.5, noise=30.0),
               _Wave("temperature_K", mean=300.0, kick=-50.0, tau=1.5, noise=5.0),
               _Wave("pressure_bar", mean=1.0, noise=350.0),
               _Wave("density_kg_m3", mean=997.0, kick=12.0, tau=8.0, noise=1.5)),
    ),
    _Simulator(
        name="SPlisHSPlasH", version="2.13.1",
        image="docker://inductiva/kutu:splishsplash_v2.13.1",
        command="SPHSimulator sim_dir/config.json --no-gui --output-dir .", hours=3.0,
        deck=_splishsplash_deck, log=_splishsplash_log, steps=3000, residuals=2,
        extras=_vtk_members, big="vtk",
        csv_path="results/probes.csv", csv_time="time_s", csv_dt=0.001, csv_rows=5000,
        waves=(_Wave("h_probe1", mean=0.6, kick=1.2, tau=0.4, amp=0.3, period=1.6, decay=0.4,
                     noise=0.01),
               _Wave("h_probe2", mean=0.6, kick=-0.5, tau=0.6, amp=0.25, period=1.6, decay=0.4,
                     noise=0.01),
               _Wave("h_probe3", mean=0.6, amp=0.2, period=1.6, ramp=0.5, decay=0.3,
                     noise=0.01),
               _Wave("kinetic_energy_J", mean=40.0, kick=900.0, tau=1.2, amp=20.0, period=0.8,
                     decay=0.5, noise=2.0)),
    ),
    _Simulator(
        name="REEF3D", version="24.02", image="docker://inductiva/kutu:reef3d_v24.02",
        command="mpirun -np 8 REEF3D", hours=5.0, deck=_reef3d_deck, log=_reef3d_log,
        steps=420, residuals=3, extras=_field_members, big="field",
        csv_path="REEF3D_CFD_WSG/gauges.csv", csv_time="time_s", csv_dt=0.001, csv_rows=6000,
        waves=tuple(_Wave(f"WG{k}", amp=0.05, period=2.0, ramp=1.0, noise=0.001)
                    for k in range(1, 5)),
    ),
    _Simulator(
        name="SWASH", version="10.05", image="docker://inductiva/kutu:swash_v10.05",
        command="swashrun -input INPUT -mpi 8", hours=0.8, deck=_swash_deck,
        log=_swash_log, steps=2500, residuals=2, extras=_swash_extras,
        csv_path="results/gauges.csv", csv_time="time_s", csv_dt=0.05, csv_rows=6000,
        waves=(_Wave("eta_x10", amp=0.1, period=2.5, ramp=10.0, noise=0.003),
               _Wave("eta_x20", amp=0.12, period=2.5, ramp=12.0, noise=0.003),
               _Wave("eta_x30", amp=0.15, period=2.5, ramp=14.0, noise=0.004),
               _Wave("u_x20", amp=0.35, period=2.5, ramp=12.0, noise=0.01)),
    ),
    _Simulator(
        name="XBeach", version="1.24", image="docker://inductiva/kutu:xbeach_v1.24",
        command="mpirun -np 8 xbeach params.txt", hours=1.2, deck=_xbeach_deck,
        log=_xbeach_log, steps=1500, residuals=2, extras=_xbeach_extras, dir_entries=True,
        csv_path="results/point_output.csv", csv_time="time_s", csv_dt=1.0, csv_rows=3600,
        waves=(_Wave("zs", mean=0.2, amp=0.15, period=90.0, noise=0.02),
               _Wave("H", mean=1.2, amp=0.3, period=240.0, noise=0.08),
               _Wave("ue", mean=-0.15, amp=0.3, period=90.0, noise=0.03),
               _Wave("ve", noise=0.02)),
    ),
)


# --------------------------------------------------------------------------- user folder

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


def _write_user_files(folder: Path, *, rng: random.Random, now: datetime) -> None:
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
        _write_bytes(folder / rel, data, when)


def _inlet_profile_csv(rng: random.Random) -> bytes:
    u_star, y0 = 0.045, 2e-4
    rows = ["y_m,u_m_s,v_m_s,k_m2_s2"]
    for i in range(1, 201):
        y = 0.005 * i
        u = u_star / 0.41 * math.log(y / y0) + rng.gauss(0.0, 0.004)
        rows.append(f"{y:.3f},{u:.5f},{rng.gauss(0.0, 0.003):.5f},"
                    f"{3.3 * u_star ** 2 * (1 - y) + abs(rng.gauss(0, 1e-4)):.6f}")
    return _lines(rows).encode()


def _tide_csv(rng: random.Random) -> bytes:
    start = datetime(2026, 9, 1, tzinfo=timezone.utc)
    rows = ["timestamp_utc,level_m"]
    for i in range(30 * 24 * 6):
        hours = i / 6.0
        level = (1.1 * math.cos(math.tau * hours / 12.42) + 0.4 * math.cos(math.tau * hours / 12.0)
                 + rng.gauss(0.0, 0.02))
        rows.append(f"{start + timedelta(minutes=10 * i):%Y-%m-%dT%H:%M:%SZ},{level:.3f}")
    return _lines(rows).encode()


def _survey_xyz(rng: random.Random) -> bytes:
    rows = []
    for j in range(30):
        for i in range(40):
            depth = 2.0 + 0.09 * i * 5.0 - 1.2 * math.exp(-(((i - 22) / 4.0) ** 2))
            rows.append(f"{491000.0 + 5 * i:.2f} {4290000.0 + 5 * j:.2f} "
                        f"{depth + rng.gauss(0.0, 0.05):.3f}")
    return _lines(rows).encode()


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
    return _lines(lines).encode()


def _stl_facet(tri: Sequence[tuple[float, float, float]]) -> list[str]:
    (ax, ay, az), (bx, by, bz), (cx, cy, cz) = tri
    ux, uy, uz, vx, vy, vz = bx - ax, by - ay, bz - az, cx - ax, cy - ay, cz - az
    n = (uy * vz - uz * vy, uz * vx - ux * vz, ux * vy - uy * vx)
    length = math.sqrt(sum(c * c for c in n)) or 1.0
    normal = " ".join(f"{c / length:.6e}" for c in n)
    verts = [f"      vertex {x:.6e} {y:.6e} {z:.6e}" for x, y, z in tri]
    return [f"  facet normal {normal}", "    outer loop", *verts, "    endloop", "  endfacet"]
