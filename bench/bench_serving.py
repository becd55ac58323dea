"""Benchmark: serving a big run over HTTP, beside the run's size.

Usage:
    .venv/bin/python bench/bench_serving.py --store /tmp/advocates-bench/1000000/cold/store.db
    .venv/bin/python bench/bench_serving.py --customers 100000      (makes and scores demo data)

On the latest run of a SQLite store (by default one that ``bench/bench_pipeline.py`` wrote), it
makes an API key with the read, write and export scopes, starts ``advocates serve`` on 127.0.0.1
(one worker, as in production) and measures, one request at a time, as a campaign tool asks:

- a listing by custom weights (``/v1/advocates?weights=awareness=1,conversion=2``): the first
  request (which loads the run's served customers into the server) and the median of the next
  ``--repeat``, each at a new offset (the server keeps answers by address; these are computed);
- campaign plans (``POST /v1/campaigns``, conversion, the example catalogue ``data/incentives.csv``,
  a budget no plan reaches) of ``--plans`` advocates each: the first one and the median of
  ``--repeat``;
- a streamed CSV export of ``--export-rows`` rows (``/v1/exports/shortlist.csv``, never kept by
  the server): rows per second of the first and the median of the next ``--repeat``, and the
  server's resident memory before and at its peak during them (flat memory: the peak stays near
  the start).

Targets (issue 9): a plan of 1,000 advocates within 3 s, a custom-weights listing within 300 ms,
an export at 200,000 rows/s or more, on the 1,000,000-customer run. Prints figures and one JSON
line; asserts nothing about time.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import shutil
import statistics
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path
from typing import Any

from bench_api import (
    AS_OF,
    free_port,
    run_step,
    servers_stopped_at_exit,
    sigterm_as_interrupt,
    start_server,
    wait_healthy,
)

ROOT = Path(__file__).resolve().parents[1]
WEIGHTS = "awareness=1,conversion=2"


def request(url: str, key: str, body: dict[str, Any] | None = None) -> tuple[float, bytes]:
    """Seconds to the whole answer, and the answer (SystemExit on an HTTP error)."""
    data = json.dumps(body).encode() if body is not None else None
    sent = urllib.request.Request(url, data=data, method="POST" if body is not None else "GET")
    sent.add_header("Authorization", f"Bearer {key}")
    if data is not None:
        sent.add_header("Content-Type", "application/json")
    start = time.perf_counter()
    try:
        with urllib.request.urlopen(sent, timeout=600) as answer:
            payload: bytes = answer.read()
    except urllib.error.HTTPError as error:
        raise SystemExit(f"{url}: HTTP {error.code}: {error.read()[:500]!r}") from None
    return time.perf_counter() - start, payload


def rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def catalogue() -> list[dict[str, Any]]:
    with open(ROOT / "data" / "incentives.csv", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    for row in rows:
        for name in ("advocate_reward", "friend_reward"):
            row[name] = float(row[name])
        row["cap"] = float(row["cap"]) if row.get("cap") else None
    return rows


def export(url: str, key: str, pid: int, repeat: int) -> dict[str, float]:
    """Stream an export ``repeat + 1`` times, sampling the server's memory meanwhile: the first
    export's rows per second, the median of the others, and the memory before and at most."""
    before, peak, done = rss_mib(pid), 0.0, threading.Event()

    def sample() -> None:
        nonlocal peak
        while not done.is_set():
            peak = max(peak, rss_mib(pid))
            time.sleep(0.05)

    sampler = threading.Thread(target=sample)
    sampler.start()
    try:
        answers = [request(url, key) for _ in range(repeat + 1)]
    finally:
        done.set()
        sampler.join()
    rows = answers[0][1].count(b"\r\n") - 1  # less the header
    first, later = answers[0][0], statistics.median(seconds for seconds, _ in answers[1:])
    return {
        "rows": rows,
        "first_seconds": round(first, 2),
        "first_rows_per_s": round(rows / first),
        "median_seconds": round(later, 2),
        "median_rows_per_s": round(rows / later),
        "server_rss_before_mib": round(before),
        "server_rss_peak_mib": round(peak),
    }


def benchmark(store: Path, workdir: Path, args: argparse.Namespace) -> dict[str, Any]:
    advocates = str(Path(sys.executable).parent / "advocates")
    env = {
        **os.environ,
        "ADVOCATES_STORE_URL": f"sqlite:///{store}",
        "ADVOCATES_RATE_LIMIT_PER_MINUTE": "1000000",
        "ADVOCATES_EXPORT_MAX_ROWS": str(max(args.export_rows, 100)),
        "ADVOCATES_HEAVY_WAIT_SECONDS": "600",
    }
    made = run_step(
        [advocates, "keys", "create", "--name", "bench-serving", "--scopes", "read,write,export"],
        env=env,
        cwd=workdir,
        log=workdir / "keys.log",
    )
    key = made.strip().splitlines()[-1].strip()
    port = free_port()
    with servers_stopped_at_exit() as servers:
        command = [advocates, "serve", "--host", "127.0.0.1", "--port", str(port)]
        server = start_server("product", command, env=env, cwd=workdir, port=port)
        servers.append(server)
        wait_healthy(server)
        base = f"http://127.0.0.1:{port}"

        listings = [
            request(f"{base}/v1/advocates?weights={WEIGHTS}&limit=100&offset={i}", key)[0]
            for i in range(args.repeat + 1)
        ]
        body = {
            "objective": "conversion",
            "budget": 1_000_000_000.0,
            "catalogue": catalogue(),
            "advocates": args.plans,
            "seed": 0,
        }
        plans = [request(f"{base}/v1/campaigns", key, body)[0] for _ in range(args.repeat + 1)]
        exported = export(
            f"{base}/v1/exports/shortlist.csv?objective=awareness&limit={args.export_rows}",
            key,
            server.process.pid,
            args.repeat,
        )
    from advocates.store import SqliteStore

    reader = SqliteStore(store)
    run = reader.latest_run()
    return {
        "run_id": run.run_id,
        "customers": run.report.get("customers"),
        "eligible": run.report.get("eligible"),
        "audience_pairs": len(reader.run_table(run.run_id, "audience")),
        "listing_custom_first_ms": round(listings[0] * 1000),
        "listing_custom_median_ms": round(statistics.median(listings[1:]) * 1000),
        "plan_advocates": args.plans,
        "plan_first_s": round(plans[0], 2),
        "plan_median_s": round(statistics.median(plans[1:]), 2),
        "export": exported,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--store", type=Path, help="a SQLite store with a published run")
    parser.add_argument("--customers", type=int, help="make and score this many demo customers")
    parser.add_argument("--plans", type=int, default=1000)
    parser.add_argument("--export-rows", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    if (args.store is None) == (args.customers is None):
        parser.error("give exactly one of --store and --customers")
    workdir = Path(tempfile.mkdtemp(prefix="advocates-serving-"))
    try:
        with sigterm_as_interrupt():
            store = args.store
            if store is None:
                advocates = str(Path(sys.executable).parent / "advocates")
                data, store = workdir / "data", workdir / "store.db"
                env = {**os.environ, "ADVOCATES_STORE_URL": f"sqlite:///{store}"}
                demo = ["demo-data", "--out", str(data), "--customers", str(args.customers)]
                run_step(
                    [advocates, *demo, "--seed", "7", "--end", AS_OF],
                    env=env,
                    cwd=workdir,
                    log=workdir / "demo-data.log",
                )
                run_step(
                    [advocates, "score", "--input", str(data), "--as-of", AS_OF],
                    env=env,
                    cwd=workdir,
                    log=workdir / "score.log",
                )
            figures = benchmark(store.resolve(), workdir, args)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    print(
        f"run {figures['run_id']}: {figures['customers']:,} customers, {figures['eligible']:,} eligible"
    )
    print(
        f"custom-weights listing: first {figures['listing_custom_first_ms']} ms, then median "
        f"{figures['listing_custom_median_ms']} ms (target <= 300 ms)"
    )
    print(
        f"plan of {figures['plan_advocates']:,} advocates: first {figures['plan_first_s']} s, then "
        f"median {figures['plan_median_s']} s (target <= 3 s)"
    )
    e = figures["export"]
    print(
        f"export of {e['rows']:,} rows: first {e['first_rows_per_s']:,} rows/s "
        f"({e['first_seconds']} s), then median {e['median_rows_per_s']:,} rows/s "
        f"({e['median_seconds']} s) (target >= 200,000); server memory "
        f"{e['server_rss_before_mib']} MiB before, {e['server_rss_peak_mib']} MiB at most during them"
    )
    print(json.dumps(figures))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
