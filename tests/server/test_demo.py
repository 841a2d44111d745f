"""Tests for the code-generated demo storage (inductiva_widgets.server.demo)."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import re
import struct
import time
import zipfile
import zlib
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from inductiva_widgets.server.demo import USER_FOLDER, seed_demo

NOW = datetime(2026, 11, 24, 12, 0, tzinfo=timezone.utc)
SMALL_MB = 2
TASK_ID = re.compile(r"^[a-z0-9]{25}$")
ALL_METHODS = {zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED, zipfile.ZIP_BZIP2, zipfile.ZIP_LZMA}


@pytest.fixture(scope="module")
def seeded(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[str]]:
    root = tmp_path_factory.mktemp("region") / "user-a" / "europe-west1"
    return root, seed_demo(root, now=NOW, large_result_mb=SMALL_MB)


def task_ids(created: list[str]) -> list[str]:
    return [name for name in created if name != USER_FOLDER]


def archives(root: Path, created: list[str]) -> list[Path]:
    return [root / t / name for t in task_ids(created) for name in ("input.zip", "output.zip")]


def snapshot(root: Path) -> dict[str, tuple[int, str]]:
    """Relative path -> (mtime_ns, sha256) for every file under root."""
    out = {}
    for path in sorted(p for p in root.rglob("*") if p.is_file()):
        out[path.relative_to(root).as_posix()] = (
            path.stat().st_mtime_ns, hashlib.sha256(path.read_bytes()).hexdigest())
    return out


def png_chunks(data: bytes) -> list[tuple[bytes, bytes]]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    chunks, pos = [], 8
    while pos < len(data):
        (length,) = struct.unpack(">I", data[pos:pos + 4])
        tag, body = data[pos + 4:pos + 8], data[pos + 8:pos + 8 + length]
        (crc,) = struct.unpack(">I", data[pos + 8 + length:pos + 12 + length])
        assert crc == zlib.crc32(tag + body), f"bad CRC in {tag!r}"
        chunks.append((tag, body))
        pos += 12 + length
    return chunks


def test_creates_six_tasks_and_the_user_folder(seeded: tuple[Path, list[str]]) -> None:
    root, created = seeded
    ids = task_ids(created)
    assert created[-1] == USER_FOLDER
    assert 5 <= len(ids) <= 8
    assert all(TASK_ID.match(t) for t in ids)
    assert len(set(ids)) == len(ids)
    assert sorted(p.name for p in root.iterdir()) == sorted(created)
    for t in ids:
        assert {p.name for p in (root / t).iterdir()} >= {"input.zip", "output.zip"}


def test_every_archive_is_valid_and_rooted(seeded: tuple[Path, list[str]]) -> None:
    root, created = seeded
    methods: set[int] = set()
    for path in archives(root, created):
        prefix = "sim_dir/" if path.name == "input.zip" else "artifacts/"
        with zipfile.ZipFile(path) as zf:
            assert zf.testzip() is None
            infos = zf.infolist()
            assert infos
            assert all(i.filename.startswith(prefix) for i in infos), path
            methods |= {i.compress_type for i in infos}
    assert methods >= ALL_METHODS


def test_output_members_and_nesting(seeded: tuple[Path, list[str]]) -> None:
    root, created = seeded
    with_dir_entries = 0
    for t in task_ids(created):
        with zipfile.ZipFile(root / t / "output.zip") as zf:
            infos = {i.filename: i for i in zf.infolist()}
        assert {"artifacts/stdout.txt", "artifacts/stderr.txt",
                "artifacts/plots/residuals.png"} <= infos.keys()
        assert infos["artifacts/plots/residuals.png"].compress_type == zipfile.ZIP_STORED
        assert any(i.compress_type == zipfile.ZIP_STORED and n.endswith(".txt")
                   for n, i in infos.items())
        assert any(n.endswith(".csv") for n in infos)
        with_dir_entries += any(i.is_dir() for i in infos.values())
    assert with_dir_entries == 1  # explicit directory entries in exactly one archive
    names = []
    for path in archives(root, created):
        with zipfile.ZipFile(path) as zf:
            names += zf.namelist()
    assert max(n.rstrip("/").count("/") for n in names) >= 4  # artifacts/a/b/c/file


def test_csv_time_series(seeded: tuple[Path, list[str]]) -> None:
    root, created = seeded
    for t in task_ids(created):
        with zipfile.ZipFile(root / t / "output.zip") as zf:
            name = next(n for n in zf.namelist() if n.endswith(".csv"))
            rows = list(csv.reader(io.StringIO(zf.read(name).decode())))
        header, body = rows[0], rows[1:]
        assert len(header) >= 3 and not any(re.match(r"^-?\d", h) for h in header)
        assert 2000 <= len(body) <= 10000
        assert all(len(r) == len(header) for r in body)
        assert all(map(float, body[len(body) // 2]))  # parses as numbers


def test_logs_and_one_failure(seeded: tuple[Path, list[str]]) -> None:
    root, created = seeded
    statuses = {}
    for t in task_ids(created):
        meta = json.loads((root / t / "metadata.json").read_text())
        assert meta["task_id"] == t
        statuses[t] = meta["status"]
        with zipfile.ZipFile(root / t / "output.zip") as zf:
            stdout = zf.read("artifacts/stdout.txt").decode().splitlines()
            stderr = zf.read("artifacts/stderr.txt").decode()
        if meta["status"] == "failed":
            assert any("FATAL ERROR" in line for line in stderr.splitlines()[-10:])
            assert len(stdout) < 2000
        else:
            assert len(stdout) >= 2000
            last = [line for line in stdout if line.strip()][-1]
            assert re.search(r"\b(End|Finished)\b", last, re.IGNORECASE), last
    assert sorted(statuses.values()).count("failed") == 1
    assert set(statuses.values()) == {"failed", "success"}


def test_large_results_are_stored_and_sized(seeded: tuple[Path, list[str]]) -> None:
    root, created = seeded
    big = []
    for t in task_ids(created):
        with zipfile.ZipFile(root / t / "output.zip") as zf:
            big += [i for i in zf.infolist() if i.file_size >= 512 * 1024]
    assert len(big) == 2
    assert all(i.compress_type == zipfile.ZIP_STORED for i in big)
    sizes = sorted(i.file_size for i in big)
    assert sizes[1] == SMALL_MB * 1024 * 1024
    assert sizes[0] < sizes[1]


def test_png_is_valid(seeded: tuple[Path, list[str]]) -> None:
    root, created = seeded
    for t in task_ids(created):
        with zipfile.ZipFile(root / t / "output.zip") as zf:
            chunks = png_chunks(zf.read("artifacts/plots/residuals.png"))
        assert chunks[0][0] == b"IHDR" and chunks[-1][0] == b"IEND"
        width, height, depth, color, _, _, _ = struct.unpack(">IIBBBBB", chunks[0][1])
        assert (width, height, depth, color) == (480, 320, 8, 2)
        raw = zlib.decompress(b"".join(body for tag, body in chunks if tag == b"IDAT"))
        assert len(raw) == height * (1 + 3 * width)
        stride = 1 + 3 * width
        assert all(raw[y * stride] == 0 for y in range(height))  # filter type "None" per row
        pixels = b"".join(raw[y * stride + 1:(y + 1) * stride] for y in range(height))
        colors = {pixels[i:i + 3] for i in range(0, len(pixels), 3)}
        assert len(colors) >= 4  # background, grid, axes and at least one series were drawn


def test_times_spread_over_weeks_before_now(seeded: tuple[Path, list[str]]) -> None:
    root, created = seeded
    mtimes = [p.stat().st_mtime for p in root.rglob("*") if p.is_file()]
    assert max(mtimes) < NOW.timestamp()
    assert max(mtimes) - min(mtimes) > timedelta(days=7).total_seconds()
    assert min(mtimes) > (NOW - timedelta(days=60)).timestamp()
    for t in task_ids(created):
        input_zip, output_zip = root / t / "input.zip", root / t / "output.zip"
        assert input_zip.stat().st_mtime < output_zip.stat().st_mtime
        with zipfile.ZipFile(output_zip) as zf:
            member_times = {datetime(*i.date_time, tzinfo=timezone.utc) for i in zf.infolist()}
        file_time = datetime.fromtimestamp(output_zip.stat().st_mtime, timezone.utc)
        assert all(timedelta(0) <= file_time - m < timedelta(days=1) for m in member_times)


def test_user_folder(seeded: tuple[Path, list[str]]) -> None:
    user = seeded[0] / USER_FOLDER
    assert (user / "empty.txt").stat().st_size == 0
    assert (user / "relatório final.txt").read_text(encoding="utf-8").startswith("Relatório")
    assert (user / "README.md").is_file()
    assert len(list(user.glob("*.csv"))) >= 2
    stl = (user / "mesh.stl").read_text().splitlines()
    assert stl[0].startswith("solid") and stl[-1].startswith("endsolid")
    assert sum(line.strip().startswith("facet normal") for line in stl) > 50
    nested = list((user / "bathymetry" / "2026").iterdir())
    assert len(nested) == 1 and nested[0].stat().st_size > 0


def test_no_temporary_files_remain(seeded: tuple[Path, list[str]]) -> None:
    root, _ = seeded
    leftovers = [p for p in root.rglob("*") if ".tmp-" in p.name]
    assert leftovers == []


def test_deterministic_for_same_seed_and_now(tmp_path: Path) -> None:
    first = seed_demo(tmp_path / "a", now=NOW, seed=11, large_result_mb=1)
    second = seed_demo(tmp_path / "b", now=NOW, seed=11, large_result_mb=1)
    assert first == second
    assert snapshot(tmp_path / "a") == snapshot(tmp_path / "b")
    other = seed_demo(tmp_path / "c", now=NOW, seed=12, large_result_mb=1)
    assert set(task_ids(other)).isdisjoint(task_ids(first))


def test_reseeding_creates_and_changes_nothing(tmp_path: Path) -> None:
    created = seed_demo(tmp_path, now=NOW, large_result_mb=1)
    before = snapshot(tmp_path)
    assert seed_demo(tmp_path, now=NOW + timedelta(days=3), large_result_mb=1) == []
    assert snapshot(tmp_path) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(created)


def test_existing_top_level_folder_is_left_alone(tmp_path: Path) -> None:
    mine = tmp_path / USER_FOLDER
    mine.mkdir()
    (mine / "precious.txt").write_text("do not touch")
    created = seed_demo(tmp_path, now=NOW, large_result_mb=1)
    assert USER_FOLDER not in created
    assert len(created) >= 5
    assert [p.name for p in mine.iterdir()] == ["precious.txt"]
    assert (mine / "precious.txt").read_text() == "do not touch"


def test_naive_now_is_utc_and_bad_size_rejected(tmp_path: Path) -> None:
    naive = seed_demo(tmp_path / "n", now=NOW.replace(tzinfo=None), large_result_mb=1)
    aware = seed_demo(tmp_path / "a", now=NOW, large_result_mb=1)
    assert naive == aware
    assert snapshot(tmp_path / "n") == snapshot(tmp_path / "a")
    with pytest.raises(ValueError):
        seed_demo(tmp_path / "x", now=NOW, large_result_mb=0)


def test_default_size_is_fast(tmp_path: Path) -> None:
    start = time.perf_counter()
    created = seed_demo(tmp_path)
    elapsed = time.perf_counter() - start
    assert elapsed < 5.0, f"seed_demo took {elapsed:.2f} s"
    sizes = []
    for t in task_ids(created):
        with zipfile.ZipFile(tmp_path / t / "output.zip") as zf:
            sizes += [i.file_size for i in zf.infolist()]
    assert max(sizes) == 24 * 1024 * 1024
    assert all(p.stat().st_mtime < time.time() for p in tmp_path.rglob("*") if p.is_file())
