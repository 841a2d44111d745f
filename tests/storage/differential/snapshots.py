"""Snapshots of local files, remote state, operations and S3; normalisation."""

from __future__ import annotations

import hashlib
import os
import re
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import httpx


def _digest(path: Path) -> str:
    data = path.read_bytes()
    return f"sha256:{hashlib.sha256(data).hexdigest()[:16]} ({len(data)} B)"


def tree_snapshot(root: Path) -> dict[str, str]:
    """Files (sha256 and size) and empty folders beneath `root`, by relative path."""
    found: dict[str, str] = {}
    if not root.exists():
        return found
    for path in sorted(root.rglob("*")):
        rel = path.relative_to(root).as_posix()
        if path.is_symlink():
            found[rel] = f"symlink -> {os.readlink(path)}"
        elif path.is_dir():
            if not any(path.iterdir()):
                found[rel + "/"] = "empty folder"
        elif path.is_file():
            found[rel] = _digest(path)
        else:
            found[rel] = "special file"
    return found


def operations_snapshot(api_url: str, key: str) -> list[dict]:
    with httpx.Client(base_url=api_url, headers={"X-API-Key": key}, timeout=30) as http:
        reply = http.get("/storage/operations", params={"per_page": 100})
    if reply.status_code != 200:
        return [{"error": reply.status_code}]
    return [{"id": op.get("id"), "name": op.get("name"), "status": op.get("status"),
             "error_message": op.get("error_message"),
             "attributes": op.get("attributes")} for op in reply.json()]


def s3_snapshot(s3, bucket: str) -> dict:
    try:
        listed = s3.list_objects_v2(Bucket=bucket)
    except Exception as exc:  # noqa: BLE001 - the bucket may not exist, by design
        return {"bucket": f"unavailable: {type(exc).__name__}"}
    objects = {}
    for item in listed.get("Contents", []):
        body = s3.get_object(Bucket=bucket, Key=item["Key"])["Body"]
        try:
            data = body.read()
        finally:
            body.close()
        objects[item["Key"]] = f"sha256:{hashlib.sha256(data).hexdigest()[:16]} ({len(data)} B)"
    pending = s3.list_multipart_uploads(Bucket=bucket).get("Uploads", [])
    return {"objects": objects, "pending_multipart_uploads": len(pending)}


# =============================================================================================
# Normalisation
# =============================================================================================

SIGNED_QUERY = re.compile(r"\?[^\s\"'<>)]*?(?:signature|Signature)=[^\s\"'<>)]*")
HTTP_DATE = re.compile(r"(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d{2} [A-Z][a-z]{2} \d{4} "
                       r"\d{2}:\d{2}:\d{2} GMT")
ISO_TIME = re.compile(r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:?\d{2})?")
ADDRESS = re.compile(r"0x[0-9a-fA-F]{6,16}")
FRAME_LINE = re.compile(r"^\s+- .+ line \d+, in .+$", re.MULTILINE)
RUN_STARTED = datetime.now(timezone.utc)


def _recent(match: re.Match) -> str:
    text = match.group(0)
    try:
        stamp = datetime.fromisoformat(text.replace("Z", "+00:00").replace(" ", "T"))
    except ValueError:
        return text
    if stamp.tzinfo is None:
        stamp = stamp.replace(tzinfo=timezone.utc)
    window = timedelta(days=1)
    if RUN_STARTED - window <= stamp <= datetime.now(timezone.utc) + window:
        return "<now>"
    return text


def normalise_text(text: str, subs: dict[str, str]) -> str:
    text = SIGNED_QUERY.sub("?<signed>", text)
    for raw in sorted(subs, key=len, reverse=True):
        if raw:
            text = text.replace(raw, subs[raw])
    text = HTTP_DATE.sub("<http-date>", text)
    text = ISO_TIME.sub(_recent, text)
    return ADDRESS.sub("0x<addr>", text)


def normalise(value: Any, subs: dict[str, str]) -> Any:
    if isinstance(value, str):
        return normalise_text(value, subs)
    if isinstance(value, list):
        return [normalise(v, subs) for v in value]
    if isinstance(value, dict):
        return {normalise_text(k, subs): normalise(v, subs) for k, v in value.items()}
    return value


# tqdm's line, total known:   "desc: 100%|####| 13.0/13.0 [00:00<00:00, 5.2kB/s]"
#              total unknown: "desc: 13.0B [00:00, 5.2kB/s]"
TQDM_BAR = re.compile(r"^(?:(?P<desc>.*?): ?)?(?P<pct>-?\s*\d+%)\|(?P<bar>[^|]*)\|\s*"
                      r"(?P<n>\S+)/(?P<total>\S+) \[(?P<time>[^\]]*)\]\s*$")
TQDM_NO_TOTAL = re.compile(r"^(?:(?P<desc>.*?): ?)?(?P<n>\S+) "
                           r"\[(?P<time>\d+:\d\d(?::\d\d)?(?:, [^\]]*)?)\]\s*$")
RATE = re.compile(r"(?:\?|[\d.]+)\s*(?P<unit>\S+)$")


def _unit(time_part: str) -> str:
    rate = time_part.split(",")[-1].strip() if "," in time_part else ""
    match = RATE.match(rate)
    if not match:
        return "?"
    unit = match.group("unit")
    if unit.startswith("s/"):  # a slow rate is shown inverted: "s/B"
        unit = unit[2:] + "/s"
    return re.sub(r"^[kKMGTPEZY]i?(?=\w+/s$)", "", unit)


def parse_bar(segment: str) -> dict | None:
    segment = segment.strip("\x1b[A").rstrip()
    match = TQDM_BAR.match(segment)
    if match:
        return {"desc": match.group("desc") or "", "pct": match.group("pct").replace(" ", ""),
                "n/total": f"{match.group('n')}/{match.group('total')}",
                "unit": _unit(match.group("time"))}
    match = TQDM_NO_TOTAL.match(segment)
    if match:
        return {"desc": match.group("desc") or "", "pct": None, "n/total": match.group("n"),
                "unit": _unit(match.group("time"))}
    return None


def split_progress(text: str) -> tuple[list[dict], str]:
    """(final state of each tqdm bar, the text without bars and redraws)."""
    bars: list[dict] = []
    kept: list[str] = []
    for line in text.split("\n"):
        current: dict | None = None
        rest = []
        for segment in line.split("\r"):
            bar = parse_bar(segment)
            if bar is not None:
                if current is not None and current["desc"] != bar["desc"]:
                    bars.append(current)
                current = bar
            elif segment.strip():
                rest.append(segment)
        if current is not None:
            if bars and bars[-1]["desc"] == current["desc"]:
                bars[-1] = current  # the same bar, redrawn on a later line
            else:
                bars.append(current)
        kept.extend(rest)
    return bars, "\n".join(kept)


