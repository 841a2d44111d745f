"""Per-key counts of running work, each with a cap: one key may not take everything."""

from __future__ import annotations


class TransferSlots:
    """Work in progress per user id (transfers, fetches), at most `limit` each.

    Each holds a connection, an open file and up to a chunk of buffered bytes until it ends:
    one key may not take them all. Used on the event loop thread only, so no lock.
    """

    def __init__(self, what: str, limit: int) -> None:
        self.what = what
        self.limit = limit
        self._active: dict[str, int] = {}

    def take(self, user_id: str) -> bool:
        """Count one more for `user_id`, or False when the key is at its limit."""
        active = self._active.get(user_id, 0)
        if active >= self.limit:
            return False
        self._active[user_id] = active + 1
        return True

    def give_back(self, user_id: str) -> None:
        if self._active.get(user_id, 0) > 1:
            self._active[user_id] -= 1
        else:
            self._active.pop(user_id, None)

    def active(self, user_id: str) -> int:
        return self._active.get(user_id, 0)
