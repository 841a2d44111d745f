"""Starting states of the differential suite: the remote tree, written straight to disk."""

from __future__ import annotations

import bz2  # noqa: F401 - zipfile needs it for ZIP_BZIP2; fail early if missing
import io
import lzma  # noqa: F401 - as above, for ZIP_LZMA
import os
import random
import zipfile
from collections.abc import Iterable
from pathlib import Path

from .common import FIXED_TIME, ZIP_TIME


def _bytes(n: int, seed: int) -> bytes:
    return random.Random(seed).randbytes(n)


def make_zip(members: Iterable[tuple[str, bytes | None, int]]) -> bytes:
    """An archive from (name, data, method); data None makes an explicit folder entry."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zf:
        for name, data, method in members:
            info = zipfile.ZipInfo(name, date_time=ZIP_TIME)
            if data is None:
                info.external_attr = 0o40755 << 16 | 0x10
                zf.writestr(info, b"")
            else:
                info.compress_type = method
                info.external_attr = 0o644 << 16
                zf.writestr(info, data)
    return buffer.getvalue()


D, S, BZ, XZ = zipfile.ZIP_DEFLATED, zipfile.ZIP_STORED, zipfile.ZIP_BZIP2, zipfile.ZIP_LZMA
STDOUT_TXT = b"".join(b"simulation step %d done\n" % i for i in range(2000))


def _components() -> dict[str, dict[str, bytes]]:
    many = {f"many/result_{i:03d}.txt": b"r" * (i % 17) for i in range(230)}
    many.update({f"many/other_{i}.dat": b"o" * (i + 1) for i in range(5)})
    return {
        "data": {
            "data/a.txt": b"hello from a\n",
            "data/empty.txt": b"",
            "data/with space.txt": b"a file name with a space\n",
            "data/\u00fcn\u00efc\u00f8d\u00e9.txt": "unicode name \u2713\n".encode(),
            "data/sub/b.bin": _bytes(50_000, 1),
            "data/sub/deeper/c.txt": b"deep\n" * 1000,
        },
        # output.zip WITH explicit artifacts/ (and artifacts/sub/) folder entries; members
        # stored, deflated, bzip2, lzma, empty, in a subfolder, and one outside artifacts/.
        "task1": {
            "task1/output.zip": make_zip([
                ("artifacts/", None, S),
                ("artifacts/stdout.txt", STDOUT_TXT, D),
                ("artifacts/raw.bin", _bytes(5_000, 2), S),
                ("artifacts/empty.txt", b"", D),
                ("artifacts/sub/", None, S),
                ("artifacts/sub/nested.txt", b"nested member\n" * 300, D),
                ("artifacts/bz.txt", b"bzip2 member\n" * 400, BZ),
                ("artifacts/xz.txt", b"lzma member\n" * 400, XZ),
                ("logs/other.txt", b"not an artifact\n" * 50, D),
            ]),
            "task1/input.zip": make_zip([
                ("sim_dir/", None, S),
                ("sim_dir/config.json", b'{"steps": 2000}\n', D),
                ("sim_dir/mesh/grid.txt", b"0 0 0\n" * 500, D),
            ]),
            "task1/metadata.json": b'{"task": "task1"}\n',
        },
        # output.zip WITHOUT an explicit artifacts/ folder entry.
        "task2": {
            "task2/output.zip": make_zip([
                ("artifacts/stdout.txt", b"task two output\n" * 100, D),
                ("artifacts/result.csv", b"x,y\n" + b"1,2\n" * 200, D),
                ("artifacts/sub/deep.txt", b"deep member\n", D),
            ]),
        },
        "zips": {
            "zips/plain.zip": make_zip([("a.txt", b"plain member a\n" * 20, D),
                                        ("sub/b.txt", b"plain member b\n" * 20, D)]),
            "zips/slip.zip": make_zip([("artifacts/", None, S),
                                       ("artifacts/ok.txt", b"fine\n", D),
                                       ("artifacts/../../../evil.txt", b"zip-slip\n", D)]),
            "zips/notzip.zip": b"this is not a zip archive\n",
        },
        "mixed": {
            "mixed/a.txt": b"plain file before the archive\n",
            "mixed/z.zip": make_zip([("x.txt", b"inside z\n" * 10, D)]),
        },
        "many": many,
        "datasets": {"datasets/README.md": b"# datasets\n"},
        "exp": {"exp/blob.bin": _bytes(200_000, 3)},
    }


COMPONENTS = _components()
BASE = ("data", "task1", "task2")

INPUTS: dict[str, dict[str, bytes | None]] = {  # None: an empty folder
    "file": {"single.txt": b"single file\n" * 10},
    "bigfile": {"big.bin": _bytes(1_500_000, 4)},
    "folder": {"folder/a.txt": b"folder a\n", "folder/empty.txt": b"",
               "folder/sub/b.txt": b"folder b\n" * 50,
               "folder/sub/deeper/c.bin": _bytes(20_000, 5)},
    "odd": {"odd dir/with space.txt": b"space\n",
            "odd dir/\u00fcn\u00ef c\u00f8d\u00e9.txt": b"unicode\n",
            "odd dir/odd a+b #1 & c=d.txt": b"url characters\n",
            "odd dir/percent%20name.txt": b"percent\n"},
    "empty_file": {"empty.txt": b""},
    "empty_folder": {"emptydir": None},
    "output_zip": {"outdir/output.zip": make_zip([("artifacts/x.txt", b"x", D)])},
    "unicode_file": {"\u00fcn\u00ef.txt": b"unicode file name\n"},
}


def _set_times(root: Path, rels: Iterable[str]) -> None:
    """Fixed, distinct modification times: files in path order, then folders bottom-up."""
    for i, rel in enumerate(sorted(rels)):
        os.utime(root / rel, (FIXED_TIME + 61 * i, FIXED_TIME + 61 * i))
    folders = sorted({p for rel in rels for p in Path(rel).parents if str(p) != "."},
                     key=lambda p: (-len(p.parts), str(p)))
    for j, folder in enumerate(folders):
        stamp = FIXED_TIME - 3600 + 7 * j
        os.utime(root / folder, (stamp, stamp))


def write_state(region_root: Path, components: Iterable[str]) -> None:
    files: dict[str, bytes] = {}
    for name in components:
        files.update(COMPONENTS[name])
    region_root.mkdir(parents=True, exist_ok=True)
    for rel, data in files.items():
        path = region_root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    _set_times(region_root, files)


def write_inputs(folder: Path, names: Iterable[str]) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for name in names:
        for rel, data in INPUTS[name].items():
            path = folder / rel
            if data is None:
                path.mkdir(parents=True, exist_ok=True)
            else:
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_bytes(data)


