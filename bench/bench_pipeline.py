"""Benchmark: the nightly run at several sizes, time and peak memory per stage.

For each size, ``advocates demo-data`` makes the input (timed, with its peak memory) unless it is
already in the work folder, then a fresh process scores it (``run_nightly``, as ``advocates score``
does) and reports each stage's seconds and the peak resident memory reached during it (Linux:
the process's high-water mark, reset at each stage through ``/proc/self/clear_refs``).

Usage:
    python bench/bench_pipeline.py --customers 10000 100000 1000000 [--workdir /tmp/advocates-bench]

Prints a Markdown table per size and one JSON line per run; asserts nothing about time.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import resource
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd

AS_OF = "2026-11-01"


def _peak_kib() -> int:
    """This process's peak resident memory since the last reset, in KiB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def _reset_peak() -> None:
    # Not Linux, or not allowed: peaks then accumulate (each stage shows the run's peak so far).
    with contextlib.suppress(OSError):
        Path("/proc/self/clear_refs").write_text("5")


def score_once(data: Path, store: Path) -> dict[str, object]:
    """Score ``data`` into ``store`` in this process; seconds and peak GiB per stage."""
    from advocates.pipeline import ScoringParams, run_nightly
    from advocates.store import SqliteStore

    stages: list[tuple[str, float, int]] = []

    def progress(stage: str) -> None:
        if stages:
            name, started, _ = stages[-1]
            stages[-1] = (name, time.perf_counter() - started, _peak_kib())
        _reset_peak()
        stages.append((stage, time.perf_counter(), 0))

    start = time.perf_counter()
    outcome = run_nightly(
        input_dir=data,
        store=SqliteStore(store),
        params=ScoringParams(as_of=pd.Timestamp(AS_OF, tz="UTC")),
        rejects_dir=store.parent / "rejects",
        max_reject_share=0.05,
        progress=progress,
    )
    total = time.perf_counter() - start
    name, started, _ = stages[-1]
    stages[-1] = (name, time.perf_counter() - started, _peak_kib())
    return {
        "total_s": round(total, 1),
        "peak_gib": round(max(p for _, _, p in stages) / 1024**2, 2),
        "stages": {name: [round(s, 1), round(p / 1024**2, 2)] for name, s, p in stages},
        "reported_seconds": outcome.report["seconds"],
        "customers": outcome.report["customers"],
    }


def generate_once(customers: int, folder: Path) -> dict[str, object]:
    """``advocates demo-data`` into ``folder`` in this process: wall time and peak GiB."""
    from advocates.cli import app

    _reset_peak()
    start = time.perf_counter()
    argv = ["demo-data", "--customers", str(customers), "--seed", "7", "--end", AS_OF]
    app([*argv, "--out", str(folder)], standalone_mode=False)
    return {
        "demo_data_s": round(time.perf_counter() - start, 1),
        "demo_data_peak_gib": round(_peak_kib() / 1024**2, 2),
    }


def _child(*args: str) -> dict[str, object]:
    """Run this script's ``--child`` mode in a fresh process (its own peak memory)."""
    done = subprocess.run(
        [sys.executable, __file__, "--child", *args], check=True, capture_output=True, text=True
    )
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


def _table(size: int, run: dict[str, object]) -> str:
    lines = [f"| stage ({size:,} customers) | seconds | peak GiB |", "|---|---:|---:|"]
    stages: dict[str, list[float]] = run["stages"]  # type: ignore[assignment]
    for name, (seconds, peak) in stages.items():
        lines.append(f"| {name} | {seconds} | {peak} |")
    lines.append(f"| **total** | **{run['total_s']}** | **{run['peak_gib']}** |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--customers", type=int, nargs="+", default=[100_000])
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/advocates-bench"))
    parser.add_argument("--child", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        what, first, second = args.child
        if what == "generate":
            print(json.dumps(generate_once(int(first), Path(second))))
        else:
            print(json.dumps(score_once(Path(first), Path(second))))
        return
    for size in args.customers:
        folder = args.workdir / f"{size}"
        data = folder / "input"
        generated: dict[str, object] = {}
        if not (data / "customers.csv").exists():
            generated = _child("generate", str(size), str(data))
        store = folder / "cold" / "store.db"
        store.parent.mkdir(parents=True, exist_ok=True)
        store.unlink(missing_ok=True)
        run = _child("score", str(data), str(store))
        print(_table(size, run))
        print(json.dumps({"customers": size, "run": "cold", **generated, **run}))


if __name__ == "__main__":
    main()
