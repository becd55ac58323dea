"""Benchmark: the nightly run at several sizes, time and peak memory per stage.

For each size, ``advocates demo-data`` makes the input (timed, with its peak memory) unless it is
already in the work folder, then a fresh process scores it (``run_nightly``, as ``advocates score``
does) and reports each stage's seconds and the peak resident memory reached during it (Linux:
the process's high-water mark, reset at each stage through ``/proc/self/clear_refs``).

Then, on the same store, an incremental night: the input again with 1% new rows appended to each
activity table (copies of random rows with new ids, dated the next day: orders, interactions,
mentions, reviews, referrals; the other files unchanged) scored as of the night after, so that the
run may reuse what the cold one kept: its models, and its validated input (kept, as
``advocates score`` keeps it, beside the store's file).

Usage:
    python bench/bench_pipeline.py --customers 10000 100000 1000000 [--workdir /tmp/advocates-bench]
        [--with-edges]   (the incremental night adds 1% new edges too: the graph changes)
        [--retrain-share 0.02]   (the incremental night refits the propensity model, whose
                                  labels the new rows change by 2.4%, as a third night would)

Prints a Markdown table per size and one JSON line per run; asserts nothing about time.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import resource
import shutil
import subprocess
import sys
import time
from dataclasses import replace
from pathlib import Path

import pandas as pd

AS_OF = "2026-11-01"
NEXT_DAY = "2026-11-02"
#: The incremental night scores as of the end of the next day, so that its rows count.
NEXT_NIGHT = "2026-11-03"
#: Per activity table: its id column (None: no id) and the date columns the new rows take.
NEW_ROWS = {
    "orders": ("order_id", ("ordered_at",)),
    "interactions": (None, ("occurred_at",)),
    "mentions": ("mention_id", ("posted_at",)),
    "reviews": ("review_id", ("created_at",)),
    "referrals": ("referral_id", ("invited_at", "converted_at")),
}


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


#: With ``--with-edges``, the graph grows too: new follows (copies of random edges, each from
#: another copied edge's follower), dated the next day.
NEW_EDGES = {"edges": (None, ("created_at",))}


def incremental_input(
    base: Path, out: Path, *, share: float = 0.01, seed: int = 7, edges: bool = False
) -> int:
    """``base`` with ``share`` new rows in each activity table (see :data:`NEW_ROWS`; with
    ``edges``, :data:`NEW_EDGES` too) in ``out``; how many rows were added."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.csv as pa_csv

    out.mkdir(parents=True, exist_ok=True)
    rng, added = np.random.default_rng(seed), 0
    for path in sorted(base.glob("*.csv")):
        name = path.name.removesuffix(".csv")
        target = out / path.name
        growing = {**NEW_ROWS, **(NEW_EDGES if edges else {})}
        if name not in growing:
            target.unlink(missing_ok=True)
            target.symlink_to(path.resolve())
            continue
        header = path.open(encoding="utf-8").readline().strip().split(",")
        table = pa_csv.read_csv(
            path,
            convert_options=pa_csv.ConvertOptions(
                column_types=dict.fromkeys(header, pa.string()), strings_can_be_null=False
            ),
        )
        rows = rng.choice(table.num_rows, size=max(1, int(table.num_rows * share)), replace=False)
        new = table.take(pa.array(np.sort(rows))).to_pandas()
        key, dates = growing[name]
        if key is not None:
            new[key] = new[key] + "-next"
        if name == "edges":  # a new follower for each copied edge: new pairs, mostly
            new["source"] = rng.permutation(new["source"].to_numpy())
        for column in dates:
            new[column] = new[column].where(new[column] == "", f"{NEXT_DAY}T06:00:00Z")
        target.unlink(missing_ok=True)
        shutil.copyfile(path, target)  # the file as exported last night, then today's rows
        new.to_csv(target, mode="a", header=False, index=False)
        added += len(new)
    return added


def _input_cache(store: Path) -> Path:
    """Where ``advocates score`` keeps the validated input of a SQLite store at ``store``."""
    return store.with_name(store.name + ".inputs")


def score_once(
    data: Path, store: Path, as_of: str = AS_OF, retrain_share: str | None = None
) -> dict[str, object]:
    """Score ``data`` into ``store`` as of ``as_of`` in this process (a model is refitted when its
    data changed by more than ``retrain_share``, by default the product's); seconds and peak GiB
    per stage, and the models fitted."""
    from advocates.pipeline import ScoringParams, run_nightly
    from advocates.store import SqliteStore

    # Peak memory from each stage's first announcement to the next's (tables are read and
    # validated one at a time, so their two stages alternate; their seconds come from the run's
    # report, which adds up each entry).
    peaks: dict[str, int] = {}
    current: list[str] = []

    def progress(stage: str) -> None:
        if current:
            peaks[current[-1]] = _peak_kib()
        _reset_peak()
        current.append(stage)

    start = time.perf_counter()
    outcome = run_nightly(
        input_dir=data,
        store=SqliteStore(store),
        input_cache=_input_cache(store),
        params=replace(
            ScoringParams(as_of=pd.Timestamp(as_of, tz="UTC")),
            retrain_share=float(retrain_share or ScoringParams.retrain_share),
        ),
        rejects_dir=store.parent / "rejects",
        max_reject_share=0.05,
        progress=progress,
    )
    total = time.perf_counter() - start
    peaks[current[-1]] = _peak_kib()
    return {
        "total_s": round(total, 1),
        "peak_gib": round(max(peaks.values()) / 1024**2, 2),
        "peak_gib_per_stage": {name: round(kib / 1024**2, 2) for name, kib in peaks.items()},
        "seconds": outcome.report["seconds"],
        "customers": outcome.report["customers"],
        "models_fitted": [
            name
            for name in ("sentiment", "customer_value", "propensity", "conversion", "uplift")
            if outcome.report[f"{name}_model"].get("fitted_this_run")  # type: ignore[attr-defined]
        ],
        "sentiment_model": {
            k: v
            for k, v in outcome.report["sentiment_model"].items()  # type: ignore[attr-defined]
            if k in ("fitted_this_run", "mentions_scored", "mentions_kept", "macro_f1")
        },
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
    peaks: dict[str, float] = run["peak_gib_per_stage"]  # type: ignore[assignment]
    seconds: dict[str, float] = run["seconds"]  # type: ignore[assignment]
    for name, peak in peaks.items():
        lines.append(f"| {name} | {round(seconds.get(name, 0.0), 1)} | {peak} |")
    lines.append(f"| **total** | **{run['total_s']}** | **{run['peak_gib']}** |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--customers", type=int, nargs="+", default=[100_000])
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/advocates-bench"))
    parser.add_argument(
        "--with-edges", action="store_true", help="the incremental night adds 1%% edges too"
    )
    parser.add_argument(
        "--retrain-share",
        help="the incremental night refits a model whose data changed by more than this "
        "(0.02: the propensity model, whose labels change by 2.4%%, as on a third night)",
    )
    parser.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        what, first, second, *rest = args.child
        if what == "generate":
            print(json.dumps(generate_once(int(first), Path(second))))
        else:
            print(json.dumps(score_once(Path(first), Path(second), *rest)))
        return
    for size in args.customers:
        folder = args.workdir / f"{size}"
        data = folder / "input"
        generated: dict[str, object] = {}
        if not (data / "customers.csv").exists():
            generated = _child("generate", str(size), str(data))
        store = folder / "cold" / "store.db"
        store.parent.mkdir(parents=True, exist_ok=True)
        for part in ("", "-wal", "-shm"):
            store.with_name(store.name + part).unlink(missing_ok=True)
        shutil.rmtree(_input_cache(store), ignore_errors=True)
        run = _child("score", str(data), str(store))
        print(_table(size, run))
        print(json.dumps({"customers": size, "run": "cold", **generated, **run}))
        added = incremental_input(data, folder / "next-day", edges=args.with_edges)
        share = [args.retrain_share] if args.retrain_share else []
        run = _child("score", str(folder / "next-day"), str(store), NEXT_NIGHT, *share)
        print(
            _table(size, run).replace(
                "customers)",
                f"customers, incremental: {added:,} new rows"
                + (", edges among them)" if args.with_edges else ")"),
            )
        )
        night = "incremental with edges" if args.with_edges else "incremental"
        if args.retrain_share:
            night += f", retrain share {args.retrain_share}"
        print(json.dumps({"customers": size, "run": night, "rows_added": added, **run}))


if __name__ == "__main__":
    main()
