"""upload(): local files and folders to storage, several files at once."""

from __future__ import annotations

import os
from pathlib import Path

from . import paths
from ._client import SignedUrls, StorageClient
from ._exceptions import InvalidPathError
from ._feedback import log
from ._progress import CancelToken, ProgressArg, Tracker
from ._transfers import Stopper, UploadJob, put_file, run_parallel
from .tasks import TASK_OUTPUT_ZIP


def _local_files(local: Path) -> list[tuple[Path, str]]:
    """(file, path relative to `local`) for a file or every file beneath a folder."""
    if local.is_file():
        return [(local, local.name)]
    found = []
    for dirpath, dirnames, filenames in os.walk(local):
        dirnames.sort()
        for name in sorted(filenames):
            path = Path(dirpath) / name
            if path.is_file():  # skips broken links, sockets and the like
                found.append((path, path.relative_to(local).as_posix()))
    return found


def upload_files(client: StorageClient, local_path: str | os.PathLike, remote_dir: str,
                 region: str | None = None, *, progress: ProgressArg = None,
                 cancel: CancelToken | None = None) -> list[str]:
    """Upload a file, or a folder's files, into `remote_dir`; returns the storage paths.

    A folder's files keep their paths relative to it: `upload("run1", "inputs")` puts
    `run1/a/b.txt` at `inputs/a/b.txt`, as the `inductiva` package does.
    """
    local = Path(local_path)
    if not local.exists():
        raise InvalidPathError(f"File or directory '{local_path}' does not exist.")
    files = _local_files(local)
    if any(rel == TASK_OUTPUT_ZIP for _, rel in files):
        # The reference's words (`output.zip` is where task outputs go).
        raise InvalidPathError(f"Invalid file name: '{TASK_OUTPUT_ZIP}.'")
    # Said before the remote folder is checked, as the reference says it before asking.
    log.info("Uploading content...")
    remote_dir = paths.normalize(remote_dir, allow_root=False, what="remote folder")
    remotes = [paths.join(remote_dir, rel) for _, rel in files]
    for remote in remotes:
        paths.normalize(remote, allow_root=False, what="file name")
    sizes = [path.stat().st_size for path, _ in files]
    urls = SignedUrls(client, remotes, "upload", region)
    if files:
        urls[0]  # nothing moves before the first batch is back, and its answer times the link
    tracker = Tracker(progress, len(files), sum(sizes), None)  # the reference's bar has no title

    def send(index: int, stop: Stopper) -> None:
        job = UploadJob(files[index][0], remotes[index], sizes[index], urls[index])
        put_file(client.blobs, job, tracker, stop, client.retries)

    try:
        run_parallel(range(len(files)), send, client.workers_for(len(files)), cancel)
        tracker.finish()
    finally:
        tracker.close()
    log.info("Content uploaded successfully.")
    return remotes
