"""The tables of the transfer benchmark: one per mode (loopback, delayed network), the ratios
side by side against the issue's targets, the spread of the runs and where the CPU went."""

from __future__ import annotations

import os
import statistics
from dataclasses import dataclass, field

from transfer_data import Dataset
from transfer_processes import Measurement

MB = 1_000_000
RSS_LIMIT_MIB = 100 * MB / 2**20  # "peak RSS < 100 MB"
MEMBER_SLACK = 16 * 1024  # "a little metadata": API answers and HTTP headers
# The issue's targets: (mode, operation) -> minimum ratio of the reference's time to ours.
RATIO_TARGETS = {
    ("network", "small-up"): 20.0, ("network", "small-down"): 10.0,
    ("network", "member"): 2.0,
    ("loopback", "small-up"): 1.5, ("loopback", "small-down"): 1.5,
    ("loopback", "member"): 1.0,  # the first call from a fresh process: no slower
}
CURL_TARGETS = {"big-down": 0.9, "big-up": 0.9}  # ours at >= 0.9x the speed of curl
CURL_NAMES = {"big-down": "curl -o FILE", "big-up": "curl -T"}


@dataclass
class Row:
    op: str
    label: str
    runs: dict[str, list[Measurement]] = field(default_factory=dict)  # in run order

    def median(self, client: str) -> Measurement | None:
        """The run of median wall time (the upper median for an even count)."""
        measured = sorted(self.runs.get(client, []), key=lambda m: m.seconds)
        return measured[len(measured) // 2] if measured else None

    def ratio(self, client: str = "inductiva") -> float | None:
        ours, other = self.median("ours"), self.median(client)
        return other.seconds / ours.seconds if ours and other else None


@dataclass
class ModeResult:
    name: str  # loopback | network
    title: str
    data: Dataset
    rows: list[Row] = field(default_factory=list)

    def row(self, op: str) -> Row | None:
        return next((r for r in self.rows if r.op == op), None)


def fmt(value: float | None, spec: str, suffix: str = "") -> str:
    return "—" if value is None else format(value, spec) + suffix


def print_mode_table(mode: ModeResult) -> None:
    print(f"\n### {mode.title}\n")
    print("| operation | ours (s) | inductiva (s) | ratio (inductiva/ours) | curl (s) "
          "| ours vs curl (speed) | ours peak RSS (MiB) | inductiva peak RSS (MiB) |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    for row in mode.rows:
        ours, theirs, curl = (row.median(c) for c in ("ours", "inductiva", "curl"))
        vs_curl = curl.seconds / ours.seconds if curl and ours else None
        curl_cell = f"{curl.seconds:.3f} ({CURL_NAMES[row.op]})" if curl else "—"
        print(f"| {row.label} | {fmt(ours and ours.seconds, '.3f')} "
              f"| {fmt(theirs and theirs.seconds, '.3f')} | {fmt(row.ratio(), '.2f', '×')} "
              f"| {curl_cell} | {fmt(vs_curl, '.2f', '×')} "
              f"| {fmt(ours and ours.peak_rss_mib, '.0f')} "
              f"| {fmt(theirs and theirs.peak_rss_mib, '.0f')} |")


def target_text(mode: str, op: str) -> str:
    if (mode, op) in RATIO_TARGETS:
        return f"≥ {RATIO_TARGETS[mode, op]:g}×"
    if mode == "loopback" and op in CURL_TARGETS:
        return f"≥ {CURL_TARGETS[op]:g}× {CURL_NAMES[op]}"
    return "—"


def print_side_by_side(modes: list[ModeResult]) -> None:
    """Ratios of each mode next to each other, with the issue's targets."""
    ops = list(dict.fromkeys(r.op for m in modes for r in m.rows))
    print("\n### Side by side: the reference's time / ours (> 1: ours is faster)\n")
    print("| operation | " + " | ".join(f"{m.title} | target" for m in modes) + " |")
    print("|---|" + "---:|---|" * len(modes))
    for op in ops:
        cells = []
        for m in modes:
            row = m.row(op)
            if row is None:
                cells += ["not run", "—"]
                continue
            if op in CURL_TARGETS and m.name == "loopback":
                ours, curl = row.median("ours"), row.median("curl")
                vs = f"; ours = {curl.seconds / ours.seconds:.2f}× curl" if ours and curl else ""
                cells += [fmt(row.ratio(), ".2f", "×") + vs, target_text(m.name, op)]
            else:
                cells += [fmt(row.ratio(), ".2f", "×"), target_text(m.name, op)]
        print(f"| {op} | " + " | ".join(cells) + " |")


def busy(m: Measurement) -> str:
    """Server CPU over wall time; CPU time comes in 10 ms ticks, too coarse for short runs."""
    return f"{m.server_cpu / m.seconds:.0%}" if m.seconds >= 0.25 else "—"


def print_runs(modes: list[ModeResult]) -> None:
    print(f"\n### Every run, and where the CPU went (median run; {os.cpu_count()} cores)\n")
    print("Spread = (slowest − fastest) / median. A server busy near 100% (one core) is the "
          "bottleneck; others' CPU is what the rest of the machine used meanwhile (noise).\n")
    print("| mode | operation | client | runs (s), in order | spread | client CPU (s) "
          "| server CPU (s) | server busy | proxy CPU (s) | others' CPU (s) |")
    print("|---|---|---|---|---:|---:|---:|---:|---:|---:|")
    for mode in modes:
        for row in mode.rows:
            for client, measured in row.runs.items():
                m = row.median(client)
                times = [x.seconds for x in measured]
                spread = (max(times) - min(times)) / statistics.median(times)
                setup = (f" (median run built the client in {m.setup_seconds:.3f})"
                         if client == "ours" else "")
                print(f"| {mode.name} | {row.op} | {client} | "
                      + " / ".join(f"{t:.3f}" for t in times)
                      + f"{setup} | {spread:.0%} | {m.client_cpu:.2f} | {m.server_cpu:.2f} "
                        f"| {busy(m)} | {m.proxy_cpu:.2f} | {m.other_cpu:.2f} |")
    floors = {c: m.import_rss_mib for mode in modes for row in mode.rows
              for c in row.runs if c != "curl" and (m := row.median(c))}
    print("\nPeak RSS right after the imports (the floor of the RSS figures): "
          + ", ".join(f"{c} {mib:.0f} MiB" for c, mib in floors.items()))


def print_member(mode: ModeResult) -> None:
    row, data = mode.row("member"), mode.data
    if row is None or not any(m.wire_bytes is not None for ms in row.runs.values() for m in ms):
        return
    print(f"\nMember read ({mode.title}, through a byte-counting proxy): stdout.txt is "
          f"{len(data.stdout):,} B, {data.stdout_compressed:,} B deflated, at the end of a "
          f"{data.sizes.big_size / 2**20:,.0f} MiB archive.\n")
    print("| client | bytes received | beyond the compressed size | requests |")
    print("|---|---:|---:|---|")
    for client in row.runs:
        m = row.median(client)
        print(f"| {client} | {m.wire_bytes:,} | {m.wire_bytes - data.stdout_compressed:+,} "
              f"| {len(m.requests)}: {', '.join(m.requests)} |")


def print_targets(modes: list[ModeResult]) -> None:
    lines: list[tuple[bool, str]] = []
    for mode in modes:
        for row in mode.rows:
            ratio = row.ratio()
            if (mode.name, row.op) in RATIO_TARGETS and ratio is not None:
                goal = RATIO_TARGETS[mode.name, row.op]
                lines.append((ratio >= goal, f"{mode.title}, {row.op}: ours {ratio:.2f}× as "
                              f"fast as inductiva (target ≥ {goal:g}×)"))
            ours, curl = row.median("ours"), row.median("curl")
            if mode.name == "loopback" and row.op in CURL_TARGETS and ours and curl:
                goal, speed = CURL_TARGETS[row.op], curl.seconds / ours.seconds
                lines.append((speed >= goal, f"{mode.title}, {row.op}: ours at {speed:.2f}× "
                              f"the speed of {CURL_NAMES[row.op]} (target ≥ {goal:g}×)"))
        if mode.name == "loopback":
            peaks = [(row.op, m.peak_rss_mib) for row in mode.rows
                     if (m := row.median("ours"))]
            if peaks:
                op, peak = max(peaks, key=lambda p: p[1])
                lines.append((peak < RSS_LIMIT_MIB, f"{mode.title}: ours peak RSS at most "
                              f"{peak:.0f} MiB ({op}) (target < 100 MB = "
                              f"{RSS_LIMIT_MIB:.1f} MiB)"))
            member = mode.row("member")
            ours = member and member.median("ours")
            if ours and ours.wire_bytes is not None:
                limit = mode.data.stdout_compressed + MEMBER_SLACK
                lines.append((ours.wire_bytes <= limit, f"{mode.title}, member: ours received "
                              f"{ours.wire_bytes:,} B (≤ the {mode.data.stdout_compressed:,} B "
                              f"compressed + {MEMBER_SLACK // 1024} KiB)"))
    print("\nTargets (on the medians):")
    for ok, text in lines:
        print(f"- [{'x' if ok else ' '}] {'met' if ok else 'MISSED'}: {text}")
