"""Benchmark: how long each page takes on a big run, served by ``advocates serve``.

Usage:
    .venv/bin/python bench/bench_pages.py --store /tmp/advocates-bench/1000000/cold/store.db
        [--repeat 10]

On the latest run of a SQLite store (by default the one ``bench/bench_pipeline.py`` wrote for
1,000,000 customers), it starts ``advocates serve`` on 127.0.0.1 with keys off (pages then need
no sign-in; the session check is one key lookup) and asks, one request at a time, for each page:
the first request and the median and slowest of ``--repeat`` more. Target (issue 11): any page
within 300 ms on the 1,000,000-customer run. Prints a Markdown table and one JSON line; asserts
nothing about time.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from bench_api import free_port, servers_stopped_at_exit, start_server, wait_healthy

#: The pages measured: a name and the address asked for.
PAGES = {
    "shortlist, awareness, page 1": "/",
    "shortlist, conversion, language fr": "/?objective=conversion&language=fr",
    "shortlist, conversion, fr, sentiment >= 0.5, page 20": (
        "/?objective=conversion&language=fr&min_sentiment=0.5&page=20"
    ),
    "shortlist, engagement, page 2,000": "/?objective=engagement&page=2000",
    "shortlist download (50 rows)": "/shortlist.csv?objective=conversion&language=fr",
    "run report": "/runs/latest",
}


def timed(url: str) -> float:
    """Milliseconds to the whole answer (SystemExit on an HTTP error)."""
    start = time.perf_counter()
    with urllib.request.urlopen(url, timeout=120) as answer:
        answer.read()
    return (time.perf_counter() - start) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument(
        "--store", type=Path, default=Path("/tmp/advocates-bench/1000000/cold/store.db")
    )
    parser.add_argument("--repeat", type=int, default=10)
    args = parser.parse_args()
    env = {**os.environ, "ADVOCATES_STORE_URL": f"sqlite:///{args.store}", "ADVOCATES_AUTH": "off"}
    port = free_port()
    advocates = str(Path(sys.executable).parent / "advocates")
    command = [advocates, "serve", "--host", "127.0.0.1", "--port", str(port)]
    results = {}
    with servers_stopped_at_exit() as servers, tempfile.TemporaryDirectory() as workdir:
        server = start_server("pages", command, env=env, cwd=Path(workdir), port=port)
        servers.append(server)
        wait_healthy(server)
        for name, path in PAGES.items():
            first = timed(server.url(path))
            rest = [timed(server.url(path)) for _ in range(args.repeat)]
            results[name] = {
                "first_ms": round(first, 1),
                "median_ms": round(statistics.median(rest), 1),
                "max_ms": round(max(rest), 1),
            }
    print("| page | first ms | median ms | slowest ms |\n|---|---:|---:|---:|")
    for name, r in results.items():
        print(f"| {name} | {r['first_ms']} | {r['median_ms']} | {r['max_ms']} |")
    print(json.dumps({"store": str(args.store), "repeat": args.repeat, "pages": results}))


if __name__ == "__main__":
    main()
