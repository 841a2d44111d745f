"""The whole run: states, preparations, both batches, snapshots, kernels, comparison."""

from __future__ import annotations

import dataclasses
import shutil
import time
from pathlib import Path

import httpx

from .cases import Case
from .common import BAD_KEY, CLIENTS, SETTLE_TIMEOUT_S
from .interpreters import Slot, client_env, ipykernel_path, python_for, run_batch
from .kernels import quiet_warnings, run_kernel
from .registry import FIELDS, KERNEL_FIELDS, Difference, compare
from .snapshots import operations_snapshot, s3_snapshot, tree_snapshot
from .states import COMPONENTS, _bytes, write_inputs, write_state

WEB_PAGES = {
    "/files/data.bin": (200, _bytes(300_000, 6)),
    "/files/my%20file%20%C3%BC.txt": (200, b"a fetched file with an odd name\n"),
    "/files/": (200, b"an index page\n"),
    "/missing.bin": (404, b""),
}
ROOT_PROBE = Path("/datasets")


@dataclasses.dataclass
class Outcome:
    cases: list[Case]
    slots: dict[tuple[str, str], Slot]
    differences: dict[str, list[Difference]]
    kernel_differences: dict[str, list[Difference]]
    kernel_problem: str | None
    notes: list[str]
    seconds: dict[str, float]

    def all_differences(self) -> list[Difference]:
        return [d for diffs in self.differences.values() for d in diffs] + [
            d for diffs in self.kernel_differences.values() for d in diffs]


def _s3_client(endpoint: str):
    import boto3
    from botocore.config import Config

    return boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1",
                        aws_access_key_id="testing", aws_secret_access_key="testing",
                        config=Config(signature_version="s3v4"))


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def prepare(slot: Slot, api_url: str, s3) -> None:
    """Buckets, presigned S3 parts and running operations a case needs, made beforehand."""
    kind = slot.case.prep
    if not kind:
        return
    bucket = f"b-{slot.owner_key}".lower()
    slot.bucket = bucket
    slot.prep["bucket"] = bucket
    slot.subs[bucket] = "<BUCKET>"
    if kind == "nobucket":
        return
    s3.create_bucket(Bucket=bucket)
    if kind == "bucket":
        return
    key = "mp.bin"
    upload_id = s3.create_multipart_upload(Bucket=bucket, Key=key)["UploadId"]
    part_url = s3.generate_presigned_url("upload_part", ExpiresIn=3600, Params={
        "Bucket": bucket, "Key": key, "UploadId": upload_id, "PartNumber": 1})
    complete = s3.generate_presigned_url("complete_multipart_upload", HttpMethod="POST",
                                         ExpiresIn=3600, Params={
                                             "Bucket": bucket, "Key": key,
                                             "UploadId": upload_id})
    if kind == "operation_failed":
        part_url = f"http://127.0.0.1:{_free_port()}/closed/part1"
    parts = [{"part_number": 1, "part_url": part_url}]
    slot.prep.update(parts=parts, complete=complete, parts_size=len(
        COMPONENTS["exp"]["exp/blob.bin"]))
    if kind == "multipart":
        return
    with httpx.Client(base_url=api_url, headers={"X-API-Key": slot.owner_key},
                      timeout=30) as http:
        reply = http.post("/storage/export_multipart", json={
            "path": "exp/blob.bin", "parts_size": slot.prep["parts_size"],
            "upload_parts": parts, "complete_multipart_url": complete})
        reply.raise_for_status()
        op_id = reply.json()["id"]
        # Let the operation finish first: wait() then has nothing to poll for long.
        deadline = time.monotonic() + SETTLE_TIMEOUT_S
        while time.monotonic() < deadline:
            if http.get(f"/storage/operations/{op_id}").json()["status"] != "RUNNING":
                break
            time.sleep(0.1)
    slot.prep["op_id"] = op_id
    slot.subs[op_id] = "<OP>"


def _settle(slots: list[Slot], server_root: Path, api_url: str) -> list[str]:
    """Wait for background work (fetches from URLs, exports) to finish: until no operation
    of a slot is RUNNING and its files stay the same over 0.3 s. Returns the unsettled."""
    deadline = time.monotonic() + SETTLE_TIMEOUT_S
    previous: dict[int, dict] = {}
    pending = list(slots)
    while pending and time.monotonic() < deadline:
        still = []
        for slot in pending:
            ops = operations_snapshot(api_url, slot.owner_key)
            tree = tree_snapshot(server_root / "users" / slot.user_id)
            busy = any(op.get("status") == "RUNNING" for op in ops)
            if busy or previous.get(id(slot)) != tree:
                still.append(slot)
            previous[id(slot)] = tree
        pending = still
        if pending:
            time.sleep(0.3)
    return [f"{s.client}:{s.case.id}" for s in pending]


def _new_slots(cases: list[Case], client: str, base: Path, prefix: str,
               server, subs: dict[str, str]) -> list[Slot]:
    from inductiva_widgets.server.config import user_id_for

    slots = []
    for i, case in enumerate(cases):
        owner = f"{prefix}-{client}-{i:03d}"
        slot = Slot(case=case, client=client, owner_key=owner,
                    call_key=BAD_KEY if case.key == "bad" else owner,
                    user_id=user_id_for(owner), root=base / case.id)
        slot.subs.update(subs)
        slot.subs.update({str(slot.root): "<CASE>", owner: "<KEY>", slot.user_id: "<USER>"})
        write_state(server.config.root / "users" / slot.user_id / "europe-west1", case.state)
        write_inputs(slot.inputs, case.inputs)
        slot.work.mkdir(parents=True, exist_ok=True)
        for rel, data in case.local.items():
            path = slot.work / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)
        slots.append(slot)
    return slots


def run_suite(cases: list[Case], tmp: Path, s3_endpoint: str, *,
              kernel: bool = True) -> Outcome:
    from inductiva_widgets.server.config import ServerConfig
    from inductiva_widgets.server.runner import start_in_thread

    from ...webpages import serve_pages

    timings: dict[str, float] = {}
    notes: list[str] = []
    started = time.monotonic()
    root_existed = ROOT_PROBE.exists()
    if root_existed:
        notes.append(f"{ROOT_PROBE} exists on this machine: the case that downloads into it "
                     "is left out, so as not to touch it")
        cases = [c for c in cases if not (c.remote_arg() or "").startswith(str(ROOT_PROBE))]
    kernel_cases = [c for c in cases if c.kernel] if kernel else []
    keys = [f"{p}-{client}-{i:03d}" for client in CLIENTS for p, group in
            (("diff", cases), ("kern", kernel_cases)) for i in range(len(group))]
    config = ServerConfig(root=tmp / "server", api_keys=keys, allow_private_urls=True)
    server = start_in_thread(config)
    context = quiet_warnings()
    s3 = _s3_client(s3_endpoint)
    slots: dict[tuple[str, str], Slot] = {}
    kernel_problem = None
    try:
        with serve_pages(WEB_PAGES) as web:
            common = {server.url: "<API>", s3_endpoint: "<S3>", web: "<WEB>"}
            per_client: dict[str, list[Slot]] = {}
            for client in CLIENTS:
                home = tmp / client / "home"
                home.mkdir(parents=True, exist_ok=True)
                subs = dict(common, **{str(home): "<HOME>"})
                client_slots = _new_slots(cases, client, tmp / client / "cases", "diff",
                                          server, subs)
                for slot in client_slots:
                    prepare(slot, server.url, s3)
                    slots[(client, slot.case.id)] = slot
                per_client[client] = client_slots
            timings["setup"] = time.monotonic() - started
            for client in CLIENTS:
                t0 = time.monotonic()
                env = client_env(tmp / client / "home", server.url,
                                 per_client[client][0].owner_key, s3_endpoint)
                run_batch(client, per_client[client], env, tmp / client / "batch", web)
                timings[f"batch {client}"] = time.monotonic() - t0
                if not root_existed and ROOT_PROBE.exists():
                    writer = next((s for s in per_client[client]
                                   if (s.case.remote_arg() or "").startswith("/datasets")),
                                  None)
                    found = {f"{ROOT_PROBE}/{k}": v
                             for k, v in tree_snapshot(ROOT_PROBE).items()}
                    shutil.rmtree(ROOT_PROBE, ignore_errors=True)  # it did not exist before
                    if writer is not None:
                        writer.outside["root"] = found
                    else:
                        notes.append(f"{client} wrote {sorted(found)} outside any case")
            t0 = time.monotonic()
            unsettled = _settle([s for s in slots.values() if s.case.settle], config.root,
                                server.url)
            if unsettled:
                notes.append(f"still busy after {SETTLE_TIMEOUT_S} s: {unsettled}")
            for slot in slots.values():
                local = tree_snapshot(slot.work)
                local.update(slot.outside.pop("root", {}))
                slot.outside["local"] = local
                slot.outside["remote"] = tree_snapshot(config.root / "users" / slot.user_id)
                ops = operations_snapshot(server.url, slot.owner_key)
                for op in ops:
                    if op.get("id"):
                        slot.subs[op["id"]] = "<OP>"
                slot.outside["operations"] = ops
                slot.outside["s3"] = s3_snapshot(s3, slot.bucket) if slot.bucket else None
            timings["snapshots"] = time.monotonic() - t0

            if kernel_cases:
                t0 = time.monotonic()
                kernel_problem = _run_kernels(kernel_cases, slots, tmp, server, s3,
                                              s3_endpoint, web, common)
                timings["kernels"] = time.monotonic() - t0
    finally:
        s3.close()
        server.stop()
        context.__exit__(None, None, None)

    differences = {c.id: compare(c, slots[("ref", c.id)], slots[("ours", c.id)], FIELDS)
                   for c in cases}
    kernel_differences = {}
    if kernel_cases and kernel_problem is None:
        kernel_differences = {c.id: compare(c, slots[("ref", c.id)], slots[("ours", c.id)],
                                            KERNEL_FIELDS) for c in kernel_cases}
    timings["total"] = time.monotonic() - started
    return Outcome(cases, slots, differences, kernel_differences, kernel_problem, notes,
                   timings)


def _run_kernels(kernel_cases: list[Case], slots: dict[tuple[str, str], Slot], tmp: Path,
                 server, s3, s3_endpoint: str, web: str, common: dict) -> str | None:
    ref = python_for("ref")
    extra, how = ipykernel_path(ref)
    if extra is None:
        return f"no ipykernel for the reference venv: {how}"
    for client in CLIENTS:
        home = tmp / f"kernel-{client}" / "home"
        home.mkdir(parents=True, exist_ok=True)
        subs = dict(common, **{str(home): "<HOME>"})
        kslots = _new_slots(kernel_cases, client, tmp / f"kernel-{client}" / "cases", "kern",
                            server, subs)
        for kslot in kslots:
            prepare(kslot, server.url, s3)
        env = client_env(home, server.url, kslots[0].owner_key, s3_endpoint)
        problem = run_kernel(client, kslots, env, tmp / f"kernel-{client}", web,
                             extra if client == "ref" else "")
        if problem:
            return f"{client}: {problem}"
        for kslot in kslots:
            main = slots[(client, kslot.case.id)]
            main.kernel_record = kslot.kernel_record
            main.kernel_subs = kslot.subs
    return None
