"""Compared fields, the ONE registry of intended differences, and the comparison."""

from __future__ import annotations

import dataclasses
import difflib
import json
import posixpath
import re
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

from .cases import Case
from .snapshots import FRAME_LINE, normalise, normalise_text, split_progress

if TYPE_CHECKING:
    from .interpreters import Slot


FIELDS = ("return", "exception.class", "exception.str", "exception.status", "stdout",
          "stderr.text", "stderr.progress", "local", "remote", "operations", "s3")
KERNEL_FIELDS = ("kernel.stdout", "kernel.stderr.text", "kernel.stderr.progress",
                 "kernel.display", "kernel.result", "kernel.error")


def fields_of(slot: Slot) -> dict[str, Any]:
    """The comparable, normalised view of one slot's record and snapshots."""
    record = normalise(slot.record or {}, slot.subs)
    exc = record.get("exception") or {}
    bars, text = split_progress(record.get("stderr", ""))
    view = {
        "return": record.get("return") if record.get("returned") else "<raised>",
        "exception.class": ({"class": exc.get("class"), "mro": exc.get("mro")}
                            if exc else None),
        "exception.str": exc.get("str") if exc else None,
        "exception.status": exc.get("status") if exc else None,
        "exception.module": exc.get("module") if exc else None,   # not compared
        "stdout": record.get("stdout", ""),
        "stderr.text": text,
        "stderr.progress": bars,
        "local": normalise(slot.outside.get("local", {}), slot.subs),
        "remote": normalise(slot.outside.get("remote", {}), slot.subs),
        "operations": normalise(slot.outside.get("operations", []), slot.subs),
        "s3": normalise(slot.outside.get("s3"), slot.subs),
    }
    if slot.kernel_record is not None:
        view.update(kernel_fields(slot.kernel_record, slot.kernel_subs))
    return view


ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")
EXCEPTION_LINE = re.compile(r"^[A-Za-z_][\w.]*(?:Error|Exception|Exit|Interrupt|error)\b.*")


def summarise_traceback(text: str) -> str:
    """A traceback printed as text, reduced to its exception lines (no frames, no code)."""
    text = ANSI.sub("", text)
    if "Traceback (most recent call last)" not in text:
        return text
    lines = [line.split("  ")[0] if "Traceback" in line else line
             for line in text.split("\n") if EXCEPTION_LINE.match(line)
             or line.startswith(("During handling", "The above exception"))]
    return "<traceback> " + " | ".join(lines)


def kernel_fields(record: dict, subs: dict[str, str]) -> dict[str, Any]:
    stdout = summarise_traceback(normalise_text(record.get("stdout", ""), subs))
    stderr = FRAME_LINE.sub("", normalise_text(record.get("stderr", ""), subs))
    bars, text = split_progress(stderr)
    displays: list[dict] = []
    for item in record.get("display", []):
        item = normalise(item, subs)
        if item["type"] == "comm_open":  # widget models: one entry listing their kinds
            if not displays or displays[-1]["type"] != "widgets":
                displays.append({"type": "widgets", "models": []})
            if item["model"] not in displays[-1]["models"]:
                displays[-1]["models"] = sorted(displays[-1]["models"] + [item["model"]])
            continue
        if "text/plain" in item:
            plain_bars, plain = split_progress(item["text/plain"])
            item["text/plain"] = plain_bars or plain
        displays.append(item)
    result = record.get("result")
    if result is not None:
        result = normalise(result, subs)
    error = record.get("error")
    if error is not None:
        error = normalise(error, subs)
    return {"kernel.stdout": stdout, "kernel.stderr.text": "\n".join(
                line for line in text.split("\n") if line.strip()),
            "kernel.stderr.progress": bars, "kernel.display": displays,
            "kernel.result": result, "kernel.error": error}


@dataclasses.dataclass(frozen=True)
class Intended:
    """A difference we keep on purpose: which fields, when, and why."""

    name: str
    reason: str
    fields: tuple[str, ...]
    applies: Callable[..., bool]   # (case, reference view, our view[, field])
    per_field: bool = False        # applies() also gets the field being compared

    def explains(self, case: Case, field: str, ref: dict, ours: dict) -> bool:
        if field not in self.fields:
            return False
        if self.per_field:
            return bool(self.applies(case, ref, ours, field))
        return bool(self.applies(case, ref, ours))


def _exc_class(view: dict) -> str:
    return (view.get("exception.class") or {}).get("class") or ""


def _exc_str(view: dict) -> str:
    return view.get("exception.str") or ""


def _member(case: Case) -> str | None:
    path = case.remote_arg() or ""
    return path.split(".zip/", 1)[1] if ".zip/" in path else None


def _duplicate_names(view: dict) -> bool:
    rows = view.get("return")
    if not isinstance(rows, list):
        return False
    names = [r.get("name") for r in rows if isinstance(r, dict)]
    return len(names) != len(set(names))


def _zip_left_packed(ref: dict, ours: dict) -> bool:
    return any(p.endswith(".zip") and p not in ours["local"] for p in ref["local"])


def _remote_dir_is_odd(case: Case) -> bool:
    """'dir/' or 'x/../y': a valid folder, written in a form that normalises to another."""
    remote_dir = case.args[1] if len(case.args) > 1 else case.kwargs.get("remote_dir", "")
    if not isinstance(remote_dir, str):
        return False
    normal = posixpath.normpath(remote_dir)
    return (normal != remote_dir and not normal.startswith(("/", ".."))
            and normal != ".")


def _returned_paths(view: dict) -> bool:
    value = view.get("return")
    return isinstance(value, list) and all(
        isinstance(v, str) or (isinstance(v, dict) and "__path__" in v) for v in value)


def _kernel_shows_paths(view: dict) -> bool:
    result = view.get("kernel.result")
    return isinstance(result, dict) and str(result.get("text/plain", "")).startswith("[")


def _same_bars_but_totals(case: Case, ref: dict, ours: dict, field: str) -> bool:
    """A member download whose bars are the reference's but with a total: tqdm shows a
    negative total as no total at all ("4.96kB [00:00, ...]")."""
    def shape(bars):
        return [(b["desc"], b["unit"]) for b in bars]

    ref_bars, our_bars = ref.get(field) or [], ours.get(field) or []
    return (case.fn == "download" and _member(case) is not None and bool(ref_bars)
            and all(b["pct"] is None for b in ref_bars)
            and all(b["pct"] is not None for b in our_bars)
            and shape(ref_bars) == shape(our_bars))


ALL_EXC = ("exception.class", "exception.str", "exception.status")
KERNEL_BAR = ("kernel.stderr.progress", "kernel.display")
_API_EXCEPTIONS = {"ApiException", "NotFoundException", "UnprocessableEntityException",
                   "UnauthorizedException", "ForbiddenException", "BadRequestException",
                   "ServiceException", "ConflictException"}


def _mro(view: dict) -> list[str]:
    return (view.get("exception.class") or {}).get("mro") or []


def _ours_is_storage_error(view: dict) -> bool:
    return "StorageError" in _mro(view)


def _api_error_typed(case: Case, ref: dict, ours: dict) -> bool:
    """The reference's ApiException family against our typed StorageError, same status."""
    return (_exc_class(ref) in _API_EXCEPTIONS and _ours_is_storage_error(ours)
            and ref.get("exception.status") == ours.get("exception.status"))


def _value_error_typed(case: Case, ref: dict, ours: dict, field: str) -> bool:
    """A reference ValueError against our StorageError that is also a ValueError.

    Same message, except for a missing ZIP member, which is also a 404 NotFoundError.
    """
    if _exc_class(ref) != "ValueError" or "ValueError" not in _mro(ours) \
            or not _ours_is_storage_error(ours):
        return False
    if field == "exception.class":
        return True
    return _exc_class(ours) == "MemberNotFoundError" and field == "exception.status"


def _tz_only(case: Case, ref: dict, ours: dict, field: str) -> bool:
    """Equal values whose only difference is pydantic's TzInfo against timezone.utc."""
    a = json.dumps(ref.get(field), sort_keys=True, default=str)
    b = json.dumps(ours.get(field), sort_keys=True, default=str)
    return a != b and a.replace('"TzInfo"', '"timezone"').replace(
        "TzInfo(0)", "datetime.timezone.utc").replace("TzInfo(UTC)", "datetime.timezone.utc") == b


def _kernel_bar_is_a_widget(case: Case, ref: dict, ours: dict, field: str) -> bool:
    if field == "kernel.stderr.progress":
        return bool(ref.get(field)) and not ours.get(field)
    return "widget-view" in json.dumps(ours.get(field), default=str)


def _reference_exception_hook(case: Case, ref: dict, ours: dict) -> bool:
    """The reference's IPython exception handler logs `ERROR: ...` (or fails and unregisters
    itself) where our error shows as a normal traceback of a typed exception."""
    text = json.dumps([ref.get("kernel.stderr.text"), ref.get("kernel.stdout")], default=str)
    return ("Custom TB Handler failed" in text or "ERROR:" in text
            or "ApiException" in text) and bool(ours.get("kernel.error"))

# The "Keep" list: our fixes, each kept on purpose. NOTHING else belongs here unless
# the README section "Differences from inductiva.storage" lists it with the same name.
INTENDED: tuple[Intended, ...] = (
    Intended(
        "export-len-of-model",
        "inductiva 0.18.12's export() always fails: _get_file_size runs len() on a "
        "StorageContents model (storage.py:898, TypeError). Ours looks the size up and "
        "exports, so the return value, exception, S3 bucket and operations differ, and "
        "ours goes on printing where the reference stopped.",
        ("return", *ALL_EXC, "s3", "operations", "stdout"),
        lambda case, ref, ours, field: case.fn in ("export", "export_to_aws_s3")
        and _exc_class(ref) == "TypeError" and "has no len()" in _exc_str(ref)
        # stdout: the reference stops printing where it fails; ours must print the same
        # up to there
        and (field != "stdout" or ours["stdout"].startswith(ref["stdout"])),
        per_field=True),
    Intended(
        "listdir-overlapping-pages",
        "The reference asks page=2&per_page=3 for max_results=103 (page=3&per_page=50 for "
        "250), which overlaps the previous page: entries come twice and others are missing. "
        "Ours pages with a fixed page size and returns each entry once.",
        ("return", "stdout", "kernel.stdout", "kernel.result"),
        lambda case, ref, ours: case.fn == "listdir" and _duplicate_names(ref)),
    Intended(
        "upload-odd-remote-dir",
        "With remote_dir 'dir/' or 'x/../y' the reference asks for signed URLs, then fails "
        "to find its own local files (storage.py:449 strips '<remote_dir>/' from normalised "
        "paths). Ours normalises the folder, or refuses '..', before asking for anything.",
        ("return", *ALL_EXC, "remote", "stderr.text", "stderr.progress"),
        lambda case, ref, ours: case.fn == "upload" and _remote_dir_is_odd(case)),
    Intended(
        "download-absolute-path-to-root",
        "The reference joins local_dir with the remote path as is, so '/datasets/README.md' "
        "is written to /datasets/README.md at the filesystem root. Ours writes beneath "
        "local_dir.",
        ("return", "local", *ALL_EXC, "stderr.text"),
        lambda case, ref, ours: case.fn == "download"
        and (case.remote_arg() or "").startswith("/")),
    Intended(
        "download-decompress-stops-at-first-non-zip",
        "The reference's _decompress returns at the first downloaded file that is not a "
        ".zip (storage.py:615), leaving later archives packed. Ours unpacks every archive.",
        ("local", "return"),
        lambda case, ref, ours: case.fn == "download" and _member(case) is None
        and _zip_left_packed(ref, ours)),
    Intended(
        "download-zip-slip",
        "The reference extracts an artifacts/ member named 'artifacts/../../../x' outside "
        "the target folder (utils/data.py extract_subdir_files). Ours refuses the archive "
        "with UnsafeArchiveError before writing anything.",
        ("local", "return", *ALL_EXC, "stderr.text", "stderr.progress"),
        lambda case, ref, ours: case.fn == "download"
        and _exc_class(ours).endswith("UnsafeArchiveError")),
    Intended(
        "download-member-subfolder-bzip2-lzma",
        "The reference cannot download a ZIP member in a subfolder (it asks for "
        "'artifactssub', storage.py:548) nor one stored with bzip2 or lzma (it always runs "
        "zlib.decompress, storage.py:631). Ours downloads them.",
        ("return", "local", *ALL_EXC, "stderr.text", "stderr.progress", "kernel.error",
         "kernel.result", "kernel.stderr.text", "kernel.stderr.progress"),
        lambda case, ref, ours: case.fn == "download" and _member(case) is not None
        and bool(_exc_class(ref))
        and ("/" in _member(case)
             or (ref.get("exception.module"), _exc_class(ref)) == ("zlib", "error"))),
    Intended(
        "member-download-negative-total",
        "The reference's member download gives tqdm a total of range_start - range_end, a "
        "negative number (storage.py:580). Ours gives the member's size.",
        ("stderr.progress", "kernel.stderr.progress"),
        _same_bars_but_totals, per_field=True),
    Intended(
        "operation-wait-and-from-api-response",
        "The reference's StorageOperation.wait() reads self._status before any refresh "
        "(AttributeError), and from_api_response indexes a model with ['id'] (TypeError). "
        "Ours refreshes first and accepts the API's answer.",
        ("return", *ALL_EXC, "stderr.text", "kernel.error", "kernel.result",
         "kernel.stderr.text"),
        lambda case, ref, ours: case.fn in ("StorageOperation.wait",
                                            "StorageOperation.from_api_response")
        and _exc_class(ref) in ("AttributeError", "TypeError")),
    Intended(
        "multipart-upload-returns-operation",
        "The reference's multipart_upload discards the server's answer (storage.py:958), so "
        "the operation id is lost. Ours returns the StorageOperation.",
        ("return",),
        lambda case, ref, ours: case.fn == "multipart_upload" and ref["return"] is None
        and isinstance(ours["return"], dict) and "__object__" in ours["return"]),
    Intended(
        "signed-urls-empty-list",
        "get_signed_urls([]) sends no paths and the API answers 422. Ours returns [] "
        "without a request.",
        ("return", *ALL_EXC),
        lambda case, ref, ours: case.fn == "get_signed_urls" and case.args
        and case.args[0] == []),
    Intended(
        "export-typed-error",
        "Where the reference prints a message (no boto3, no credentials, no bucket, no "
        "region) and returns None, ours raises ExportError with that message.",
        ("return", *ALL_EXC, "stdout"),
        lambda case, ref, ours: case.fn in ("export", "export_to_aws_s3")
        and ref["return"] is None and _exc_class(ours).endswith("ExportError")),
    Intended(
        "typed-api-errors",
        "API errors are our typed StorageError subclasses (NotFoundError, ValidationError, "
        "AuthenticationError, ...) with a one-line message naming the server's detail, not "
        "the generated client's ApiException family with headers and body in its text. "
        "They carry the same status (.status), and .body and .reason, as ApiException does. "
        "A storage path we refuse before any request raises InvalidPathError with status "
        "422, what the API answers for it.",
        ("exception.class", "exception.str"),
        _api_error_typed),
    Intended(
        "value-errors-are-storage-errors",
        "Where the reference raises ValueError, ours raises a StorageError subclass that is "
        "also a ValueError (InvalidPathError, InvalidArgumentError, MemberNotFoundError), "
        "with the same message; a missing ZIP member is also a NotFoundError (404).",
        ("exception.class", "exception.status"),
        _value_error_typed, per_field=True),
    Intended(
        "zip-bad-archive-error",
        "A download that is not a readable ZIP raises CorruptArchiveError, a StorageError "
        "that is also the zipfile.BadZipFile the reference raises, with a message naming "
        "the file.",
        ("exception.class", "exception.str"),
        lambda case, ref, ours: _exc_class(ref) == "BadZipFile"
        and "BadZipFile" in _mro(ours) and _ours_is_storage_error(ours)),
    Intended(
        "upload-from-url-returns-path",
        "The reference's upload_from_url returns None; ours returns the storage path the "
        "server is writing, to check or wait for.",
        ("return", "kernel.result"),
        lambda case, ref, ours: case.fn == "upload_from_url" and ref["return"] is None
        and isinstance(ours["return"], str)),
    Intended(
        "upload-empty-folder",
        "Uploading an empty folder makes the reference ask for signed URLs of no paths, "
        "which the API refuses with a 422 about a missing query field. Ours uploads "
        "nothing, says so as for any upload and returns [].",
        ("return", *ALL_EXC, "stderr.text", "stderr.progress"),
        lambda case, ref, ours: case.fn == "upload" and ours["return"] == []
        and _exc_class(ref) in _API_EXCEPTIONS),
    Intended(
        "utc-timezone-object",
        "Times are timezone-aware UTC datetimes in both; the reference's tzinfo is "
        "pydantic's TzInfo(0), ours the standard datetime.timezone.utc (the client does "
        "not depend on pydantic). The values compare equal.",
        ("return", "kernel.result"),
        _tz_only, per_field=True),
    Intended(
        "notebook-progress-bar",
        "In a Jupyter kernel our bar is tqdm's notebook widget (bytes, rate and ETA in a "
        "bar), where the reference writes a text bar on stderr. In scripts and terminals "
        "both write the same text bar.",
        KERNEL_BAR,
        _kernel_bar_is_a_widget, per_field=True),
    Intended(
        "notebook-error-display",
        "In a kernel the reference replaces IPython's traceback for API errors with a "
        "logged 'ERROR: <detail>' line (and for an error without a body its handler "
        "fails and unregisters itself). Ours leaves errors to IPython: the typed "
        "exception and its message, as for any other error.",
        ("kernel.error", "kernel.stderr.text", "kernel.stdout"),
        _reference_exception_hook),
    Intended(
        "upload-download-return-paths",
        "The reference's upload() and download() return None; ours return the storage "
        "paths written (upload) and the local paths written (download).",
        ("return", "kernel.result"),
        lambda case, ref, ours: case.fn in ("upload", "download")
        and ((ref["return"] is None and _returned_paths(ours))
             or (ref.get("kernel.result") is None and _kernel_shows_paths(ours)))),
)


@dataclasses.dataclass
class Difference:
    case: str
    function: str
    field: str
    ref: Any
    ours: Any
    intended: str | None

    def render(self, width: int = 1500) -> str:
        lines = [f"[{self.case}] {self.field}"
                 + (f"  (intended: {self.intended})" if self.intended else "  (NOT LISTED)")]
        if isinstance(self.ref, str) and isinstance(self.ours, str) and (
                "\n" in self.ref or "\n" in self.ours):
            diff = difflib.unified_diff(self.ref.splitlines(), self.ours.splitlines(),
                                        "reference", "ours", lineterm="", n=1)
            lines.extend("    " + line for line in list(diff)[:60])
        elif len(_short(self.ref, 10**9)) + len(_short(self.ours, 10**9)) > 400:
            # Large structures: a diff of their indented JSON shows where they differ.
            def pretty(value):
                return json.dumps(value, ensure_ascii=False, sort_keys=True, indent=1,
                                  default=str).splitlines()

            diff = list(difflib.unified_diff(pretty(self.ref), pretty(self.ours),
                                             "reference", "ours", lineterm="", n=2))
            lines.extend("    " + line for line in diff[:80])
            if len(diff) > 80:
                lines.append(f"    ... {len(diff) - 80} more diff lines")
        else:
            lines.append(f"    reference: {_short(self.ref, width)}")
            lines.append(f"    ours:      {_short(self.ours, width)}")
        return "\n".join(lines)


def _short(value: Any, width: int) -> str:
    text = json.dumps(value, ensure_ascii=False, sort_keys=True, default=str)
    return text if len(text) <= width else text[: width - 20] + f"... ({len(text)} chars)"


def compare(case: Case, ref_slot: Slot, our_slot: Slot, names: Iterable[str]
            ) -> list[Difference]:
    """Every field that differs, with the registry entry that explains it, if any.

    Kernel fields are judged with the views of the subprocess run beside them, so that a
    registry entry can look at how the same call behaved there.
    """
    ref, ours = fields_of(ref_slot), fields_of(our_slot)
    found = []
    for field in names:
        a, b = ref.get(field), ours.get(field)
        if a == b:
            continue
        intended = next((i.name for i in INTENDED if i.explains(case, field, ref, ours)),
                        None)
        found.append(Difference(case.id, case.function, field, a, b, intended))
    return found


def report(differences: Iterable[Difference]) -> str:
    by_function: dict[str, list[Difference]] = {}
    for diff in differences:
        by_function.setdefault(diff.function, []).append(diff)
    out = []
    for function in sorted(by_function):
        out.append(f"## {function}")
        for diff in by_function[function]:
            out.append(diff.render(width=600))
        out.append("")
    return "\n".join(out)


