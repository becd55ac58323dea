"""Benchmark: one campaign plan on the demo data, by catalogue size; time, peak memory, store growth.

Usage: python bench/bench_plan.py [--customers 5000] [--sizes 10,100,300,1000] [--advocates 100]
       [--budgets 500,2000] [--request-size 300] [--disclosure-bytes 100000] [--no-memory]
       [--save PATH]

Generates the demo data (``--customers``, seed 7, ending 2026-11-01) and scores it into a store
under ``--workdir`` once (kept between runs; ``--fresh`` makes it again), then for each catalogue
size and budget plans a conversion campaign twice: with ``--advocates`` advocates, and without a
number (budget mode: as many as the budget affords, the API's default). Catalogues are generated
with varied kinds, rewards and caps, and are valid catalogues. Per case it prints the seconds of
validating the catalogue and of :func:`~advocates.campaigns.plan.plan_campaign` (the best of
``--repeat``), and its peak traced memory (tracemalloc, in a second call, so tracing does not slow
the timed one). Then it times what one request does, end to end, for ``--request-size``
incentives at the last budget: validating the catalogue, planning on the store's latest run and
storing the plan (:func:`~advocates.campaigns.plan.plan_and_store`). Last, it stores one
budget-mode plan of 10 incentives whose disclosures are ``--disclosure-bytes`` long and prints
how much the store file grew.

``--save`` writes each case's assignments and totals as JSON, so that two versions of the code can
be compared for identical plans. Prints figures; asserts nothing about time.
"""

from __future__ import annotations

import argparse
import hashlib
import inspect
import json
import shutil
import sqlite3
import time
import tracemalloc
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from advocates.campaigns.incentives import KINDS, validate_catalogue
from advocates.campaigns.plan import CampaignRequest, plan_and_store, plan_campaign
from advocates.data.io import write_table
from advocates.demo import generate_demo_tables
from advocates.pipeline import ScoringParams, run_nightly
from advocates.store import SqliteStore

END = "2026-11-01"


def make_store(workdir: Path, customers: int, *, fresh: bool) -> SqliteStore:
    """The scored demo store, made once (``--fresh``: again)."""
    path = workdir / f"store-{customers}.db"
    if fresh:
        shutil.rmtree(workdir, ignore_errors=True)
    if path.exists():
        return SqliteStore(path)
    data = workdir / f"input-{customers}"
    for name, frame in generate_demo_tables(customers=customers, seed=7, end=END).items():
        write_table(frame, data / f"{name}.csv")
    store = SqliteStore(path)
    run_nightly(
        input_dir=data,
        store=store,
        params=ScoringParams(as_of=pd.Timestamp(END, tz="UTC")),
        rejects_dir=workdir / "rejects",
        max_reject_share=0.05,
    )
    return store


def make_catalogue(size: int, *, seed: int = 0, disclosure_bytes: int = 0) -> pd.DataFrame:
    """A valid catalogue of ``size`` incentives: kinds in turn, rewards from 1 to 40, a cap on
    about half of them, disclosures of ``disclosure_bytes`` characters (short when 0)."""
    rng = np.random.default_rng(seed)
    kinds = [KINDS[i % len(KINDS)] for i in range(size)]
    advocate = np.round(rng.uniform(1, 40, size), 2)
    friend = np.round(rng.uniform(1, 40, size), 2)
    advocate = np.where([k == "friend-only" for k in kinds], 0.0, advocate)
    friend = np.where([k == "advocate-only" for k in kinds], 0.0, friend)
    caps = np.where(rng.random(size) < 0.5, rng.integers(1, 6, size).astype(str), "")
    ids = [f"inc{i:05d}" for i in range(size)]

    def text(lang: str, i: int) -> str:
        short = f"[{lang}] {ids[i]}: I get {advocate[i]:g} EUR, you get {friend[i]:g} EUR off."
        return (short * (disclosure_bytes // len(short) + 1))[:disclosure_bytes] or short

    frame = pd.DataFrame(
        {
            "incentive_id": ids,
            "advocate_reward": [f"{v:g}" for v in advocate],
            "friend_reward": [f"{v:g}" for v in friend],
            "currency": "EUR",
            "kind": kinds,
            "cap": caps,
            **{f"disclosure_{lang}": [text(lang, i) for i in range(size)] for lang in LANGS},
        }
    )
    return validate(frame)


LANGS = ("en", "fr", "ro")


def validate(frame: pd.DataFrame) -> pd.DataFrame:
    """validate_catalogue, raising its bound to the catalogue's size where it has one."""
    if "max_incentives" in inspect.signature(validate_catalogue).parameters:
        return validate_catalogue(frame, max_incentives=max(len(frame), 1))  # type: ignore[call-arg]
    return validate_catalogue(frame)


def digest(plan_assignments: pd.DataFrame) -> str:
    """A short fingerprint of a plan's assignments (floats rounded to 1e-9)."""
    frame = plan_assignments.copy()
    for column in frame.select_dtypes("number").columns:
        frame[column] = frame[column].round(9)
    return hashlib.sha256(frame.to_csv(index=False).encode()).hexdigest()[:12]


def store_bytes(path: Path) -> int:
    """The store's size on disk, after moving the write-ahead log into the file."""
    with sqlite3.connect(path) as con:
        con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    wal = path.with_name(path.name + "-wal")
    return path.stat().st_size + (wal.stat().st_size if wal.exists() else 0)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--customers", type=int, default=5000)
    parser.add_argument("--sizes", default="10,100,300,1000")
    parser.add_argument("--advocates", type=int, default=100)
    parser.add_argument("--budgets", default="500,2000")
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--request-size", type=int, default=300)
    parser.add_argument("--disclosure-bytes", type=int, default=100_000)
    parser.add_argument("--no-memory", action="store_true")
    parser.add_argument("--save", type=Path)
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/advocates-bench-plan"))
    parser.add_argument("--fresh", action="store_true")
    args = parser.parse_args()

    start = time.perf_counter()
    store = make_store(args.workdir, args.customers, fresh=args.fresh)
    run = store.latest_run()
    eligible = store.eligible(run.run_id)
    audience = store.run_table(run.run_id, "audience")
    print(
        json.dumps(
            {
                "customers": args.customers,
                "eligible": len(eligible),
                "audience_rows": len(audience),
                "setup_s": round(time.perf_counter() - start, 1),
            }
        ),
        flush=True,
    )
    saved: dict[str, Any] = {}
    for size in [int(s) for s in args.sizes.split(",")]:
        start = time.perf_counter()
        catalogue = make_catalogue(size)
        catalogue_s = time.perf_counter() - start
        for budget, advocates in [
            (float(b), a) for b in args.budgets.split(",") for a in (args.advocates, None)
        ]:
            request = CampaignRequest("conversion", budget=budget, advocates=advocates)
            seconds = []
            for _ in range(args.repeat):
                start = time.perf_counter()
                plan = plan_campaign(eligible, audience, catalogue, request)
                seconds.append(time.perf_counter() - start)
            peak_mib = None
            if not args.no_memory:
                tracemalloc.start()
                plan_campaign(eligible, audience, catalogue, request)
                peak_mib = round(tracemalloc.get_traced_memory()[1] / 2**20, 1)
                tracemalloc.stop()
            case = f"{size}-{budget:g}-{advocates or 'budget'}"
            saved[case] = {
                "assignments": plan.assignments.to_dict("records"),
                "totals": plan.totals,
            }
            print(
                json.dumps(
                    {
                        "incentives": size,
                        "budget": budget,
                        "advocates": advocates or "budget",
                        "validate_s": round(catalogue_s, 3),
                        "plan_s": round(min(seconds), 3),
                        "peak_mib": peak_mib,
                        "selected": plan.totals["advocates"],
                        "with_incentive": plan.totals["with_incentive"],
                        "value": plan.totals["expected_incremental_value"],
                        "cost": plan.totals["expected_cost"],
                        "digest": digest(plan.assignments),
                    }
                ),
                flush=True,
            )
    budget = float(args.budgets.split(",")[-1])
    frame = make_catalogue(args.request_size).astype(object)
    for advocates in (args.advocates, None):
        start = time.perf_counter()
        info = plan_and_store(
            store, validate(frame), CampaignRequest("conversion", budget, advocates)
        )
        print(
            json.dumps(
                {
                    "request_incentives": args.request_size,
                    "budget": budget,
                    "advocates": advocates or "budget",
                    "validate_plan_and_store_s": round(time.perf_counter() - start, 3),
                    "selected": info.totals["advocates"],
                }
            ),
            flush=True,
        )
    if args.save:
        args.save.write_text(json.dumps(saved, default=str, indent=1), encoding="utf-8")

    catalogue = make_catalogue(10, disclosure_bytes=args.disclosure_bytes)
    before = store_bytes(store.path)
    start = time.perf_counter()
    info = plan_and_store(store, catalogue, CampaignRequest("conversion", budget, None))
    stored_s = time.perf_counter() - start
    grown = store_bytes(store.path) - before
    _, total = store.plan_assignments(info.plan_id, limit=1, offset=0)
    print(
        json.dumps(
            {
                "stored_plan": info.plan_id,
                "disclosure_bytes": args.disclosure_bytes,
                "assignments": total,
                "with_incentive": info.totals["with_incentive"],
                "plan_and_store_s": round(stored_s, 3),
                "store_growth_mib": round(grown / 2**20, 2),
                "catalogue_disclosures_mib": round(30 * args.disclosure_bytes / 2**20, 2),
            }
        ),
        flush=True,
    )


if __name__ == "__main__":
    main()
