"""Test data of the transfer benchmark, written straight into the server's storage, and the
checks that every transfer delivered it byte for byte."""

from __future__ import annotations

import hashlib
import os
import random
import shutil
import zipfile
from dataclasses import dataclass
from pathlib import Path

from transfer_processes import KEY

REGION = "europe-west1"
KiB = 1024
MiB = 1024 * 1024


@dataclass(frozen=True)
class Sizes:
    small_count: int
    small_size: int = 10 * KiB
    big_size: int = 1024 * MiB
    member_size: int = 100 * 1000


# -- test data --------------------------------------------------------------------------------


@dataclass
class Dataset:
    work: Path
    sizes: Sizes
    small_digest: str = ""
    big_sha256: str = ""
    stdout: bytes = b""
    stdout_compressed: int = 0

    @property
    def region(self) -> Path:
        """The benchmark key's storage folder on the server's disk."""
        from inductiva_widgets.server.config import user_id_for

        return self.work / "server" / "users" / user_id_for(KEY) / REGION

    @property
    def small_local(self) -> Path:
        return self.work / "src" / "small"

    @property
    def big_local(self) -> Path:
        return self.work / "src" / "big.bin"


def write_small_files(folder: Path, sizes: Sizes) -> None:
    folder.mkdir(parents=True)
    rng = random.Random(1)
    for i in range(sizes.small_count):
        (folder / f"file_{i:05d}.dat").write_bytes(rng.randbytes(sizes.small_size))


def write_big_file(path: Path, size: int) -> str:
    """`size` bytes in which every MiB differs; returns the sha256."""
    block = random.Random(2).randbytes(MiB)
    digest = hashlib.sha256()
    with open(path, "wb") as fh:
        for index in range(0, size, MiB):
            chunk = (index.to_bytes(8, "little") + block[8:])[: size - index]
            fh.write(chunk)
            digest.update(chunk)
    return digest.hexdigest()


def stdout_text(size: int) -> bytes:
    """A solver log; deflates about 5:1, like real ones."""
    rng = random.Random(3)
    lines, total, step = [], 0, 0
    while total < size:
        line = (f"step {step:7d}  t={step * 1e-4:.6f}  dt=1.0e-04  "
                f"residual={rng.random():.6e}  iters={rng.randrange(3, 40)}\n")
        lines.append(line)
        total += len(line)
        step += 1
    return "".join(lines).encode()[:size]


def prepare(data: Dataset, ops: set[str]) -> None:
    """The local sources and, written straight into the server's storage, the downloads."""
    data.region.mkdir(parents=True)
    data.big_local.parent.mkdir(parents=True)
    bench = data.region / "bench"
    bench.mkdir()
    if ops & {"small-up", "small-down"}:
        write_small_files(data.small_local, data.sizes)
        data.small_digest = tree_digest(data.small_local)
    if "small-down" in ops:
        shutil.copytree(data.small_local, bench / "small")
    if ops & {"big-up", "big-down", "member"}:
        data.big_sha256 = write_big_file(data.big_local, data.sizes.big_size)
    if "big-down" in ops:
        os.link(data.big_local, bench / "big.bin")  # the same inode: no second GB on disk
    if "member" in ops:
        archive = data.region / "bench-task" / "output.zip"
        archive.parent.mkdir()
        data.stdout = stdout_text(data.sizes.member_size)
        with zipfile.ZipFile(archive, "w") as zf:
            zf.write(data.big_local, "artifacts/big.bin", compress_type=zipfile.ZIP_STORED)
            zf.writestr("artifacts/stdout.txt", data.stdout,
                        compress_type=zipfile.ZIP_DEFLATED)
            data.stdout_compressed = zf.getinfo("artifacts/stdout.txt").compress_size


# -- checks -----------------------------------------------------------------------------------


def tree_digest(folder: Path) -> str:
    """sha256 over (relative name, content) of every file beneath `folder`."""
    digest = hashlib.sha256()
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        digest.update(path.relative_to(folder).as_posix().encode() + b"\0")
        digest.update(path.read_bytes())
    return digest.hexdigest()


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        while chunk := fh.read(8 * MiB):
            digest.update(chunk)
    return digest.hexdigest()


def check(condition: bool, what: str) -> None:
    if not condition:
        raise AssertionError(f"check failed: {what}")


def check_tree(folder: Path, data: Dataset) -> None:
    files = [p for p in folder.rglob("*") if p.is_file()] if folder.is_dir() else []
    check(len(files) == data.sizes.small_count,
          f"{folder} holds {len(files)} files, expected {data.sizes.small_count}")
    check(tree_digest(folder) == data.small_digest, f"contents of {folder} differ")


def check_big(path: Path, data: Dataset) -> None:
    check(path.is_file(), f"{path} is missing")
    check(path.stat().st_size == data.sizes.big_size, f"{path} has the wrong size")
    check(file_sha256(path) == data.big_sha256, f"sha256 of {path} differs")


def check_member(folder: Path, data: Dataset) -> None:
    found = [p for p in folder.rglob("*") if p.is_file()]
    check(len(found) == 1 and found[0].name == "stdout.txt",
          f"the member download left {[str(p) for p in found]}")
    check(found[0].read_bytes() == data.stdout, "stdout.txt differs")


