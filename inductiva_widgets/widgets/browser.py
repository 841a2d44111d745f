"""StorageBrowser: a folder tree and a paged table of the storage, in a cell or the sidebar."""

from __future__ import annotations

import posixpath
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING, Any

import traitlets

from .. import storage
from ..storage import StorageClient, implied_prefix, method_name
from ..storage.paths import archive_part, normalize
from ..storage.tasks import cost_share, is_task_listing
from . import code_snippets
from ._rpc import bundle, rpc
from .file_previews import preview_file
from .gather_entry import GatherHost
from .gather_view import GatherView
from .previews import MemberPreviews, python_name
from .searches import Searches
from .task_selection import TaskSelection
from .transfer_calls import TransferActions
from .transfer_queue import TransferQueue

if TYPE_CHECKING:
    import pandas as pd

TREE_LIMIT = 2000
TASK_PROBES = 200  # top-level folders checked for task archives when the tree opens


def _refuse_member(path: str, advice: str) -> None:
    """Members of archives are read-only: raise for one, saying what to do instead."""
    inside = archive_part(path)
    if inside and inside[1]:
        raise storage.InvalidPathError(f"{path} is inside an archive; {advice}")


def _row(path: str, entry: dict[str, Any], kind: str) -> dict[str, Any]:
    return {
        "name": entry["name"].rstrip("/"),
        "path": path,
        "kind": kind,
        "is_dir": kind in ("folder", "task", "zip", "member_dir"),
        "size": entry.get("size_bytes", entry.get("size")),
        "created": entry.get("creation_time"),
        "provider": entry.get("provider_id", ""),
        "region": entry.get("region", ""),
        "compressed_size": entry.get("compressed_size"),
        "compress_type": entry.get("compress_type"),
        "method": (method_name(entry["compress_type"])
                   if entry.get("compress_type") is not None else None),
    }


class StorageBrowser(GatherHost):
    """Browse the storage: a folder tree, a sortable paged table, search and actions.

    Args:
        path: folder to open first ("/" for the root).
        client: a `StorageClient` (default: the one from INDUCTIVA_API_URL/KEY).
        region: region to show ("" for the server's default, "all" for every region).
        folder_sizes: compute folder sizes (and their share of the monthly cost).
        height: height of the widget in pixels.
    """

    _esm = bundle("storage_browser.js")
    _css = bundle("styles.css")
    default_python_name = "browser"

    path = traitlets.Unicode("/", help="folder (or archive folder) shown").tag(sync=True)
    region = traitlets.Unicode(
        "", help='region shown ("" the default, "all" every region)').tag(sync=True)
    regions = traitlets.List(
        traitlets.Unicode(), help="regions the last listing reported as available").tag(sync=True)
    selected = traitlets.List(
        traitlets.Unicode(), help="paths selected in the table").tag(sync=True)
    folder_sizes = traitlets.Bool(
        True, help="compute folder sizes (and their share of the monthly cost)").tag(sync=True)
    height = traitlets.Int(520, help="height of the widget in pixels").tag(sync=True)
    storage_used = traitlets.Int(0, help="bytes stored in all, for the header").tag(sync=True)
    monthly_cost = traitlets.Float(
        0.0, help="estimated monthly cost of the storage, for the header").tag(sync=True)
    currency = traitlets.Unicode("USD", help="currency of `monthly_cost`").tag(sync=True)
    error = traitlets.Unicode("", help='an error to show in the view ("" for none)').tag(sync=True)
    version = traitlets.Int(
        0, help="bumped to make the view fetch its pages again").tag(sync=True)
    transfers = traitlets.List(
        traitlets.Dict(), help="the rows of `queue.transfers`").tag(sync=True)
    last_frame_name = traitlets.Unicode(
        "", help="key in `frames` of the DataFrame opened last from the view").tag(sync=True)
    download_folder = traitlets.Unicode(
        "./downloads", help="kernel-side folder of the last download").tag(sync=True)

    def __init__(self, path: str = "/", client: StorageClient | None = None, *,
                 region: str = "", folder_sizes: bool = True, height: int = 520,
                 **kwargs: Any) -> None:
        super().__init__(client=client, path=self._normal(path), region=region,
                         folder_sizes=folder_sizes, height=height, **kwargs)
        self._task_cache: dict[str, bool] = {}
        self._searches = Searches(client=lambda: self.client, region=self._region,
                                  row=self._search_row, emit=self.emit)
        self._select_callbacks: list[Callable[[list[str]], None]] = []
        self._sidecar = None
        self._previews = MemberPreviews(
            client=lambda: self.client, region=self._region,
            python_name=lambda: python_name(self, "browser"),
            on_frame=self._frame_opened, on_download_folder=self._downloaded_into)
        self.queue = TransferQueue(client=client)
        traitlets.dlink((self.queue, "transfers"), (self, "transfers"))
        self._actions = TransferActions(
            self.queue, client=lambda: self.client, region=self._region,
            refresh=self.refresh, on_download_folder=self._downloaded_into)
        self.observe(self._notify_select, names="selected")
        self._gather_tasks = TaskSelection()  # "Gather from the N selected tasks"
        self.observe(lambda c: self._gather_tasks.select(list(c["new"])), names="selected")
        self.observe(lambda c: self._gather_tasks.follow(c["new"]), names="path")
        self._load_header()

    @staticmethod
    def _normal(path: str) -> str:
        return normalize(path) or "/"

    # -- Python API -----------------------------------------------------------------

    def on_select(self, callback: Callable[[list[str]], None]) -> None:
        """Call `callback(paths)` whenever the selection changes."""
        self._select_callbacks.append(callback)

    def _notify_select(self, change: dict) -> None:
        for callback in self._select_callbacks:
            callback(list(change["new"]))

    def navigate(self, path: str) -> None:
        """Show another folder (or the inside of a .zip)."""
        self.path = self._normal(path)
        self.selected = []

    def refresh(self) -> None:
        """Re-read the current folder and the storage totals."""
        self._task_cache.clear()
        self._load_header()
        self.version += 1

    def download(self, paths: list[str] | None = None, local_dir: str | None = None,
                 decompress: bool = True) -> list[str]:
        """Download the given paths (default: the selection) in the background.

        Returns the transfer ids; `browser.queue.wait()` blocks until they finish.
        """
        return self._actions.download(self.selected if paths is None else paths,
                                      local_dir or self.download_folder, decompress)

    def to_dataframe(self):
        """The current folder's full listing as a typed pandas DataFrame."""
        from .dataframes import members_dataframe, storage_dataframe

        inside = archive_part(self.path) if self.path != "/" else None
        if inside:
            return members_dataframe(*inside, client=self.client, region=self._region())
        return storage_dataframe(self.path, client=self.client, region=self._region(),
                                 folder_sizes=self.folder_sizes)

    def gather(self, member_path: str, tasks: list[str] | None = None) -> GatherView:
        """Gather `member_path` (a member of a task's archive) from every task beside it
        (the task folder becomes `*`, see `task_pattern`), or from the task folders in
        `tasks` only (beside it too, see `task_sources`); the view shows it in a panel."""
        region = "" if self.region == "all" else self.region
        return self._show_gather(member_path, region, self.height, tasks)

    @property
    def frames(self) -> dict[str, pd.DataFrame]:
        """DataFrames opened with "Open as DataFrame", by member name."""
        return self._previews.frames

    def show_in_sidebar(self, title: str = "Inductiva storage") -> None:
        """Show this browser in JupyterLab's right panel (reuses the panel if open)."""
        from IPython.display import display

        try:
            from sidecar import Sidecar
        except ImportError:
            raise ImportError("show_in_sidebar needs the sidecar package: "
                              "pip install 'inductiva-widgets[lab]'") from None
        if self._sidecar is None:
            self._sidecar = Sidecar(title=title, anchor="right")
        with self._sidecar:
            self._sidecar.clear_output()
            display(self)

    # -- helpers ----------------------------------------------------------------------

    def _region(self, region: str | None = None) -> str | None:
        region = self.region if region is None else region
        return region or None

    def _frame_opened(self, name: str) -> None:
        self.last_frame_name = name

    def _downloaded_into(self, folder: str) -> None:
        self.download_folder = folder

    def _load_header(self) -> None:
        try:
            self.storage_used = self.client.storage_size()
            cost = self.client.storage_cost()
            self.monthly_cost = float(cost.get("estimated_monthly_cost") or 0.0)
            self.currency = cost.get("currency") or "USD"
            self.error = ""
        except storage.StorageError as exc:
            self.error = f"Cannot read the storage totals: {exc}"

    def _is_task(self, folder: str) -> bool:
        known = self._task_cache.get(folder)
        if known is None:
            try:
                names = {e["name"] for e in self.client.list_contents(
                    folder, per_page=100, region=self._region())["contents"]}
            except storage.StorageError:
                names = set()
            known = is_task_listing(names)
            self._task_cache[folder] = known
        return known

    def _mark_tasks(self, items: list[dict[str, Any]]) -> None:
        """Turn top-level folders holding input.zip/output.zip into "task" items."""
        with ThreadPoolExecutor(max_workers=8) as pool:
            found = pool.map(self._is_task, [item["path"] for item in items])
            for item, is_task in zip(items, found, strict=True):
                if is_task:
                    item["kind"] = "task"

    def _kind(self, entry: dict[str, Any]) -> str:
        if entry["is_directory"]:
            return "folder"
        return "zip" if entry["name"].lower().endswith(".zip") else "file"

    # -- calls from the view ----------------------------------------------------------

    @rpc
    def page(self, path: str, page: int = 1, per_page: int = 100,
             sort_by: str = "name", order: str = "asc", filter: str = "",
             region: str | None = None) -> dict[str, Any]:
        """One page of a folder or an archive folder, with totals for the header."""
        path = self._normal(path)
        inside = archive_part(path) if path != "/" else None
        if inside:
            return self._member_page(*inside, page, per_page, sort_by, order, filter, region)
        listing = self.client.list_contents(
            path, sort_by=sort_by, order=order, page=page, per_page=per_page,
            recursive=self.folder_sizes, path_filter=filter or None,
            region=self._region(region))
        self.regions = list(listing.get("available_regions") or [])
        base = "" if path == "/" else path
        rows = []
        for entry in listing["contents"]:
            full = posixpath.join(base, entry["name"]) if base else entry["name"]
            rows.append(_row(full, entry, self._kind(entry)))
        self._gather_tasks.seen(rows)
        if not base:
            self._mark_tasks([r for r in rows if r["kind"] == "folder"])
        for row in rows:
            row["cost"] = cost_share(row["size"], self.storage_used, self.monthly_cost)
        return {"total": listing["total_files"], "rows": rows, "path": path}

    def _member_page(self, archive: str, inner: str, page: int, per_page: int, sort_by: str,
                     order: str, filter: str, region: str | None) -> dict[str, Any]:
        reply = self.client.zip_contents(archive, inner, False, self._region(region))
        entries = reply["contents"]
        if filter:
            entries = [e for e in entries if filter.lower() in e["name"].lower()]
        keys = {"name": lambda e: e["name"].lower(), "size": lambda e: e.get("size") or -1,
                "creation_time": lambda e: e.get("creation_time") or ""}
        entries = sorted(entries, key=keys.get(sort_by, keys["name"]),
                         reverse=order == "desc")
        start = (page - 1) * per_page
        rows = []
        for entry in entries[start : start + per_page]:
            name = entry["name"].rstrip("/")
            full = "/".join(p for p in (archive, inner.strip("/"), name) if p)
            rows.append(_row(full, entry, "member_dir" if entry["name"].endswith("/")
                             else "member"))
        return {"total": len(entries), "rows": rows, "path": f"{archive}/{inner}".rstrip("/"),
                "archive": archive, "members_size": reply.get("size"),
                "implied_prefix": implied_prefix(archive)}

    @rpc
    def children(self, path: str, region: str | None = None) -> dict[str, Any]:
        """Tree nodes under `path`: folders, and .zip archives that open like folders."""
        path = self._normal(path)
        inside = archive_part(path) if path != "/" else None
        nodes = []
        if inside:
            archive, inner = inside
            for entry in self.client.zip_contents(archive, inner, False,
                                                  self._region(region))["contents"]:
                if entry["name"].endswith("/"):
                    name = entry["name"].rstrip("/")
                    nodes.append({"name": name, "path": f"{path}/{name}",
                                  "kind": "member_dir"})
            return {"nodes": nodes, "truncated": False}
        base = "" if path == "/" else path
        count = 0
        for entry in self.client.iter_contents(path, sort_by="name", order="asc",
                                               max_results=TREE_LIMIT,
                                               region=self._region(region)):
            count += 1
            kind = self._kind(entry)
            if kind in ("folder", "zip"):
                full = posixpath.join(base, entry["name"]) if base else entry["name"]
                nodes.append({"name": entry["name"], "path": full, "kind": kind})
        if not base:
            self._mark_tasks([n for n in nodes if n["kind"] == "folder"][:TASK_PROBES])
        return {"nodes": nodes, "truncated": count >= TREE_LIMIT}

    @rpc
    def describe(self, paths: list[str]) -> dict[str, Any]:
        """What a delete would remove: each path's kind and size, and the total."""
        items = []
        for path in paths:
            _refuse_member(path, "archives cannot be changed member by member")
            entry = storage.stat(path, self._region(), client=self.client)
            items.append({"path": path, "is_dir": entry["is_directory"],
                          "size": entry.get("size_bytes")})
        return {"items": items, "total": sum(i["size"] or 0 for i in items)}

    @rpc
    def delete(self, paths: list[str]) -> dict[str, Any]:
        """Remove the paths; the listing and totals are refreshed."""
        self.describe(paths)  # refuses members of archives before anything is removed
        done = []
        try:
            for path in paths:
                storage.remove(path, self._region(), client=self.client)
                done.append(path)
        finally:
            self.selected = [p for p in self.selected if p not in done]
            self.refresh()
        return {"deleted": done, "code": code_snippets.remove(done, self._region())}

    @rpc
    def copy(self, paths: list[str], target: str) -> dict[str, Any]:
        """Copy the paths into the folder `target`, server-side."""
        target = normalize(target, allow_root=False)
        copied = []
        try:
            for path in paths:
                _refuse_member(path, "download it instead")
                destination = f"{target}/{posixpath.basename(path)}"
                storage.copy(path, destination, self._region(), client=self.client)
                copied.append(destination)
        finally:
            self.refresh()
        return {"copied": copied, "code": code_snippets.copy(paths, target, self._region())}

    @rpc
    def code(self, action: str, args: dict[str, Any]) -> dict[str, Any]:
        """The Python equivalent to an action, with the arguments its dialog holds now."""
        args = dict(args)
        # The calls that take the storage region say so; downloads and kernel-side uploads
        # run as the transfer queue runs them (default region).
        if action in ("delete", "copy", "upload_from_url"):
            args["region"] = self._region()
        elif action == "export":
            args["region"] = args.get("region") or self._region()
        return {"code": code_snippets.for_action(action, args)}

    @rpc
    def search(self, query: str, path: str = "/", token: str = "",
               inside_archives: bool = True, scope: str = "here") -> dict[str, Any]:
        """Search by name beneath `path` ("here") or all storage ("all"), members of archives
        too by default; results and counts arrive as `search` events (see `Searches`)."""
        return self._searches.start(query, path, token, inside_archives, scope)

    @rpc
    def cancel_search(self, token: str) -> dict[str, Any]:
        return self._searches.cancel(token)

    def _search_row(self, entry: dict[str, Any]) -> dict[str, Any]:
        """A search result as a table row; a member's says which archive holds it."""
        if not entry.get("in_archive"):
            return _row(entry["path"], entry, self._kind(entry))
        kind = "member_dir" if entry["is_directory"] else "member"
        return {**_row(entry["path"], entry, kind), "in_archive": True,
                "archive": entry["archive"], "member": entry["member"]}

    # -- transfers and exports (see `TransferActions`) ---------------------------------

    @rpc
    def start_download(self, paths: list[str], folder: str, decompress: bool = True,
                       overwrite: bool = False) -> dict[str, Any]:
        """Download paths (files, folders or ZIP members) into a kernel-side folder."""
        return self._actions.start_download(paths, folder, decompress, overwrite)

    @rpc
    def start_upload(self, local_path: str, folder: str) -> dict[str, Any]:
        """Upload a kernel-side file or folder into a storage folder."""
        return self._actions.start_upload(local_path, folder)

    @rpc
    def cancel_transfer(self, id: str) -> dict[str, Any]:
        return self._actions.cancel_transfer(id)

    @rpc
    def retry_transfer(self, id: str) -> dict[str, Any]:
        return self._actions.retry_transfer(id)

    @rpc
    def clear_transfers(self) -> dict[str, Any]:
        return self._actions.clear_transfers()

    @rpc
    def browser_download_url(self, path: str) -> dict[str, Any]:
        """A signed URL the browser can save directly ("Save to my computer")."""
        return self._actions.browser_download_url(path)

    @rpc
    def browser_upload_urls(self, folder: str, names: list[str],
                            sizes: list[int] | None = None) -> dict[str, Any]:
        """Signed upload URLs for files sent from the browser straight to storage."""
        return self._actions.browser_upload_urls(folder, names, sizes)

    @rpc
    def browser_upload_progress(self, id: str, bytes_done: int) -> dict[str, Any]:
        """Bytes a browser's upload has sent so far."""
        return self._actions.browser_upload_progress(id, bytes_done)

    @rpc
    def browser_upload_finished(self, id: str, state: str,
                                error: str | None = None) -> dict[str, Any]:
        """A browser's upload ended: "done", "failed" or "cancelled"."""
        return self._actions.browser_upload_finished(id, state, error)

    @rpc
    def start_upload_from_url(self, url: str, folder: str, name: str = "") -> dict[str, Any]:
        """Have the server fetch a URL into `folder`; the view then waits for the file."""
        return self._actions.start_upload_from_url(url, folder, name)

    @rpc
    def exists(self, path: str) -> dict[str, Any]:
        return self._actions.exists(path)

    @rpc
    def start_export(self, path: str, bucket: str, file_name: str = "", part_size: int = 128,
                     region: str = "") -> dict[str, Any]:
        """Export a file to S3; answers the operation, which the view then polls."""
        return self._actions.start_export(path, bucket, file_name, part_size, region)

    @rpc
    def operation(self, id: str) -> dict[str, Any]:
        return self._actions.operation(id)

    @rpc
    def operations(self) -> dict[str, Any]:
        return self._actions.operations()

    # -- member previews (see `MemberPreviews`) ----------------------------------------

    @rpc
    def preview(self, archive: str, member: str, mode: str = "auto",
                offset: int = 0) -> dict[str, Any]:
        """A preview of `member` of `archive` (see `previews.preview_member`); with the
        `open_gather` arguments for "Gather from the N selected tasks" when it offers it."""
        reply = self._previews.preview(archive, member, mode, offset)
        offer = self._gather_tasks.offer(archive, member)
        return {**reply, "gather_selected": offer} if offer else reply

    @rpc
    def open_gather(self, path: str, tasks: list[str] | None = None) -> dict[str, Any]:
        """ "Gather from all tasks" (or from the task folders `tasks`) for the member at
        `path` (see `gather`)."""
        return {"pattern": self.gather(path, tasks).pattern}

    @rpc
    def file_preview(self, path: str, mode: str = "auto", offset: int = 0) -> dict[str, Any]:
        """A preview of a stored file by byte range (see `file_previews.preview_file`)."""
        return preview_file(self.client, path, mode, int(offset), region=self._region())

    @rpc
    def reload(self) -> dict[str, Any]:
        """Refresh totals (the view re-fetches its pages itself)."""
        self._task_cache.clear()
        self._load_header()
        return {"storage_used": self.storage_used, "monthly_cost": self.monthly_cost}
