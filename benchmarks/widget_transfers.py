"""Does progress reporting in the widgets slow transfers down?

Downloads a folder of 1,000 small files (10 KB) with the bare client
(`storage.download`, no progress) and through a `TransferQueue` (background thread,
throttled progress published to the widget's trait), against the same bundled server
running in its own process. Prints a Markdown table; the target is a widget time within
10% of the bare client's.

    python benchmarks/widget_transfers.py [--files 1000] [--repeat 3]
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

KEY = "bench-widget-key"


def start_server(root: Path) -> tuple[subprocess.Popen, str]:
    process = subprocess.Popen(
        [sys.executable, "-m", "inductiva_widgets", "serve", "--root", str(root), "--port", "0",
         "--api-key", KEY], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    for line in process.stdout:
        match = re.search(r"export INDUCTIVA_API_URL=(\S+)", line)
        if match:
            return process, match.group(1)
    raise RuntimeError("the server did not start")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()

    import inductiva_widgets.storage as st
    from inductiva_widgets import TransferQueue
    from inductiva_widgets.server.config import user_id_for

    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "root"
        folder = root / "users" / user_id_for(KEY) / "europe-west1" / "small"
        folder.mkdir(parents=True)
        payload = os.urandom(10_000)
        for i in range(args.files):
            (folder / f"f{i:05d}.bin").write_bytes(payload)
        server, url = start_server(root)
        try:
            client = st.StorageClient(url, KEY)
            queue = TransferQueue(client=client)
            updates = []
            queue.observe(lambda change: updates.append(1), names="transfers")
            times: dict[str, list[float]] = {"bare client": [], "TransferQueue widget": []}
            for attempt in range(args.repeat):
                for name in times:
                    out = Path(tmp) / f"out-{name[:4]}-{attempt}"
                    start = time.perf_counter()
                    if name == "bare client":
                        st.download("small/", str(out), progress=False, client=client)
                    else:
                        transfer = queue.download("small/", str(out))
                        queue.wait(transfer.id)
                        assert transfer.state == "done", transfer.error
                    times[name].append(time.perf_counter() - start)
                    assert len(list((out / "small").iterdir())) == args.files
                    shutil.rmtree(out)
            bare = min(times["bare client"])
            print(f"| download of {args.files:,} × 10 KB | best of {args.repeat} (s) | vs bare |")
            print("|---|---:|---:|")
            for name, values in times.items():
                print(f"| {name} | {min(values):.3f} | {min(values) / bare:.2f}× |")
            widget = min(times["TransferQueue widget"])
            per_run = len(updates) / args.repeat
            print(f"\nwidget trait updates per transfer: {per_run:.0f}")
            verdict = "met" if widget <= bare * 1.10 else "NOT met"
            print(f"target (widget within 10% of the bare client): {verdict}")
            client.close()
        finally:
            server.terminate()
            server.wait(timeout=10)


if __name__ == "__main__":
    main()
