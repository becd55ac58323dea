"""Benchmark: generate N demo customers, run the nightly scoring, print time per stage and peak memory.

Usage: python bench/bench_pipeline.py --customers 100000 [--workdir /tmp/advocates-bench]
Prints figures; asserts nothing about time.
"""

from __future__ import annotations

import argparse
import json
import resource
import shutil
import time
from pathlib import Path

import pandas as pd

from advocates.data.io import write_table
from advocates.demo import generate_demo_tables
from advocates.pipeline import ScoringParams, run_nightly
from advocates.store import SqliteStore


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--customers", type=int, default=100_000)
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/advocates-bench"))
    args = parser.parse_args()
    shutil.rmtree(args.workdir, ignore_errors=True)
    data = args.workdir / "input"

    start = time.perf_counter()
    tables = generate_demo_tables(customers=args.customers, seed=1, end="2026-11-01")
    generated = time.perf_counter() - start
    for name, frame in tables.items():
        write_table(frame, data / f"{name}.csv")
    written = time.perf_counter() - start - generated
    rows = {name: len(frame) for name, frame in tables.items()}
    del tables

    start = time.perf_counter()
    outcome = run_nightly(
        input_dir=data,
        store=SqliteStore(args.workdir / "store.db"),
        params=ScoringParams(as_of=pd.Timestamp("2026-11-01", tz="UTC")),
        rejects_dir=args.workdir / "rejects",
        max_reject_share=0.05,
    )
    total = time.perf_counter() - start
    peak_gib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024**2
    print(
        json.dumps(
            {
                "customers": args.customers,
                "rows": rows,
                "generate_s": round(generated, 1),
                "write_csv_s": round(written, 1),
            }
        )
    )
    print(
        json.dumps(
            {
                "score_total_s": round(total, 1),
                "seconds": outcome.report["seconds"],
                "peak_rss_gib": round(peak_gib, 2),
            }
        )
    )
    print(
        json.dumps(
            {
                "propensity_model": outcome.report["propensity_model"],
                "sentiment_model": outcome.report["sentiment_model"],
            }
        )
    )


if __name__ == "__main__":
    main()
