"""Stopping a child process politely, then for sure: shared by `lab`, tests and benchmarks."""

from __future__ import annotations

import contextlib
import signal
import subprocess
import time

__all__ = ["stop_process"]

REPEAT_GAP_S = 0.5  # between repeated signals: the first one's prompt must be up to take it


def stop_process(process: subprocess.Popen, sig: int = signal.SIGINT, *, times: int = 1,
                 timeout: float = 20.0) -> int:
    """Send `sig` (`times` times, while it runs), wait up to `timeout` s, then kill it.

    Repeating serves servers that ask for confirmation on the first Ctrl-C (JupyterLab).
    Returns the exit code; a process that has already ended is only reaped.
    """
    for i in range(times):
        if i:
            time.sleep(REPEAT_GAP_S)
        if process.poll() is not None:
            break
        # It may end between poll() and the signal.
        with contextlib.suppress(ProcessLookupError):
            process.send_signal(sig)
    try:
        return process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        return process.wait()
