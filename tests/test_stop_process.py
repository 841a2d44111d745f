"""`stop_process`: a polite signal first, repeated where asked, then a kill."""

from __future__ import annotations

import signal
import subprocess
import sys

from inductiva_widgets.processes import stop_process

# Prints "ready" once its handler is set, then exits 0 at the `needed`-th SIGINT.
COUNTING = """
import signal, sys, time
needed, seen = int(sys.argv[1]), []
def on_int(*_):
    seen.append(1)
    if len(seen) >= needed:
        sys.exit(0)
signal.signal(signal.SIGINT, on_int)
print("ready", flush=True)
while True:
    time.sleep(0.05)
"""


def start(needed: int) -> subprocess.Popen:
    process = subprocess.Popen([sys.executable, "-c", COUNTING, str(needed)],
                               stdout=subprocess.PIPE, text=True)
    assert process.stdout.readline() == "ready\n"
    return process


def test_one_sigint_stops_a_process_that_listens():
    with start(1) as process:
        assert stop_process(process, timeout=10) == 0


def test_a_second_sigint_for_a_process_that_asks_to_confirm():
    with start(2) as process:
        assert stop_process(process, signal.SIGINT, times=2, timeout=10) == 0


def test_a_process_that_does_not_stop_is_killed():
    with start(3) as process:
        assert stop_process(process, timeout=0.5) == -signal.SIGKILL


def test_an_ended_process_is_only_reaped():
    with start(1) as process:
        process.send_signal(signal.SIGINT)
        process.wait()
        assert stop_process(process, signal.SIGTERM, times=2, timeout=1) == 0
