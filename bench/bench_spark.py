"""Benchmark: a cold nightly run with the pandas engine and with the Spark engine, side by side.

For each size, the demo input ``bench/bench_pipeline.py`` makes (``/tmp/advocates-bench/<N>/input``,
``advocates demo-data --seed 7``) is reused, or made the same way (its own function, in a child
process) when missing. Then two fresh processes each score it cold, as ``advocates score --full``
would but without an input cache (``run_nightly(full=True)``: every file read whole, every model
fitted), into a new SQLite store in a temporary folder:

- ``pandas``: the pipeline reads and validates the input itself (``engine=None``);
- ``spark``: :class:`advocates.spark.engine.SparkEngine` (``--master``, default ``local[*]``)
  reads and validates it on Spark, in a session started first with ``--driver-memory`` (timed
  apart: "Spark session start"); everything after validation runs in the pipeline's process.

Memory: the driver process's peak resident memory (Linux's high-water mark, ``VmHWM``; also as
it was when validation ended), and, from a thread that scans ``/proc`` every 0.25 s, the peaks
of its child processes: the Spark JVM (its ``VmHWM``), the Python workers the JVM starts for
pandas UDFs (their resident memory summed at each scan, the highest sum), any other child (the
SQLite store's bulk writer, at publish), and the whole process tree's resident memory summed at
each scan (the highest sum: what the machine had to hold at once, to the scan's resolution).

Then the two stores are compared: the eligible count (the awareness ranking's total, and the
run report's), the top 100 for awareness (``store.ranked``: the same customers in the same order,
and the largest difference of their awareness scores), and the accepted and rejected rows of each
input table.

Usage:
    .venv/bin/python bench/bench_spark.py [--customers 100000 1000000]
        [--master 'local[*]'] [--driver-memory 8g] [--workdir /tmp/advocates-bench]
        [--timeout 3600]   (seconds per run; a run past it is stopped, its process group killed)

Prints, per size, a Markdown table (rows: the run's stages in seconds as its report gives them,
the whole run, the Spark session's start, the peaks in GiB, the comparison; columns: pandas,
Spark), the machine (CPUs, memory, versions, load averages before and after: other work on the
machine inflates the figures) and one JSON line; asserts nothing about time. Each run's stderr
(Spark's log among it) is kept in ``<workdir>/<N>/bench-spark-<engine>.log``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import bench_pipeline  # (bench/ is no package: the input as it makes it)

ENGINES = ("pandas", "spark")
TOP = 100
KIB_PER_GIB = 1024**2


# --- /proc: this process's peak and its children's -----------------------------------------------


def _status(pid: int | str, *fields: str) -> dict[str, int]:
    """``fields`` of ``/proc/<pid>/status`` in KiB (missing: the process is gone)."""
    found: dict[str, int] = {}
    try:
        text = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return found
    for line in text.splitlines():
        name, _, value = line.partition(":")
        if name in fields:
            found[name] = int(value.split()[0])
    return found


def _processes() -> dict[int, tuple[int, str]]:
    """Every process: its parent's id and its command name."""
    table: dict[int, tuple[int, str]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        # pid (comm) state ppid ...: the name may hold spaces and parentheses
        name = stat[stat.index("(") + 1 : stat.rindex(")")]
        table[int(entry.name)] = (int(stat[stat.rindex(")") + 2 :].split()[1]), name)
    return table


class TreeSampler:
    """Scans this process's descendants every ``interval`` seconds, in a thread, and keeps
    their peaks by kind: ``jvm`` (``java``), ``spark_workers`` (under the JVM: Python workers),
    ``other`` (any other child), and ``tree`` (the whole tree, this process included)."""

    def __init__(self, interval: float = 0.25) -> None:
        self.interval = interval
        self.peak_kib = {"jvm": 0, "spark_workers": 0, "other": 0, "tree": 0}
        self.scans = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> TreeSampler:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.scan()  # (the last look, the JVM still running)
        self._stop.set()
        self._thread.join()

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            self.scan()

    def scan(self) -> None:
        me = os.getpid()
        table = _processes()
        children: dict[int, list[int]] = {}
        for pid, (parent, _) in table.items():
            children.setdefault(parent, []).append(pid)
        workers = tree = 0
        stack = [(pid, False) for pid in children.get(me, [])]
        while stack:
            pid, under_jvm = stack.pop()
            is_jvm = table[pid][1] == "java"
            status = _status(pid, "VmHWM", "VmRSS")
            rss = status.get("VmRSS", 0)
            tree += rss
            if is_jvm:
                self.peak_kib["jvm"] = max(self.peak_kib["jvm"], status.get("VmHWM", 0))
            elif under_jvm:
                workers += rss
            else:
                self.peak_kib["other"] = max(self.peak_kib["other"], status.get("VmHWM", 0))
            stack.extend((child, under_jvm or is_jvm) for child in children.get(pid, []))
        tree += _status(me, "VmRSS").get("VmRSS", 0)
        self.peak_kib["spark_workers"] = max(self.peak_kib["spark_workers"], workers)
        self.peak_kib["tree"] = max(self.peak_kib["tree"], tree)
        self.scans += 1


# --- One run, in a child process -----------------------------------------------------------------


def run_once(
    engine_name: str, data: Path, store_path: Path, master: str, driver_memory: str
) -> dict[str, Any]:
    """A cold run of ``data`` into a new store at ``store_path``, with ``engine_name``'s engine:
    the run's report figures, its seconds, and the peaks of this process and its children."""
    import pandas as pd

    from advocates.pipeline import ScoringParams, run_nightly
    from advocates.store import SqliteStore

    began = time.perf_counter()
    driver_after_validate: list[int] = []

    def progress(stage: str) -> None:
        print(f"bench-stage {stage} at {time.perf_counter() - began:.1f} s", file=sys.stderr)
        if stage == "events":  # (read and validate over: their peak)
            driver_after_validate.append(_status("self", "VmHWM")["VmHWM"])

    with TreeSampler() as sampler:
        engine, session_s = None, None
        if engine_name == "spark":
            from advocates.spark.engine import SparkEngine
            from advocates.spark.session import spark_session

            print("bench-stage spark session", file=sys.stderr)
            start = time.perf_counter()
            session = spark_session(master=master, driver_memory=driver_memory)
            session_s = round(time.perf_counter() - start, 1)
            engine = SparkEngine(master=master, session=session)
        start = time.perf_counter()
        outcome = run_nightly(
            input_dir=data,
            store=SqliteStore(store_path),
            params=ScoringParams(as_of=pd.Timestamp(bench_pipeline.AS_OF, tz="UTC")),
            rejects_dir=store_path.parent / "rejects",
            max_reject_share=0.05,
            full=True,
            input_cache=None,
            progress=progress,
            engine=engine,
        )
        total = time.perf_counter() - start
    driver = _status("self", "VmHWM")["VmHWM"]
    if engine is not None and engine.session is not None:
        engine.session.stop()
    report = outcome.report
    return {
        "engine": report["engine"],
        "run_id": outcome.run_id,
        "total_s": round(total, 1),
        "session_start_s": session_s,
        "seconds": report["seconds"],
        "customers": report["customers"],
        "eligible": report["eligible"],
        "tables": {
            name: [table["accepted"], table["rejected"]]  # type: ignore[index]
            for name, table in report["tables"].items()  # type: ignore[attr-defined]
        },
        "peak_gib": {
            "driver": round(driver / KIB_PER_GIB, 2),
            "driver_through_validate": round(
                (driver_after_validate or [driver])[0] / KIB_PER_GIB, 2
            ),
            **{k: round(v / KIB_PER_GIB, 2) for k, v in sampler.peak_kib.items()},
        },
        "scans": sampler.scans,
    }


def _child(log: Path, timeout: float, *args: str) -> dict[str, Any]:
    """Run this script's ``--child`` mode in a fresh process (its own peak memory; its stderr to
    ``log``); on a failure, what failed: the exit, the stage last begun and the log's tail."""
    with log.open("w") as err:
        child = subprocess.Popen(
            [sys.executable, __file__, "--child", *args],
            stdout=subprocess.PIPE,
            stderr=err,
            text=True,
            start_new_session=True,  # (its own process group: a JVM left behind goes with it)
        )
        try:
            out, _ = child.communicate(timeout=timeout)
            failure = f"exit status {child.returncode}" if child.returncode else ""
        except subprocess.TimeoutExpired:
            os.killpg(child.pid, signal.SIGKILL)
            out, _ = child.communicate()
            failure = f"stopped after {timeout:.0f} s"
    if not failure:
        return dict(json.loads(out.strip().splitlines()[-1]))
    lines = log.read_text(errors="replace").splitlines()
    stages = [line.removeprefix("bench-stage ") for line in lines if line.startswith("bench-stage")]
    return {
        "failed": failure,
        "stage": stages[-1] if stages else "-",
        "log_tail": [line for line in lines if not line.startswith("bench-stage")][-15:],
    }


# --- The comparison, from the two stores ---------------------------------------------------------


def compare(stores: dict[str, Path], runs: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """The eligible counts and the top :data:`TOP` for awareness of each store's run, and
    whether they agree."""
    from advocates.store import SqliteStore

    tops, totals = {}, {}
    for name, path in stores.items():
        frame, totals[name] = SqliteStore(path).ranked(
            runs[name]["run_id"], objective="awareness", limit=TOP, offset=0
        )
        tops[name] = frame.set_index("customer_id")["awareness_score"]
    first, second = (tops[name] for name in ENGINES)
    same_ids = first.index.tolist() == second.index.tolist()
    common = first.index.intersection(second.index)
    return {
        "ranked_total": totals,
        "same_eligible": totals["pandas"] == totals["spark"]
        and runs["pandas"]["eligible"] == runs["spark"]["eligible"],
        "same_top": same_ids,
        "top_in_common": len(common),
        "first_difference": next(
            (i for i, (a, b) in enumerate(zip(first.index, second.index, strict=False)) if a != b),
            None,
        ),
        "max_score_difference": float((first[common] - second[common]).abs().max())
        if len(common)
        else None,
        "same_tables": runs["pandas"]["tables"] == runs["spark"]["tables"],
    }


# --- The table -----------------------------------------------------------------------------------


def _table(size: int, runs: dict[str, dict[str, Any]], check: dict[str, Any] | None) -> str:
    names = {"pandas": "pandas", "spark": "Spark"}
    master = next(
        (
            r["engine"].removeprefix("spark ")
            for r in runs.values()
            if "spark" in r.get("engine", "")
        ),
        "",
    )
    header = [
        f"{size:,} customers, cold",
        *(f"{names[e]} {master if e == 'spark' else ''}" for e in ENGINES),
    ]
    lines = ["| " + " | ".join(h.strip() for h in header) + " |", "|---|---:|---:|"]

    def row(label: str, value: Any) -> None:
        cells = ["failed" if "failed" in runs[e] else str(value(runs[e])) for e in ENGINES]
        lines.append(f"| {label} | " + " | ".join(cells) + " |")

    stages: list[str] = []
    for run in runs.values():
        stages += [s for s in run.get("seconds", {}) if s not in stages]
    for stage in stages:
        row(f"{stage}, s", lambda r, s=stage: f"{r['seconds'].get(s, 0.0):.1f}")
    row("**whole run, s**", lambda r: f"**{r['total_s']}**")
    row(
        "Spark session start, s",
        lambda r: r["session_start_s"] if r["session_start_s"] is not None else "–",
    )
    row("**driver process peak, GiB**", lambda r: f"**{r['peak_gib']['driver']}**")
    row(
        "driver peak by the end of validate, GiB",
        lambda r: r["peak_gib"]["driver_through_validate"],
    )
    row("JVM peak (child of the driver), GiB", lambda r: r["peak_gib"]["jvm"] or "–")
    row("Spark Python workers at once, peak, GiB", lambda r: r["peak_gib"]["spark_workers"] or "–")
    row("other children (SQLite bulk writer), peak, GiB", lambda r: r["peak_gib"]["other"] or "–")
    row("process tree at once, peak, GiB", lambda r: r["peak_gib"]["tree"])
    row("eligible (report)", lambda r: f"{r['eligible']:,}")
    if check is not None:
        totals = check["ranked_total"]
        lines.append(
            "| awareness ranking total (store) | "
            + " | ".join(f"{totals[e]:,}" for e in ENGINES)
            + " |"
        )
        top = (
            f"yes (max score difference {check['max_score_difference']:.2g})"
            if check["same_top"]
            else f"no: {check['top_in_common']} in common, first difference at rank "
            f"{(check['first_difference'] or 0) + 1}"
        )
        lines += [
            f"| same eligible count | {'yes' if check['same_eligible'] else 'no'} | |",
            f"| same top {TOP} for awareness (ids, in order) | {top} | |",
            f"| same accepted / rejected rows per table | "
            f"{'yes' if check['same_tables'] else 'no'} | |",
        ]
    for engine in ENGINES:
        if "failed" in runs[engine]:
            run = runs[engine]
            lines.append(
                f"\n{names[engine]} failed ({run['failed']}) in stage {run['stage']}; "
                "its log ends:\n    " + "\n    ".join(run["log_tail"])
            )
    return "\n".join(lines)


def _load() -> str:
    return ", ".join(f"{x:.1f}" for x in os.getloadavg())


def _machine() -> str:
    memory = {
        name: int(value.split()[0])
        for name, _, value in (
            line.partition(":") for line in Path("/proc/meminfo").read_text().splitlines()
        )
    }
    java = subprocess.run(["java", "-version"], capture_output=True, text=True, check=False)
    said = (java.stderr or java.stdout).splitlines()
    try:
        from importlib.metadata import version

        pyspark = version("pyspark")
    except Exception:  # (not installed: the Spark runs say so)
        pyspark = "-"
    return (
        f"{os.cpu_count()} CPUs, {memory.get('MemTotal', 0) / KIB_PER_GIB:.1f} GiB, "
        f"Python {platform.python_version()}, PySpark {pyspark}, "
        f"{said[0] if said else 'no java'}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--customers", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/advocates-bench"))
    parser.add_argument("--master", default="local[*]", help="the Spark master (local mode)")
    parser.add_argument(
        "--driver-memory",
        default="8g",
        help="the Spark driver JVM's heap (local mode: the executors' too); 8g leaves the "
        "pipeline's own ~4 GiB at 1,000,000 customers room on a 24 GiB machine",
    )
    parser.add_argument("--timeout", type=float, default=3600, help="seconds per run at most")
    parser.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        engine, data, store, master, memory = args.child
        print(json.dumps(run_once(engine, Path(data), Path(store), master, memory)))
        return
    for size in args.customers:
        load_before = _load()
        folder = args.workdir / f"{size}"
        data = folder / "input"
        generated: dict[str, Any] = {}
        if not (data / "customers.csv").exists():
            generated = bench_pipeline._child("generate", str(size), str(data))
        runs: dict[str, dict[str, Any]] = {}
        with tempfile.TemporaryDirectory(prefix="advocates-bench-spark-") as work:
            stores = {e: Path(work) / e / "store.db" for e in ENGINES}
            for engine, store in stores.items():
                log = folder / f"bench-spark-{engine}.log"
                runs[engine] = _child(
                    log,
                    args.timeout,
                    engine,
                    str(data),
                    str(store),
                    args.master,
                    args.driver_memory,
                )
            ok = not any("failed" in r for r in runs.values())
            check = compare(stores, runs) if ok else None
        print(_table(size, runs, check))
        print(
            f"\nmachine: {_machine()}; load average (1, 5, 15 min) before {load_before}, "
            f"after {_load()}\n"
        )
        print(json.dumps({"customers": size, **generated, "runs": runs, "comparison": check}))


if __name__ == "__main__":
    main()
