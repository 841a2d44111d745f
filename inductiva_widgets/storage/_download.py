"""download(): files, folders and single ZIP members from storage to local disk."""

from __future__ import annotations

import os
import posixpath
import shutil
import struct
import zipfile
import zlib
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import unquote, urlsplit

from . import paths
from ._client import StorageClient
from ._exceptions import (
    CorruptArchiveError,
    IntegrityError,
    InvalidPathError,
    NotFoundError,
    StorageError,
    TransferError,
    UnsafeArchiveError,
)
from ._feedback import log
from ._inflate import inflate_pieces
from ._progress import CancelToken, ProgressArg, Tracker
from ._transfers import CHUNK, DownloadJob, Stopper, get_file, part_path, run_parallel
from .members import MemberReader
from .tasks import ARCHIVE_FOLDER, TASK_OUTPUT_ZIP

# Beyond this many distinct folders, sizes are learnt from the downloads themselves.
MAX_SIZE_LISTINGS = 64


def storage_path_from_url(url: str, base: str) -> str:
    """The storage path a signed download URL points at (its path ends with it)."""
    path = unquote(urlsplit(url).path)
    if not base:
        raise InvalidPathError("cannot download the whole storage root; name a folder")
    for marker in (f"/{base}/", f"/{base}"):
        index = path.find(marker)
        if index >= 0 and (marker.endswith("/") or path.endswith(marker)):
            return path[index + 1 :]
    raise TransferError(f"the signed URL for {base!r} does not name it: {url[:120]}")


def _known_sizes(client: StorageClient, remotes: list[str], region: str | None
                 ) -> dict[str, int]:
    """Sizes of `remotes` from listings of their folders (a few calls, not one per file)."""
    folders = sorted({posixpath.dirname(p) for p in remotes})
    if len(folders) > MAX_SIZE_LISTINGS:
        return {}

    def sizes_in(folder: str) -> dict[str, int]:
        found = {}
        try:
            for entry in client.iter_contents(folder + "/", region=region):
                if not entry["is_directory"] and entry.get("size_bytes") is not None:
                    found[posixpath.join(folder, entry["name"])] = entry["size_bytes"]
        except StorageError:
            return {}
        return found

    sizes: dict[str, int] = {}
    with ThreadPoolExecutor(max_workers=min(client.concurrency, len(folders) or 1)) as pool:
        for found in pool.map(sizes_in, folders):
            sizes.update(found)
    return sizes


def local_path(local_dir: str | os.PathLike, remote_path: str, decompress: bool = True) -> Path:
    """Where `download(remote_path, local_dir, decompress)` puts its result."""
    local = Path(local_dir or ".")
    member = paths.split_member(remote_path)
    if member is not None:
        archive, name = member
        return paths.local_target(local, f"{archive[: -len('.zip')]}/{name.strip('/')}")
    target = paths.local_target(local, paths.normalize(remote_path, allow_root=False))
    return target.with_suffix("") if decompress and target.suffix.lower() == ".zip" else target


def download_path(client: StorageClient, remote_path: str, local_dir: str | os.PathLike = "",
                  decompress: bool = True, region: str | None = None, *,
                  progress: ProgressArg = None, cancel: CancelToken | None = None
                  ) -> list[Path]:
    """Download a file, a folder, or `<archive>.zip/<member>`; returns the local files."""
    local = Path(local_dir or ".")
    member = paths.split_member(remote_path)
    if member is not None:
        written = [download_member(client, *member, local, region, progress=progress,
                                   cancel=cancel)]
        _say_downloaded(written, local_dir, remote_path)
        return written
    base = paths.normalize(remote_path, allow_root=False)
    urls = client.signed_urls([base + ("/" if remote_path.endswith("/") else "")],
                              "download", region)
    if not urls:
        raise NotFoundError(f"nothing to download at {remote_path!r}", status_code=404)
    remotes = [storage_path_from_url(url, base) for url in urls]
    # Totals up front only matter to a progress display; each file is checked against its
    # Content-Length anyway.
    wants_total = progress is not False and len(remotes) > 1
    sizes = _known_sizes(client, remotes, region) if wants_total else {}
    jobs = [DownloadJob(url, remote, paths.local_target(local, remote), sizes.get(remote))
            for url, remote in zip(urls, remotes, strict=True)]
    total = sum(sizes.values()) if len(sizes) == len(jobs) and jobs else None
    for folder in {job.local.parent for job in jobs}:
        folder.mkdir(parents=True, exist_ok=True)
    tracker = Tracker(progress, len(jobs), total,
                      f'Downloading {len(jobs)} file(s) from "{remote_path}"')
    try:
        def size_of(remote: str) -> int | None:
            return _known_sizes(client, [remote], region).get(remote)

        run_parallel(jobs, lambda job, stop: get_file(client.blobs, job, tracker, stop,
                                                      client.retries, size_of),
                     client.workers_for(len(jobs)), cancel)
        if tracker.state.bytes_total is None:
            tracker.set_total(tracker.state.bytes_done)
        tracker.finish()
    finally:
        tracker.close()
    downloaded = [job.local for job in jobs]
    written = downloaded
    if decompress:
        written = [extract_zip(p) if p.suffix.lower() == ".zip" else p for p in downloaded]
    _say_downloaded(downloaded, local_dir, remote_path)
    return written


def _say_downloaded(written: list[Path], local_dir: str | os.PathLike, remote_path: str) -> None:
    """The reference's closing line (it names the files as downloaded, before unpacking)."""
    where = written[0] if len(written) == 1 else os.path.join(local_dir, remote_path)
    log.info('Successfully downloaded %d file(s) to "%s".', len(written), where)


def download_member(client: StorageClient, archive: str, member: str, local_dir: Path,
                    region: str | None = None, *, progress: ProgressArg = None,
                    cancel: CancelToken | None = None) -> Path:
    """One member, inflated locally, at `<local_dir>/<archive without .zip>/<member>`."""
    reader = MemberReader(client)
    located = reader.locate(archive, member, region)
    target = local_path(local_dir, f"{archive}/{member}")
    target.parent.mkdir(parents=True, exist_ok=True)
    part = part_path(target)
    tracker = Tracker(progress, 1, located.compressed_size,
                      f'Downloading "{posixpath.basename(member)}" from "{archive}/{member}"')
    stopper = Stopper(cancel)
    try:
        with open(part, "wb") as fh:
            for chunk in reader.stream(located, cancel=cancel,
                                       meter=lambda n: tracker.add_bytes(n, located.name)):
                stopper.check()
                fh.write(chunk)
        os.replace(part, target)
        tracker.file_done(located.name)
        tracker.finish()
    except BaseException:
        part.unlink(missing_ok=True)
        raise
    finally:
        tracker.close()
    return target


def _inflate_local(path: Path, info: zipfile.ZipInfo) -> Iterator[bytes]:
    """A local archive's member in pieces of at most 1 MiB, CRC checked.

    zipfile inflates a whole bzip2/lzma read at once (a bomb's GiBs), so it is only used
    for the member list here.
    """
    if info.flag_bits & 0x1:
        raise IntegrityError(f"{path.name}: {info.filename} is encrypted")
    if info.compress_size == 0 and info.file_size == 0:
        return
    with open(path, "rb") as fh:
        fh.seek(info.header_offset)
        header = fh.read(30)
        if len(header) < 30 or header[:4] != b"PK\x03\x04":
            raise IntegrityError(f"{path.name}: no local header for {info.filename}")
        name_len, extra_len = struct.unpack_from("<HH", header, 26)
        fh.seek(info.header_offset + 30 + name_len + extra_len)

        def raw() -> Iterator[bytes]:
            left = info.compress_size
            while left > 0 and (chunk := fh.read(min(CHUNK, left))):
                left -= len(chunk)
                yield chunk

        crc = 0
        for piece in inflate_pieces(info.compress_type, raw(), info.file_size,
                                    info.filename):
            crc = zlib.crc32(piece, crc)
            yield piece
        if crc != info.CRC:
            raise IntegrityError(f"{path.name}: {info.filename} fails its CRC check")


def extract_zip(path: Path) -> Path:
    """Unpack a downloaded archive into a folder of the same name, then delete it.

    Task outputs keep their files under `artifacts/`; as in the `inductiva` package, only
    that folder's contents are extracted when it is there. Every member is checked before
    anything is written: one that would land outside the folder refuses the whole archive.
    """
    target = path.with_suffix("")
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as exc:
        raise CorruptArchiveError(f"{path.name} is not a readable ZIP archive: {exc}") from exc
    with archive:
        infos = [i for i in archive.infolist() if not i.is_dir()]
        # As the reference does: a full task output has an explicit `artifacts/` entry and
        # only what is inside it is extracted; otherwise the archive is extracted as it is.
        folder = ARCHIVE_FOLDER[TASK_OUTPUT_ZIP]
        strip = folder if folder in archive.NameToInfo else ""
        plan = []
        for info in infos:
            if strip and not info.filename.startswith(strip):
                continue
            try:
                destination = paths.local_target(target, info.filename[len(strip):])
            except UnsafeArchiveError as exc:
                raise UnsafeArchiveError(
                    f"{path.name} holds {info.filename!r}, which would be extracted outside "
                    f"{target}; nothing was extracted") from exc
            plan.append((info, destination))
        staging = target.with_name(f".{target.name}.extracting")
        shutil.rmtree(staging, ignore_errors=True)
        try:
            for info, destination in plan:
                staged = staging / destination.relative_to(target)
                staged.parent.mkdir(parents=True, exist_ok=True)
                with open(staged, "wb") as dst:
                    for piece in _inflate_local(path, info):
                        dst.write(piece)
            if target.exists():
                for _, destination in plan:
                    destination.parent.mkdir(parents=True, exist_ok=True)
                    os.replace(staging / destination.relative_to(target), destination)
                shutil.rmtree(staging, ignore_errors=True)
            else:
                staging.mkdir(parents=True, exist_ok=True)
                os.replace(staging, target)
        except BaseException:
            shutil.rmtree(staging, ignore_errors=True)
            raise
    path.unlink()
    return target


__all__ = ["download_member", "download_path", "extract_zip", "local_path",
           "storage_path_from_url"]
