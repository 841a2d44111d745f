"""The storage client's exceptions.

    StorageError
    ├── APIError                 the API answered with an error status
    │   ├── AuthenticationError  401: missing or wrong API key
    │   ├── PermissionDenied     403: e.g. an expired or tampered signed URL
    │   ├── NotFoundError        404
    │   │   └── MemberNotFoundError  (also a ValueError, as in inductiva) no such ZIP member
    │   ├── ConflictError        409: e.g. a file where a folder should be
    │   ├── ValidationError      422 (and 400): the server's detail says what is wrong
    │   └── ServerError          5xx
    ├── ConnectionFailed         the API could not be reached
    ├── TransferError            an upload or download did not complete
    │   ├── TransferCancelled    cancelled by the caller
    │   └── IntegrityError       the bytes received do not match what was announced
    │       └── CorruptArchiveError  (also a zipfile.BadZipFile) an archive that won't unpack
    ├── InvalidPathError         (also a ValueError) a storage or local path we refuse
    ├── InvalidArgumentError     (also a ValueError) an argument value we cannot use
    ├── UnsafeArchiveError       a ZIP member would land outside the target folder
    └── ExportError              export set-up: boto3, AWS credentials, bucket, region
"""

from __future__ import annotations

import json
import zipfile
from typing import Any

import httpx

__all__ = [
    "APIError",
    "AuthenticationError",
    "ConflictError",
    "ConnectionFailed",
    "CorruptArchiveError",
    "ExportError",
    "IntegrityError",
    "InvalidArgumentError",
    "InvalidPathError",
    "MemberNotFoundError",
    "NotFoundError",
    "PermissionDenied",
    "ServerError",
    "StorageError",
    "TransferCancelled",
    "TransferError",
    "UnsafeArchiveError",
    "ValidationError",
]


class StorageError(Exception):
    """Base of every error raised by `inductiva_widgets.storage`."""


class APIError(StorageError):
    """The API answered with an error status; `detail` is the server's own message.

    `status`, `reason`, `body` and `headers` are there too, as on the `inductiva` client's
    `ApiException`, so code that reads them keeps working.
    """

    def __init__(self, message: str, *, status_code: int, detail: Any = None,
                 request: httpx.Request | None = None,
                 response: httpx.Response | None = None) -> None:
        super().__init__(message)
        self.status_code = status_code
        self.detail = detail
        self.request = request
        self.response = response

    @property
    def status(self) -> int:
        """The HTTP status (the `inductiva` client's name for `status_code`)."""
        return self.status_code

    @property
    def reason(self) -> str | None:
        return self.response.reason_phrase if self.response is not None else None

    @property
    def body(self) -> str | None:
        """The response body as text (JSON with `detail` for the Inductiva API)."""
        if self.response is not None:
            try:
                return self.response.text
            except httpx.ResponseNotRead:
                return None
        return None if self.detail is None else json.dumps({"detail": self.detail})

    @property
    def headers(self) -> httpx.Headers | None:
        return self.response.headers if self.response is not None else None


class AuthenticationError(APIError):
    """401: the API key is missing or wrong."""


class PermissionDenied(APIError):
    """403: not allowed, e.g. an expired or tampered signed URL."""


class NotFoundError(APIError):
    """404: no such file, folder, member or operation."""


class MemberNotFoundError(NotFoundError, ValueError):
    """No such file in a ZIP archive (the `inductiva` client raises ValueError here)."""


class ConflictError(APIError):
    """409: the operation conflicts with what is stored."""


class ValidationError(APIError, ValueError):
    """422/400: the request was refused as invalid; see `detail`."""


class ServerError(APIError):
    """5xx: the server failed."""


class ConnectionFailed(StorageError):
    """The API or a signed URL could not be reached."""


class TransferError(StorageError):
    """An upload or download did not complete; nothing was left under the final name."""


class TransferCancelled(TransferError):
    """The transfer was cancelled by the caller."""


class IntegrityError(TransferError):
    """The bytes received do not match the size or checksum that was announced."""


class InvalidPathError(StorageError, ValueError):
    """A storage path or local path that cannot be used.

    A storage path refused before any request has `status` 422, what the API answers for it.
    """

    def __init__(self, message: str, *, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


class InvalidArgumentError(StorageError, ValueError):
    """An argument value that cannot be used (the `inductiva` client's ValueError cases)."""


class CorruptArchiveError(IntegrityError, zipfile.BadZipFile):
    """A downloaded archive that cannot be unpacked (also a `zipfile.BadZipFile`)."""


class UnsafeArchiveError(StorageError, ValueError):
    """A ZIP member name that would be extracted outside the target folder."""


class ExportError(StorageError):
    """An export cannot start: the message says what to install or configure."""


_BY_STATUS: dict[int, type[APIError]] = {
    400: ValidationError,
    401: AuthenticationError,
    403: PermissionDenied,
    404: NotFoundError,
    409: ConflictError,
    422: ValidationError,
}


def _detail_text(detail: Any) -> str:
    if isinstance(detail, list):
        # FastAPI's validation errors: [{"loc": [...], "msg": "...", ...}, ...]
        parts = []
        for item in detail:
            if isinstance(item, dict):
                loc = ".".join(str(p) for p in item.get("loc", []) if p not in ("query", "body"))
                parts.append(f"{loc}: {item.get('msg')}" if loc else str(item.get("msg")))
            else:
                parts.append(str(item))
        return "; ".join(parts)
    return str(detail)


def error_from_response(response: httpx.Response) -> APIError:
    """The typed error for an error response, carrying the server's `detail`."""
    try:
        detail = response.json().get("detail")
    except (ValueError, AttributeError):
        detail = response.text[:500] or None
    status = response.status_code
    cls = _BY_STATUS.get(status, ServerError if status >= 500 else APIError)
    text = _detail_text(detail) if detail else response.reason_phrase
    method = response.request.method
    path = response.request.url.path
    return cls(f"{status} {text} ({method} {path})", status_code=status, detail=detail,
               request=response.request, response=response)
