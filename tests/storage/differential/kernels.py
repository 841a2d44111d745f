"""Running cases inside real IPython kernels, one per client."""

from __future__ import annotations

import json
import time
import warnings
from pathlib import Path
from typing import Any

from .common import KERNEL_CELL_TIMEOUT_S
from .interpreters import Slot, python_for
from .script import script_for


def kernel_cell(slot: Slot, web: str) -> str:
    c = slot.case
    spec = {"id": c.id, "fn": c.fn, "args": list(c.args), "kwargs": c.kwargs,
            "in": str(slot.inputs), "prep": slot.prep, "web": web}
    # One cell, as a user would type it: switch key and folder, then the call as the last
    # expression, so that its value is displayed (execute_result) and errors show as such.
    return (f"use_key({slot.call_key!r}); os.chdir({str(slot.work)!r})\n"
            f"run_call(json.loads({json.dumps(spec)!r}))")


def run_kernel(client: str, slots: list[Slot], env: dict[str, str], folder: Path,
               web: str, extra_path: str) -> str | None:
    """Run the slots' calls in one real IPython kernel; fills slot.kernel_record.

    Returns None, or why the kernel could not run.
    """
    from jupyter_client.kernelspec import KernelSpecManager
    from jupyter_client.manager import KernelManager

    folder.mkdir(parents=True, exist_ok=True)
    spec_dir = folder / "kernels" / f"diff-{client}"
    spec_dir.mkdir(parents=True, exist_ok=True)
    (spec_dir / "kernel.json").write_text(json.dumps({
        "argv": [python_for(client), "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": f"differential {client}", "language": "python"}))
    env = dict(env)
    if extra_path:
        env["PYTHONPATH"] = extra_path
    ksm = KernelSpecManager(kernel_dirs=[str(folder / "kernels")])
    km = KernelManager(kernel_name=f"diff-{client}", kernel_spec_manager=ksm)
    km.start_kernel(cwd=str(folder), env=env)
    kc = km.client()
    kc.start_channels()
    try:
        problem = _kernel_setup(kc, client)
        if problem:
            return problem
        for slot in slots:
            record = _execute(kc, kernel_cell(slot, web), KERNEL_CELL_TIMEOUT_S,
                              km.interrupt_kernel)
            slot.kernel_record = record
            if record["error"] or "Traceback" in record["stdout"] or record["stderr"]:
                # An error may change the kernel for the next case: the reference's custom
                # exception handler unregisters itself when it fails. Start afresh.
                kc.stop_channels()
                km.restart_kernel(now=True)
                kc = km.client()
                kc.start_channels()
                problem = _kernel_setup(kc, client)
                if problem:
                    return problem
        (folder / "records.json").write_text(json.dumps(
            {slot.case.id: slot.kernel_record for slot in slots}, indent=1))
    finally:
        kc.stop_channels()
        km.shutdown_kernel(now=True)
    return None


def _kernel_setup(kc, client: str) -> str | None:
    kc.wait_for_ready(timeout=90)
    record = _execute(kc, script_for(client), KERNEL_CELL_TIMEOUT_S)
    if record.get("error"):
        return f"kernel setup failed: {record['error']}"
    return None


def _execute(kc, code: str, timeout: float, interrupt=None) -> dict:
    msg_id = kc.execute(code, store_history=True)
    record: dict[str, Any] = {"stdout": "", "stderr": "", "display": [], "result": None,
                              "error": None}
    deadline = time.monotonic() + timeout
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            record["error"] = {"ename": "<kernel timeout>", "evalue": ""}
            if interrupt is not None:
                interrupt()
            break
        try:
            msg = kc.get_iopub_msg(timeout=min(left, 5))
        except Exception:  # noqa: BLE001 - queue.Empty: keep waiting until the deadline
            continue
        if msg.get("parent_header", {}).get("msg_id") != msg_id:
            continue
        kind, content = msg["msg_type"], msg["content"]
        if kind == "status" and content.get("execution_state") == "idle":
            break
        if kind == "stream":
            record[content["name"]] = record.get(content["name"], "") + content["text"]
        elif kind in ("display_data", "update_display_data"):
            data = content.get("data", {})
            item = {"type": kind, "mime": sorted(data)}
            if "text/plain" in data:
                item["text/plain"] = data["text/plain"]
            record["display"].append(item)
        elif kind == "execute_result":
            data = content.get("data", {})
            record["result"] = {"mime": sorted(data), "text/plain": data.get("text/plain")}
        elif kind == "error":
            record["error"] = {"ename": content.get("ename"),
                               "evalue": content.get("evalue", "")[:2000]}
        elif kind == "clear_output":
            record["display"].append({"type": "clear_output"})
        elif kind == "comm_open":
            record["display"].append({"type": "comm_open",
                                      "target": content.get("target_name"),
                                      "model": content.get("data", {}).get("state", {})
                                      .get("_model_name")})
    return record


def quiet_warnings():
    """jupyter_client and boto3 warn about deprecations that pytest turns into errors."""
    context = warnings.catch_warnings()
    context.__enter__()
    warnings.simplefilter("ignore")
    return context


