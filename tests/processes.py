"""Tests that run a program in a process of its own: waiting until it answers over HTTP,
reading its output up to a line. Stopping it is `inductiva_widgets.processes.stop_process`.
"""

from __future__ import annotations

import subprocess
import time

import httpx


def wait_until_answers(url: str, process: subprocess.Popen, what: str,
                       timeout: float = 30.0) -> None:
    """Poll `url` until it answers with any status; RuntimeError naming `what` if `process`
    ends first or `timeout` seconds pass (the caller stops the process)."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            httpx.get(url, timeout=2)
            return
        except httpx.HTTPError:
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"{what} does not answer") from None
            time.sleep(0.05)


def read_until(process: subprocess.Popen, marker: str, lines: list[str],
               timeout: float = 60.0) -> str:
    """Append `process`'s output lines (a text pipe) to `lines` until one holds `marker`;
    returns all of them joined. Fails if the process ends first or `timeout` s pass."""
    deadline = time.monotonic() + timeout
    while not any(marker in line for line in lines):
        assert time.monotonic() < deadline, lines
        line = process.stdout.readline()
        assert line, f"the process exited early: {lines}"
        lines.append(line)
    return "".join(lines)
