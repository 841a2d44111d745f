"""The seed API's data classes, plus StorageOperation."""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from datetime import datetime
from enum import Enum
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ._client import StorageClient

__all__ = ["ExportDestination", "StorageOperation", "ZipArchiveInfo", "ZipFileInfo",
           "ZipFileRange"]

log = logging.getLogger("inductiva_widgets.storage")  # set up in _feedback


def parse_time(value: Any) -> datetime | None:
    if value in (None, ""):
        return None
    if isinstance(value, datetime):
        return value
    return datetime.fromisoformat(str(value).replace("Z", "+00:00"))


@dataclass
class ZipFileInfo:
    """Represents information about a file within a ZIP archive."""

    name: str
    size: int | None
    compressed_size: int | None
    range_start: int | None
    creation_time: datetime | None
    compress_type: int | None

    @property
    def is_dir(self) -> bool:
        return self.name.endswith("/")

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> ZipFileInfo:
        return cls(name=data["name"], size=data.get("size"),
                   compressed_size=data.get("compressed_size"),
                   range_start=data.get("range_start"),
                   creation_time=parse_time(data.get("creation_time")),
                   compress_type=data.get("compress_type"))


@dataclass
class ZipArchiveInfo:
    """Represents the total ZIP size and file contents of a ZIP archive."""

    size: int
    files: list[ZipFileInfo]


@dataclass
class ZipFileRange:
    """Represents the byte range of a file within a ZIP archive."""

    range_start: int
    range_end: int


class ExportDestination(Enum):
    AWS_S3 = "aws-s3"

    def __str__(self) -> str:
        return self.value


class OperationStatus(str, Enum):
    """An operation's status; members compare equal to their strings ("OK" == OK)."""

    RUNNING = "RUNNING"
    OK = "OK"
    FAILED = "FAILED"

    @classmethod
    def parse(cls, value: Any) -> OperationStatus | str:
        """The member for a status string; an unknown one is kept as it came."""
        try:
            return cls(value)
        except ValueError:
            return value


class StorageOperation:
    """Represents a storage operation running remotely via Inductiva API."""

    RUNNING, OK, FAILED = OperationStatus.RUNNING, OperationStatus.OK, OperationStatus.FAILED

    def __init__(self, api: StorageClient, id_: str) -> None:
        self._api = api
        self.id = id_
        self._status: OperationStatus | str = OperationStatus.RUNNING
        self._name: str | None = None
        self._attributes: dict[str, Any] = {}
        self._start_time: datetime | None = None
        self._end_time: datetime | None = None
        self._error_message: str | None = None
        self._refreshed = False

    def _update_from_api_response(self, response: dict[str, Any]) -> None:
        self._name = response.get("name")
        self._status = OperationStatus.parse(response.get("status", "RUNNING"))
        self._attributes = dict(response.get("attributes") or {})
        self._start_time = parse_time(response.get("start_time"))
        self._end_time = parse_time(response.get("end_time"))
        self._error_message = response.get("error_message")
        self._refreshed = True

    @classmethod
    def from_api_response(cls, api: StorageClient, response: dict[str, Any]
                          ) -> StorageOperation:
        op = cls(api, response["id"])
        op._update_from_api_response(response)
        return op

    def refresh(self) -> StorageOperation:
        """Fetch the operation's current state from the API."""
        self._update_from_api_response(self._api.get_operation(self.id))
        return self

    _refresh = refresh  # the reference's name; code written for it calls op._refresh()

    def wait(self, poll_s: int = 2, timeout: float | None = None) -> OperationStatus:
        """Wait for the operation to complete; returns its final `OperationStatus`.

        Args:
            poll_s: Time in seconds between calls to the API to update
                the status of the operation.
            timeout: give up (TimeoutError) after this many seconds; None waits forever.
        """
        deadline = None if timeout is None else time.monotonic() + timeout
        if not self._refreshed:
            self.refresh()
        while self._status == self.RUNNING:
            if deadline is not None and time.monotonic() > deadline:
                raise TimeoutError(f"operation {self.id} still running after {timeout} s")
            time.sleep(poll_s)
            self.refresh()
        if self._status == self.FAILED:
            log.error("Operation failed: %s", self._error_message)
        else:
            log.info("Operation completed successfully.")
        return self._status

    @property
    def status(self) -> OperationStatus | str:
        return self._status

    @property
    def error_message(self) -> str | None:
        return self._error_message

    @property
    def attributes(self) -> dict[str, Any]:
        return dict(self._attributes)

    @property
    def start_time(self) -> datetime | None:
        return self._start_time

    @property
    def end_time(self) -> datetime | None:
        return self._end_time

    @property
    def name(self) -> str | None:
        return self._name

    def __repr__(self) -> str:
        return f"StorageOperation(id={self.id!r}, status={self._status!r})"
