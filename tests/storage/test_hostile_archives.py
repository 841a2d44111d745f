"""Decompression bombs and lying ZIP headers, against the real server over real HTTP.

Each case runs in a fresh interpreter (with a 1.5 GB address-space limit, so a regression
fails fast with MemoryError instead of eating the machine) and reports, per call, its
outcome, its time and its peak resident memory (VmHWM, reset before the call). Every call
must stay within PEAK_EXTRA of the interpreter's own footprint and PEAK_TOTAL overall,
whatever the member inflates to.
"""

from __future__ import annotations

import bz2
import json
import lzma
import os
import shutil
import struct
import subprocess
import sys
import threading
import zlib

import pytest

from inductiva_widgets.server.config import ServerConfig
from inductiva_widgets.server.runner import start_in_thread

from ..conftest import KEY
from ..server.helpers import region_root

MiB = 1024 * 1024
GiB = 1024 * MiB
BOMB = GiB  # what each honest bomb inflates to: b"a" repeated, no newline anywhere
LIE = 100 * MiB  # what each lying member inflates to; its headers say 10 bytes
STORED_BIG = 160 * MiB  # a stored member without newlines
pytestmark = pytest.mark.slow  # about two minutes: 1 GiB bombs are built and inflated

PEAK_EXTRA = 48 * MiB  # peak memory a call may add to the interpreter's own
PEAK_TOTAL = 150 * 1000 * 1000  # and the whole process's peak
QUICK_S = 10.0  # calls that must not inflate more than they were asked for
FULL_S = 45.0  # calls that must inflate a whole 1 GiB member (a tail, a download)
METHODS = {"stored": 0, "deflate": 8, "bzip2": 12, "lzma": 14}
ARCHIVE = "bombs/output.zip"  # members under artifacts/, named without it below
TAIL_WINDOW = MiB  # what tail_member keeps for lines=5: max(1 MiB, 5 x 16 KiB)
PREVIEW_TAIL = 256 * 1024  # previews.TAIL_KEEP


def _compress(method: int, total: int) -> tuple[bytes, int]:
    """`total` bytes of b"a" as raw ZIP member data for `method`, and their CRC-32."""
    unit = b"a" * MiB
    if method == 0:
        data = unit * (total // MiB)
        return data, zlib.crc32(data)
    head = b""
    if method == 8:
        comp = zlib.compressobj(9, zlib.DEFLATED, -zlib.MAX_WBITS)
    elif method == 12:
        comp = bz2.BZ2Compressor(9)
    else:
        lzma1 = {"id": lzma.FILTER_LZMA1, "preset": 0}
        props = lzma._encode_filter_properties(lzma1)  # noqa: SLF001 - as zipfile does
        head = struct.pack("<BBH", 9, 4, len(props)) + props
        comp = lzma.LZMACompressor(lzma.FORMAT_RAW, filters=[lzma1])
    parts, crc = [head], 0
    for _ in range(total // MiB):
        parts.append(comp.compress(unit))
        crc = zlib.crc32(unit, crc)
    parts.append(comp.flush())
    return b"".join(parts), crc


def _write_zip(path, members: list[tuple[str, int, bytes, int, int]]) -> None:
    """A ZIP by hand, so headers can lie: (name, method, raw data, declared size, crc)."""
    central = []
    with open(path, "wb") as fh:
        for name, method, data, size, crc in members:
            offset, encoded = fh.tell(), name.encode()
            fields = (20 if method in (0, 8) else 46, 0x02 if method == 14 else 0, method,
                      0, 0x21, crc, len(data), size, len(encoded))
            fh.write(struct.pack("<4sHHHHHIIIHH", b"PK\x03\x04", *fields, 0) + encoded)
            fh.write(data)
            central.append(struct.pack("<4sHHHHHHIIIHHHHHII", b"PK\x01\x02", 20, *fields,
                                       0, 0, 0, 0, 0, offset) + encoded)
        start, directory = fh.tell(), b"".join(central)
        fh.write(directory)
        fh.write(struct.pack("<4sHHHHIIH", b"PK\x05\x06", 0, 0, len(central), len(central),
                             len(directory), start, 0))


@pytest.fixture(scope="module")
def bombs(tmp_path_factory):
    """The real server holding bombs/output.zip and small bombs/<method>.zip archives."""
    built: dict[tuple[str, int], tuple[bytes, int]] = {}

    def build(method: int, total: int) -> None:
        built[method, total] = _compress(method, total)

    jobs = [(m, BOMB) for m in (8, 12, 14)] + [(m, LIE) for m in METHODS.values()]
    jobs.append((0, STORED_BIG))
    threads = [threading.Thread(target=build, args=job) for job in jobs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    config = ServerConfig(root=tmp_path_factory.mktemp("hostile"), api_keys=[KEY])
    with start_in_thread(config) as server:
        folder = region_root(server, KEY) / "bombs"
        folder.mkdir(parents=True)
        members = []
        for label, method in METHODS.items():
            data, crc = built[method, STORED_BIG if method == 0 else BOMB]
            members.append((f"artifacts/{label}.log", method, data, len(data) if method == 0
                            else BOMB, crc))
            data, crc = built[method, LIE]
            members.append((f"artifacts/liar-{label}.log", method, data, 10, crc))
        _write_zip(folder / "output.zip", members)
        for label in ("bzip2", "lzma"):
            data, crc = built[METHODS[label], BOMB]
            _write_zip(folder / f"{label}.zip", [("big.txt", METHODS[label], data, BOMB, crc)])
        data, crc = built[12, LIE]
        _write_zip(folder / "liar.zip", [("liar.txt", 12, data, 10, crc)])
        built.clear()
        yield server
    shutil.rmtree(config.root, ignore_errors=True)  # GiB-sized archives: not left behind


SCRIPT = r"""
import json, os, resource, sys, time
resource.setrlimit(resource.RLIMIT_AS, (1536 * 2**20, 1536 * 2**20))

def hwm():
    with open("/proc/self/status") as fh:
        return int(fh.read().split("VmHWM:")[1].split()[0]) * 1024

import inductiva_widgets.storage as st
import inductiva_widgets.widgets.previews as pv
client = st.StorageClient(os.environ["IW_URL"], os.environ["IW_KEY"], retries=0)
rd = st.MemberReader(client)
archive, folder = os.environ["IW_ARCHIVE"], os.environ["IW_FOLDER"]
report = []
for call in json.loads(sys.argv[1]):
    base = hwm()
    try:  # VmHWM back to the current RSS, so each call's own peak is seen
        with open("/proc/self/clear_refs", "w") as fh:
            fh.write("5")
        base = hwm()
    except OSError:
        pass
    started = time.monotonic()
    try:
        outcome = {"result": eval(call)}
    except st.StorageError as exc:
        outcome = {"error": type(exc).__name__, "message": str(exc)[:200]}
    except BaseException as exc:
        outcome = {"error": type(exc).__name__, "bare": True, "message": str(exc)[:200]}
    outcome.update(call=call, seconds=time.monotonic() - started, base=base, peak=hwm())
    report.append(outcome)
print(json.dumps(report))
"""


def run_calls(server, tmp_path, *calls: str) -> list[dict]:
    """Evaluate each call in one fresh interpreter; their outcomes, times and peaks."""
    env = {**os.environ, "IW_URL": server.url, "IW_KEY": KEY, "IW_ARCHIVE": ARCHIVE,
           "IW_FOLDER": str(tmp_path)}
    done = subprocess.run([sys.executable, "-c", SCRIPT, json.dumps(calls)], env=env,
                          capture_output=True, text=True, timeout=240, check=False)
    assert done.returncode == 0, done.stderr[-3000:]
    report = json.loads(done.stdout.strip().splitlines()[-1])
    for entry in report:
        print(f"{entry['call'][:90]:90} peak {entry['peak'] / MiB:7.1f} MiB "
              f"(+{(entry['peak'] - entry['base']) / MiB:6.1f}) {entry['seconds']:6.2f} s "
              f"{entry.get('error', '')}")
    return report


def assert_bounded(entry: dict, seconds: float) -> None:
    what = f"{entry['call']}: {entry.get('error')} {entry.get('message', '')}"
    assert entry["peak"] - entry["base"] < PEAK_EXTRA, what
    assert entry["peak"] < PEAK_TOTAL, what
    assert entry["seconds"] < seconds, what
    assert not entry.get("bare"), what


def assert_refused(entry: dict, seconds: float = QUICK_S) -> None:
    assert_bounded(entry, seconds)
    assert entry.get("error") == "IntegrityError", entry


COMPRESSED = ["deflate", "bzip2", "lzma"]


@pytest.mark.timeout(300)
@pytest.mark.parametrize("method", COMPRESSED)
def test_read_member_with_max_bytes_inflates_only_that(bombs, tmp_path, method):
    (entry,) = run_calls(bombs, tmp_path, f"st.read_member(archive, '{method}.log', "
                         "max_bytes=1000, client=client) == b'a' * 1000")
    assert_bounded(entry, QUICK_S)
    assert entry.get("result") is True, entry


@pytest.mark.timeout(300)
@pytest.mark.parametrize("method", list(METHODS))
def test_whole_read_of_a_lying_member_stops_at_its_declared_size(bombs, tmp_path, method):
    (entry,) = run_calls(bombs, tmp_path,
                         f"len(st.read_member(archive, 'liar-{method}.log', client=client))")
    assert_refused(entry)
    assert "declares" in entry["message"]


@pytest.mark.timeout(300)
@pytest.mark.parametrize("method", list(METHODS))
def test_tail_of_a_member_without_newlines_keeps_a_bounded_window(bombs, tmp_path, method):
    honest, liar = run_calls(
        bombs, tmp_path,
        f"[len(x) for x in st.tail_member(archive, '{method}.log', lines=5, client=client)]",
        f"st.tail_member(archive, 'liar-{method}.log', lines=5, client=client)")
    assert_bounded(honest, FULL_S)
    assert honest.get("result") == [TAIL_WINDOW], honest  # the one line, cut to its end
    if method == "stored":  # read from its end: the lie is not seen, but nothing is big
        assert_bounded(liar, QUICK_S)
    else:
        assert_refused(liar)


@pytest.mark.timeout(300)
@pytest.mark.parametrize("method", COMPRESSED)
def test_member_download_streams_in_constant_memory(bombs, tmp_path, method):
    honest, liar = run_calls(
        bombs, tmp_path,
        f"[(p.stat().st_size, p.unlink()) for p in st.download(archive + '/{method}.log', "
        "folder, client=client, progress=False)][0][0]",
        f"st.download(archive + '/liar-{method}.log', folder, client=client, progress=False)")
    assert_bounded(honest, FULL_S)
    assert honest.get("result") == BOMB, honest
    assert_refused(liar)
    assert not [p for p in tmp_path.rglob("*") if p.is_file()]  # no partial file left


@pytest.mark.timeout(300)
@pytest.mark.parametrize("method", list(METHODS))
def test_widget_previews_stay_bounded(bombs, tmp_path, method):
    member = f"rd.locate(archive, '{method}.log')"
    liar = f"rd.locate(archive, 'liar-{method}.log')"
    head, more, tail, auto, whole, liar_head = run_calls(
        bombs, tmp_path,
        f"len(pv.preview_member(rd, archive, {member}, 'head')['text'])",
        f"len(pv.preview_member(rd, archive, {member}, 'more', 150 * 2**20)['text'])",
        f"len(pv.preview_member(rd, archive, {member}, 'tail')['text'])",
        f"pv.preview_member(rd, archive, {member})['mode']",
        f"len(rd.read_all({liar}))",
        f"pv.preview_member(rd, archive, {liar}, 'head')['text']")
    for entry in (head, more, auto, liar_head):
        assert_bounded(entry, QUICK_S)
    assert head.get("result") == more.get("result") == 64 * 1024, (head, more)
    assert_bounded(tail, FULL_S)
    assert tail.get("result") == PREVIEW_TAIL, tail
    # a compressed log too big to inflate for a preview shows its start
    assert auto.get("result") == ("tail" if method == "stored" else "head"), auto
    assert liar_head.get("result") == "a" * 10, liar_head
    assert_refused(whole)


@pytest.mark.timeout(300)
@pytest.mark.parametrize("method", ["bzip2", "lzma"])
def test_downloaded_archive_extracts_in_constant_memory(bombs, tmp_path, method):
    honest, liar = run_calls(
        bombs, tmp_path,
        f"[(p / 'big.txt').stat().st_size for p in st.download('bombs/{method}.zip', folder, "
        "client=client, progress=False)][0]",
        "st.download('bombs/liar.zip', folder, client=client, progress=False)")
    shutil.rmtree(tmp_path / "bombs", ignore_errors=True)  # 1 GiB extracted
    assert_bounded(honest, FULL_S)
    assert honest.get("result") == BOMB, honest
    assert_refused(liar)
