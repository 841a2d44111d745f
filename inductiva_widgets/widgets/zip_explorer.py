"""ZipExplorer: the members of one remote ZIP archive as a tree, and a preview of any of them.

Nothing but the member list and the bytes of the members looked at is fetched: the archive
itself is never downloaded.
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING, Any

import traitlets

from .. import storage
from ..storage import (
    ByteMeter,
    Member,
    NotFoundError,
    StorageClient,
    StorageError,
    ZipFileInfo,
    implied_prefix,
    member_candidates,
    method_name,
)
from ..storage.paths import normalize
from ._rpc import bundle, rpc
from .gather_entry import GatherHost
from .gather_view import GatherView
from .previews import MemberPreviews, python_name

if TYPE_CHECKING:
    import pandas as pd

# Above this many members the view gets them folder by folder instead of in one reply.
MAX_FLAT_MEMBERS = 20_000


def _member_json(info: ZipFileInfo) -> dict[str, Any]:
    return {"name": info.name, "size": info.size, "compressed_size": info.compressed_size,
            "compress_type": info.compress_type, "method": method_name(info.compress_type),
            "created": info.creation_time.isoformat() if info.creation_time else None}


class ZipExplorer(GatherHost):
    """Explore one remote ZIP archive: a tree of its members and a preview of the selected one.

    Previews are read by HTTP Range from the archive (text head or tail, CSV as a table,
    images inline, a hex dump of anything else), and each one says how many bytes it cost.

    Args:
        path: the archive's storage path, e.g. "<task id>/output.zip".
        client: a `StorageClient` (default: the one from INDUCTIVA_API_URL/KEY).
        region: the archive's region ("" for the server's default).
        height: height of the widget in pixels.

    Python API: `members`, `preview(member)`, `dataframe(member)`, `frames`, `selected`.
    """

    _esm = bundle("zip_explorer.js")
    _css = bundle("styles.css")
    default_python_name = "explorer"

    path = traitlets.Unicode("", help="the archive's storage path").tag(sync=True)
    region = traitlets.Unicode(
        "", help='the archive\'s region ("" for the server\'s default)').tag(sync=True)
    height = traitlets.Int(480, help="height of the widget in pixels").tag(sync=True)
    selected = traitlets.Unicode(
        "", help="the member shown in the preview (its full name once resolved)").tag(sync=True)
    archive_size = traitlets.Int(
        None, allow_none=True, help="the archive's own size in bytes").tag(sync=True)
    member_count = traitlets.Int(0, help="number of file members").tag(sync=True)
    total_size = traitlets.Int(
        None, allow_none=True, help="sum of the members' uncompressed sizes").tag(sync=True)
    implied_prefix = traitlets.Unicode(
        "", help="the folder a task archive's members may be named without").tag(sync=True)
    error = traitlets.Unicode("", help='an error to show in the view ("" for none)').tag(sync=True)
    version = traitlets.Int(
        0, help="bumped to make the view fetch the member list again").tag(sync=True)
    last_frame_name = traitlets.Unicode(
        "", help="key in `frames` of the DataFrame opened last from the view").tag(sync=True)
    download_folder = traitlets.Unicode(
        "./downloads", help="kernel-side folder of the last download").tag(sync=True)

    def __init__(self, path: str, client: StorageClient | None = None, *, region: str = "",
                 height: int = 480, **kwargs: Any) -> None:
        normal = normalize(path, allow_root=False, what="archive path")
        super().__init__(client=client, path=normal, region=region, height=height, **kwargs)
        self._previews = MemberPreviews(
            client=lambda: self.client, region=self._region,
            python_name=lambda: python_name(self, self.default_python_name),
            on_frame=self._frame_opened, on_download_folder=self._downloaded_into,
            locate=self._known_member, archive_size=self._known_archive_size)
        self._index_lock = threading.Lock()
        self._infos: list[ZipFileInfo] | None = None
        self._by_name: dict[str, ZipFileInfo] = {}
        self._load_error: StorageError | None = None
        self.implied_prefix = implied_prefix(normal)
        self._load()

    def __repr__(self) -> str:
        return f"ZipExplorer({self.path!r}, members={self.member_count})"

    # -- the member list ----------------------------------------------------------------------

    def _load(self) -> None:
        """Fetch the member list (one call); a failure is shown in the widget, raised later."""
        with self._index_lock:
            try:
                info = storage.get_zip_contents(self.path, "", recursive=True,
                                                region=self._region(), client=self.client)
            except StorageError as exc:
                self._infos, self._by_name, self._load_error = None, {}, exc
                self.error = f"Cannot open {self.path}: {exc}"
                return
            self._infos = info.files
            self._by_name = {f.name: f for f in info.files}
            self._load_error = None
            # (info.size is the members' total; the archive's own size comes from a listing.)
            self.total_size = info.size
            self.archive_size = self._previews.reader.archive_size(self.path, self._region())
            self.member_count = sum(1 for f in info.files if not f.is_dir)
            self.error = ""

    def _index(self) -> dict[str, ZipFileInfo]:
        if self._infos is None:
            self._load()
            if self._load_error is not None:
                raise self._load_error
        return self._by_name

    @property
    def members(self) -> list[ZipFileInfo]:
        """Every member of the archive (raises the storage error if it cannot be read)."""
        self._index()
        return list(self._infos or [])

    def refresh(self) -> None:
        """Read the member list again (after the archive changed)."""
        self._infos = None
        self._previews.clear()
        self._load()
        self.version += 1

    def resolve(self, member: str) -> str:
        """A member's full name; the task archive's implied folder may be left out."""
        index = self._index()
        for name in member_candidates(self.path, member):
            if name in index and not index[name].is_dir:
                return name
        tried = " or ".join(repr(n) for n in member_candidates(self.path, member))
        raise NotFoundError(f'"{member}" is not a file in "{self.path}" (looked for {tried})',
                            status_code=404)

    def _region(self) -> str | None:
        return self.region or None

    def _known_member(self, archive: str, member: str) -> Member | None:
        """A member of this archive from the list already read (None for another archive)."""
        if archive != self.path:  # another archive (not expected from this view)
            return None
        info = self._index()[self.resolve(member)]
        return self._previews.reader.member(self.path, ZipFileInfo(**vars(info)),
                                            self._region())

    def _known_archive_size(self, archive: str) -> int | None:
        return self.archive_size if archive == self.path else None

    def _frame_opened(self, name: str) -> None:
        self.last_frame_name = name

    def _downloaded_into(self, folder: str) -> None:
        self.download_folder = folder

    @traitlets.validate("selected")
    def _valid_selected(self, proposal: dict) -> str:
        value = proposal["value"]
        if not value or self._infos is None:
            return value
        try:
            return self.resolve(value)
        except NotFoundError:
            return value  # the view says it is missing

    # -- Python API -----------------------------------------------------------------------------

    @property
    def frames(self) -> dict[str, pd.DataFrame]:
        """DataFrames opened with "Open as DataFrame" (or `dataframe()`), by member name."""
        return self._previews.frames

    @rpc
    def preview(self, member: str, mode: str = "auto", offset: int = 0, *,
                archive: str | None = None) -> dict[str, Any]:
        """A preview of `member` as the view shows it.

        A dict with `kind` ("text", "csv", "image" or "binary"), `bytes_fetched` (raw
        archive bytes this preview cost), sizes and method, `code` (the equivalent
        `inductiva_widgets.storage` call) and, by kind: `text`/`offset`/`next_offset`/`eof`,
        `columns`/`dtypes`/`rows`, `data_url`, or `hex`. `mode`: "auto", "head", "more",
        "tail" or "earlier" (with `offset` for "more"/"earlier"). The view passes `archive`
        too (this one, or another archive's member).
        """
        return self._previews.preview(archive or self.path, member, mode, offset)

    def dataframe(self, member: str) -> pd.DataFrame:
        """A whole CSV/TSV member as a DataFrame, also kept in `frames[name]`."""
        return self._previews.dataframe(self.path, member, ByteMeter())[1]

    def gather(self, member: str) -> GatherView:
        """Gather `member` of this task archive from every task beside it (the task folder
        becomes `*`, see `task_pattern`); the view shows it in a panel."""
        return self._show_gather(f"{self.path}/{self.resolve(member)}", self.region,
                                 self.height)

    # -- calls from the view --------------------------------------------------------------------

    @rpc
    def open_gather(self, member: str) -> dict[str, Any]:
        """ "Gather from all tasks" for `member` (see `gather`)."""
        return {"pattern": self.gather(member).pattern}

    @rpc
    def member_list(self, folder: str | None = None) -> dict[str, Any]:
        """Every member in one reply, or (for huge archives, or when `folder` is given) the
        direct children of `folder`: its files and subfolders with their totals."""
        index = self._index()
        head = {"archive": self.path, "archive_size": self.archive_size,
                "total_size": self.total_size,
                "implied_prefix": self.implied_prefix, "member_count": self.member_count}
        if folder is None and len(index) <= MAX_FLAT_MEMBERS:
            return {**head, "mode": "all",
                    "members": [_member_json(f) for f in self._infos or [] if not f.is_dir],
                    "folders": [f.name.rstrip("/") for f in self._infos or [] if f.is_dir]}
        prefix = (folder or "").strip("/")
        prefix = f"{prefix}/" if prefix else ""
        files, folders = [], {}
        for info in self._infos or []:
            if not info.name.startswith(prefix) or info.name == prefix:
                continue
            rest = info.name[len(prefix):]
            if "/" in rest.rstrip("/"):
                sub = rest.split("/", 1)[0]
            elif info.is_dir:
                sub = rest.rstrip("/")
            else:
                files.append(_member_json(info))
                continue
            total = folders.setdefault(sub, {"name": prefix + sub, "size": 0,
                                             "compressed_size": 0, "count": 0})
            if not info.is_dir:
                total["size"] += info.size or 0
                total["compressed_size"] += info.compressed_size or 0
                total["count"] += 1
        return {**head, "mode": "folder", "folder": prefix.rstrip("/"),
                "folders": sorted(folders.values(), key=lambda f: f["name"]),
                "members": sorted(files, key=lambda f: f["name"])}

    @rpc
    def reload(self) -> dict[str, Any]:
        """Read the member list again; the view then asks for it."""
        self._infos = None
        self._previews.clear()
        self._index()
        return {"member_count": self.member_count}
