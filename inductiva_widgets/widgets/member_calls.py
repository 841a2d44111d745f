"""The calls of a member preview (js/src/member_preview.js) that every widget showing one
answers the same way: the StorageBrowser and the ZipExplorer both hold a `MemberPreviews`
helper as `_previews`, and these delegate to it in one line, written once here.

(`preview` itself differs: the ZipExplorer's takes the member first, its archive implied.)
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ._rpc import RpcWidget, rpc

if TYPE_CHECKING:
    from .previews import MemberPreviews


class MemberCalls(RpcWidget):
    """A widget whose view shows member previews; subclasses set `_previews`."""

    _previews: MemberPreviews

    @rpc
    def member_frame(self, archive: str, member: str) -> dict[str, Any]:
        """Read a whole CSV/TSV member into `frames[name]`; returns its shape and dtypes."""
        return self._previews.member_frame(archive, member)

    @rpc
    def download_member(self, archive: str, member: str,
                        folder: str = "./downloads") -> dict[str, Any]:
        """Download one member into the kernel-side `folder`; returns the local path."""
        return self._previews.download_member(archive, member, folder)
