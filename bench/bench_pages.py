"""Benchmark: how long each page takes on a big run, served by ``advocates serve``.

Usage:
    .venv/bin/python bench/bench_pages.py --store /tmp/advocates-bench/1000000/cold/store.db
        [--repeat 10]

On the latest run of a SQLite store (by default the one ``bench/bench_pipeline.py`` wrote for
1,000,000 customers), it starts ``advocates serve`` on 127.0.0.1 with keys off (pages then need
no sign-in; the session check is one key lookup), times how long the server takes to have the
run's pages ready (``/health``'s ``pages_ready``: its served customers read and its report drawn,
api.warm), then asks, one request at a time, for each page: the first request and the median and
slowest of ``--repeat`` more. The campaign planner's preview plans a whole campaign (conversion,
500 EUR, 100 advocates or as many as it affords, the example catalogue); a saved campaign's page is timed after saving
one. Target (issue 11): any page within 300 ms on the 1,000,000-customer run. Prints a Markdown
table and one JSON line; asserts nothing about time.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx
from bench_api import free_port, servers_stopped_at_exit, start_server, wait_healthy

#: The shortlists measured: a name and the address asked for.
SHORTLISTS = {
    "shortlist, awareness, page 1": "/",
    "shortlist, conversion, language fr": "/?objective=conversion&language=fr",
    "shortlist, conversion, fr, sentiment >= 0.5, page 20": (
        "/?objective=conversion&language=fr&min_sentiment=0.5&page=20"
    ),
    "shortlist, engagement, page 2,000": "/?objective=engagement&page=2000",
    "shortlist, custom mix awareness 1 + conversion 2": (
        "/?objective=custom&w_awareness=1&w_conversion=2"
    ),
    "shortlist download (50 rows)": "/shortlist.csv?objective=conversion&language=fr",
}


#: The planner's form: a 500-EUR conversion campaign of 100 advocates, the example catalogue.
PLAN = {
    "objective": "conversion",
    "budget": "500",
    "advocates": "100",
    "holdout": "10",
    "seed": "0",
    "catalogue": "example",
}
NO_FILE = {"catalogue_file": ("", b"", "application/octet-stream")}


def timed(client: httpx.Client, path: str, **post: Any) -> float:
    """Milliseconds to the whole answer of a GET (or a POST of ``post``); SystemExit on an
    HTTP error."""
    start = time.perf_counter()
    answer = client.post(path, **post) if post else client.get(path)
    if answer.status_code >= 400:
        raise SystemExit(f"{path}: HTTP {answer.status_code}: {answer.text[:300]}")
    return (time.perf_counter() - start) * 1000


def ready_seconds(client: httpx.Client, limit: float = 600) -> float:
    """Seconds from now until the server says the run's pages are ready."""
    start = time.perf_counter()
    while not client.get("/health").json().get("pages_ready"):
        if time.perf_counter() - start > limit:
            raise SystemExit("the pages were not ready in time")
        time.sleep(0.1)
    return time.perf_counter() - start


def pages(client: httpx.Client) -> dict[str, tuple[str, dict[str, Any]]]:
    """Each page measured: its name, its path and what a POST sends (nothing: a GET)."""
    best = client.get("/v1/advocates", params={"objective": "awareness", "limit": 1}).json()
    customer = best["data"][0]["customer_id"]
    saved = client.post("/campaigns/new", data={**PLAN, "action": "save"}, files=NO_FILE)
    campaign = saved.headers["location"]
    return {
        **{name: (path, {}) for name, path in SHORTLISTS.items()},
        "advocate page (the best for awareness)": (f"/advocates/{customer}", {}),
        "left out for no marketing consent, page 1": (
            "/left-out?reason=no+marketing+consent",
            {},
        ),
        "left out for no marketing consent, page 100": (
            "/left-out?reason=no+marketing+consent&page=100",
            {},
        ),
        "detractors, page 1": ("/detractors", {}),
        "detractors, page 100": ("/detractors?page=100", {}),
        "campaign planner (empty form)": ("/campaigns/new", {}),
        "campaign planner, preview (500 EUR, 100 advocates)": (
            "/campaigns/new",
            {"data": {**PLAN, "action": "preview"}, "files": NO_FILE},
        ),
        "campaign planner, preview (500 EUR, as many as it affords)": (
            "/campaigns/new",
            {
                "data": {**PLAN, "advocates": "", "fill_budget": "on", "action": "preview"},
                "files": NO_FILE,
            },
        ),
        "a saved campaign's page": (campaign, {}),
        "a saved campaign's download": (f"{campaign}/assignments.csv", {}),
        "run report": ("/runs/latest", {}),
    }


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
        with httpx.Client(base_url=server.url(""), timeout=600) as client:
            ready = ready_seconds(client)
            for name, (path, post) in pages(client).items():
                first = timed(client, path, **post)
                rest = [timed(client, path, **post) for _ in range(args.repeat)]
                results[name] = {
                    "first_ms": round(first, 1),
                    "median_ms": round(statistics.median(rest), 1),
                    "max_ms": round(max(rest), 1),
                }
    print(f"pages ready {ready:.1f} s after the server answered its first /health\n")
    print("| page | first ms | median ms | slowest ms |\n|---|---:|---:|---:|")
    for name, r in results.items():
        print(f"| {name} | {r['first_ms']} | {r['median_ms']} | {r['max_ms']} |")
    summary = {"store": str(args.store), "repeat": args.repeat, "ready_s": round(ready, 1)}
    print(json.dumps({**summary, "pages": results}))


if __name__ == "__main__":
    main()
