"""Benchmark: the HTTP API under load, beside the framework's ceiling on the same machine.

Usage: .venv/bin/python bench/bench_api.py [--customers 20000] [--duration 10] [--connections 16]
       [--rate 200] [--rate-workers 4] [--export-connections 2] [--warmup 2] [--new-pages 200]
       [--keep]

Needs the load tool ``hey`` (Debian and Ubuntu: ``apt-get install -y hey``); it downloads nothing.

In a temporary folder it makes demo data (``advocates demo-data --customers N --seed 7 --end
2026-11-01``), scores it into a SQLite store (``advocates score``), makes an API key with the
``read`` and ``export`` scopes (``advocates keys create``) and starts two servers on 127.0.0.1,
each uvicorn with one worker and the options ``advocates serve`` uses:

- the product, ``advocates serve`` (with ``ADVOCATES_RATE_LIMIT_PER_MINUTE`` and
  ``ADVOCATES_EXPORT_MAX_ROWS`` raised so the limits do not cut the benchmark);
- the ceiling, a FastAPI app of this file (``--ceiling-server PORT``) whose endpoint returns a
  precomputed page of 100 items shaped like the listing's (same envelope, about the same bytes):
  ``GET /ceiling`` (``async def``: the framework's ceiling) and ``GET /ceiling-sync`` (``def``,
  run in the thread pool as the product's routes and dependencies are).

Then ``hey`` measures, each after ``--warmup`` seconds of the same load that are not counted:

- max throughput for ``--duration`` seconds with ``--connections`` connections: the ceiling (both
  endpoints), the top-100 listing (``/v1/advocates?objective=awareness&limit=100``), one advocate
  (``/v1/advocates/{id}``) and, with ``--export-connections`` connections (the server runs
  ``ADVOCATES_HEAVY_WORKERS`` = 2 exports at once; more would queue or be refused with 503 by
  design), the 10,000-row CSV export (``/v1/exports/shortlist.csv?objective=awareness&limit=10000``);
- a fixed ``--rate`` requests/s for the listing and the ceiling: ``--rate-workers`` workers, each
  paced by its own ticker at rate/workers requests/s (``hey -q``), so requests come in bursts of
  ``--rate-workers`` at once. A worker waits for its answer before its next tick, so when the
  server cannot keep up the achieved rate falls short (shown) and the latency understates it.

The server keeps each listing's answer until the store changes (``api.cache``), so the runs
above measure kept listings, as a campaign tool polling the top 100 gets them. Last, ``--new-pages``
listings the server has not kept (offsets 1, 2, ...: each computed from the store) are asked one
at a time, for the latency of the first request after a change.

Per run it prints successful requests/s (2xx answers over the run's time), p50 and p99 latency,
errors (non-2xx answers and failed requests) and the server's CPU time per request (from /proc),
then the issue's targets (listing throughput >= 90% of the ceiling, listing p99 <= 50 ms at 200
requests/s, no errors) and one JSON line. Only 127.0.0.1 is targeted; every server is stopped at
the end, also on errors and Ctrl-C. Prints figures; asserts nothing about time.
"""

from __future__ import annotations

import argparse
import csv
import ctypes
import io
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, suppress
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

HOST = "127.0.0.1"
LOAD_TOOL = "hey"
INSTALL_HINT = "apt-get install -y hey  (Debian/Ubuntu; as root, after apt-get update)"
AS_OF = "2026-11-01"
LISTING = "/v1/advocates?objective=awareness&limit=100"
EXPORT_ROWS = 10_000
EXPORT = f"/v1/exports/shortlist.csv?objective=awareness&limit={EXPORT_ROWS}"
TARGET_SHARE_OF_CEILING = 0.90
TARGET_P99_MS = 50.0


# --- the ceiling server ---------------------------------------------------------------------


def ceiling_page() -> dict[str, Any]:
    """A page of 100 items shaped like ``GET /v1/advocates``' (fields, types, about the bytes)."""
    items = [
        {
            "rank": i + 1,
            "customer_id": f"C{i:07d}",
            "score": 1000.0 / (i + 1) + 0.123456789,
            "p_share": 0.5 + i / 1000,
            "parts": {"unique_reach_2hop": float(1000 - i), "audience_size": float(500 - i)},
            "sentiment": 0.25 + i / 500,
            "language": ("en", "fr", "ro")[i % 3],
            "explanation": (
                f"reaches {1000 - i:,} unique people within two hops; {500 - i} people follow "
                "them; shared brand content 2 times in the last 90 days; feels positive about "
                "the brand; reach in the top 3%, peer influence in the top 10%: broadcaster"
            ),
        }
        for i in range(100)
    ]
    return {
        "data": items,
        "count": 12345,
        "limit": 100,
        "offset": 0,
        "objective": "awareness",
        "weights": None,
        "run_id": "20261101T000000Z-000000",
    }


def serve_ceiling(port: int) -> None:
    """Serve the ceiling app on 127.0.0.1:``port`` as ``advocates serve`` serves the product:
    ``uvicorn.run(app, host=..., port=...)``, one worker, uvicorn's default options."""
    import uvicorn
    from fastapi import FastAPI

    page = ceiling_page()
    app = FastAPI(title="ceiling")

    @app.get("/health")
    async def health() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/ceiling")
    async def ceiling() -> dict[str, Any]:
        return page

    @app.get("/ceiling-sync")
    def ceiling_sync() -> dict[str, Any]:
        return page

    uvicorn.run(app, host=HOST, port=port)


# --- processes ------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        port: int = sock.getsockname()[1]
        return port


def _die_with_parent() -> None:
    """In the child, before exec: get SIGTERM when the benchmark dies, even by SIGKILL (Linux)."""
    with suppress(OSError, AttributeError):
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


def run_step(command: Sequence[str], *, env: dict[str, str], cwd: Path, log: Path) -> str:
    """Run one command of the set-up; its standard output, or SystemExit naming its log."""
    started = time.perf_counter()
    with log.open("w") as err:
        done = subprocess.run(
            list(command), env=env, cwd=cwd, stdout=subprocess.PIPE, stderr=err, text=True
        )
    log.write_text(log.read_text() + done.stdout)
    if done.returncode != 0:
        raise SystemExit(f"failed ({done.returncode}): {' '.join(command)}; see {log}")
    print(f"  {Path(command[0]).name} {command[1]}: {time.perf_counter() - started:.1f} s")
    return done.stdout


@dataclass
class Server:
    name: str
    process: subprocess.Popen[bytes]
    port: int
    log: Path

    def url(self, path: str) -> str:
        return f"http://{HOST}:{self.port}{path}"

    def cpu_seconds(self) -> float | None:
        """User + system CPU time of the server process so far (Linux /proc), else None."""
        try:
            fields = Path(f"/proc/{self.process.pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            return None
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


@contextmanager
def servers_stopped_at_exit() -> Iterator[list[Server]]:
    """A list to put started servers in; each is stopped (SIGTERM, then SIGKILL) on the way out,
    whatever the way out is (the end, an error, Ctrl-C or SIGTERM)."""
    started: list[Server] = []
    try:
        yield started
    finally:
        for server in started:
            if server.process.poll() is None:
                server.process.terminate()
        for server in started:
            try:
                server.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                server.process.kill()
                server.process.wait()


@contextmanager
def sigterm_as_interrupt() -> Iterator[None]:
    """SIGTERM raises KeyboardInterrupt, as Ctrl-C does, so that the same clean-up runs: the
    running step or load tool is killed, the servers stopped and the temporary folder removed."""

    def interrupt(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, interrupt)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def start_server(
    name: str, command: Sequence[str], *, env: dict[str, str], cwd: Path, port: int
) -> Server:
    log = cwd / f"server-{name}.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            list(command),
            env=env,
            cwd=cwd,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # Ctrl-C reaches the benchmark, which stops it
            preexec_fn=_die_with_parent if sys.platform == "linux" else None,
        )
    return Server(name, process, port, log)


def wait_healthy(server: Server, timeout: float = 120.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            tail = server.log.read_text(errors="replace")[-2000:]
            raise SystemExit(f"the {server.name} server exited at start:\n{tail}")
        with suppress(OSError), urllib.request.urlopen(server.url("/health"), timeout=2) as answer:
            if answer.status == 200:
                return
        time.sleep(0.2)
    raise SystemExit(f"the {server.name} server did not answer /health in {timeout:.0f} s")


def get(url: str, key: str | None = None) -> bytes:
    request = urllib.request.Request(url)
    if key:
        request.add_header("Authorization", f"Bearer {key}")
    try:
        with urllib.request.urlopen(request, timeout=60) as answer:
            body: bytes = answer.read()
            return body
    except urllib.error.HTTPError as error:
        raise SystemExit(f"GET {url}: HTTP {error.code}: {error.read()[:500]!r}") from None


# --- load -----------------------------------------------------------------------------------


@dataclass
class LoadResult:
    endpoint: str
    mode: str
    connections: int
    seconds: float
    requests: int
    ok: int
    errors: int
    rps: float
    p50_ms: float | None
    p99_ms: float | None
    server_cpu_ms_per_request: float | None
    load_tool_cpu_share: float
    error_kinds: dict[str, int]
    bytes_per_response: int | None


def parse_hey(text: str) -> dict[str, Any]:
    """Total time, latency percentiles, status codes and failures from hey's summary."""
    total = re.search(r"Total:\s+([\d.]+) secs", text)
    percentiles = {int(p): float(s) for p, s in re.findall(r"(\d+)% in ([\d.]+) secs", text)}
    size = re.search(r"Size/request:\s+(\d+) bytes", text)
    fastest = re.search(r"Fastest:\s+([\d.]+) secs", text)
    slowest = re.search(r"Slowest:\s+([\d.]+) secs", text)
    statuses: dict[int, int] = {}
    failures: dict[str, int] = {}
    section = ""
    for line in text.splitlines():
        if line.startswith(("Status code distribution", "Error distribution")):
            section = line.split()[0]
            continue
        found = re.match(r"\s+\[(\d+)\]\s+(.*)", line)
        if found and section == "Status":
            statuses[int(found[1])] = int(found[2].split()[0])
        elif found and section == "Error":
            failures[found[2].strip()] = int(found[1])
        elif line.strip() and not found:
            section = ""
    if not statuses:  # no answer at all: no latency
        percentiles = {}
    # hey leaves out a percentile it steps over (p99 of fewer than 100 answers): by nearest rank
    # that is the slowest answer (p50 of one answer, the fastest)
    if statuses and slowest and 99 not in percentiles:
        percentiles[99] = float(slowest[1])
    if statuses and fastest and 50 not in percentiles:
        percentiles[50] = float(fastest[1])
    return {
        "seconds": float(total[1]) if total else 0.0,
        "percentiles": percentiles,
        "statuses": statuses,
        "failures": failures,
        "bytes": int(size[1]) if size else None,
    }


def hey(
    url: str, *, seconds: float, connections: int, rate: float | None, key: str | None
) -> dict[str, Any]:
    command = [LOAD_TOOL, "-z", f"{round(seconds * 1000)}ms", "-c", str(connections), "-t", "60"]
    if rate:
        command += ["-q", f"{rate / connections:g}"]
    if key:
        command += ["-H", f"Authorization: Bearer {key}"]
    done = subprocess.run(
        [*command, url], capture_output=True, text=True, timeout=seconds + 120, check=False
    )
    if done.returncode != 0:
        raise SystemExit(f"{LOAD_TOOL} failed ({done.returncode}): {done.stderr.strip()}")
    return parse_hey(done.stdout)


def measure(
    server: Server,
    endpoint: str,
    path: str,
    *,
    key: str | None,
    connections: int,
    rate: float | None,
    seconds: float,
    warmup: float,
) -> LoadResult:
    url = server.url(path)
    if warmup > 0:
        hey(url, seconds=warmup, connections=connections, rate=rate, key=key)
    cpu_before = server.cpu_seconds()
    tool_before = os.times()
    summary = hey(url, seconds=seconds, connections=connections, rate=rate, key=key)
    tool_after = os.times()
    cpu_after = server.cpu_seconds()
    statuses: dict[int, int] = summary["statuses"]
    ok = sum(n for code, n in statuses.items() if 200 <= code < 300)
    kinds = {f"HTTP {code}": n for code, n in statuses.items() if not 200 <= code < 300}
    kinds.update(summary["failures"])
    errors = sum(kinds.values())
    elapsed = summary["seconds"] or seconds
    tool_cpu = (tool_after.children_user - tool_before.children_user) + (
        tool_after.children_system - tool_before.children_system
    )
    server_cpu = (
        None
        if cpu_before is None or cpu_after is None or ok + errors == 0
        else 1000 * (cpu_after - cpu_before) / (ok + errors)
    )
    percentiles: dict[int, float] = summary["percentiles"]
    return LoadResult(
        endpoint=endpoint,
        mode=f"{rate:g}/s" if rate else "max",
        connections=connections,
        seconds=round(elapsed, 2),
        requests=ok + errors,
        ok=ok,
        errors=errors,
        rps=round(ok / elapsed, 1),
        p50_ms=round(1000 * percentiles[50], 1) if 50 in percentiles else None,
        p99_ms=round(1000 * percentiles[99], 1) if 99 in percentiles else None,
        server_cpu_ms_per_request=None if server_cpu is None else round(server_cpu, 2),
        load_tool_cpu_share=round(tool_cpu / elapsed, 2),
        error_kinds=kinds,
        bytes_per_response=summary["bytes"],
    )


# --- the benchmark --------------------------------------------------------------------------


def prepare(workdir: Path, env: dict[str, str], customers: int) -> str:
    """Demo data, a scored store and an API key in ``workdir``; returns the key."""
    advocates = str(Path(sys.executable).parent / "advocates")
    data = workdir / "data"
    print(f"preparing {customers:,} demo customers in {workdir}")
    demo = ["demo-data", "--out", str(data), "--customers", str(customers), "--seed", "7"]
    run_step(
        [advocates, *demo, "--end", AS_OF], env=env, cwd=workdir, log=workdir / "demo-data.log"
    )
    run_step(
        [advocates, "score", "--input", str(data), "--as-of", AS_OF],
        env=env,
        cwd=workdir,
        log=workdir / "score.log",
    )
    made = run_step(
        [advocates, "keys", "create", "--name", "bench", "--scopes", "read,export"],
        env=env,
        cwd=workdir,
        log=workdir / "keys.log",
    )
    return made.strip().splitlines()[-1].strip()


def check_endpoints(product: Server, key: str) -> str:
    """One request to each endpoint: 200s, enough eligible customers, a full export. Returns the
    id of a real customer (the top advocate)."""
    listing = json.loads(get(product.url(LISTING), key))
    if listing["count"] < EXPORT_ROWS:
        raise SystemExit(
            f"only {listing['count']:,} eligible advocates, fewer than the {EXPORT_ROWS:,} rows "
            "of the export: raise --customers (about 65% of customers are eligible)"
        )
    customer_id: str = listing["data"][0]["customer_id"]
    get(product.url(f"/v1/advocates/{customer_id}"), key)
    text = get(product.url(EXPORT), key).decode("utf-8-sig")
    rows = sum(1 for _ in csv.reader(io.StringIO(text))) - 1
    if rows != EXPORT_ROWS:
        raise SystemExit(f"the export has {rows:,} rows, not {EXPORT_ROWS:,}")
    print(
        f"  {listing['count']:,} eligible advocates; export of {rows:,} rows, "
        f"{len(text.encode()) / 1e6:.1f} MB; advocate {customer_id}"
    )
    return customer_id


def measure_computed(product: Server, key: str, pages: int) -> LoadResult:
    """Listings the server has not kept: ``pages`` top-100 pages at offsets 1, 2, ... (each a
    new query, so each is computed from the store), one at a time; latency seen by the client."""
    cpu_before, latencies = product.cpu_seconds(), []
    started = time.perf_counter()
    for offset in range(1, pages + 1):
        sent = time.perf_counter()
        get(product.url(f"{LISTING}&offset={offset}"), key)
        latencies.append((time.perf_counter() - sent) * 1000)
    seconds = time.perf_counter() - started
    cpu_after = product.cpu_seconds()
    latencies.sort()
    return LoadResult(
        endpoint="listing, each page new",
        mode="1 by 1",
        connections=1,
        seconds=round(seconds, 2),
        requests=pages,
        ok=pages,
        errors=0,
        rps=round(pages / seconds, 1),
        p50_ms=round(latencies[len(latencies) // 2], 1),
        p99_ms=round(latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))], 1),
        server_cpu_ms_per_request=None
        if cpu_before is None or cpu_after is None
        else round((cpu_after - cpu_before) * 1000 / pages, 2),
        load_tool_cpu_share=0.0,
        error_kinds={},
        bytes_per_response=None,
    )


def fmt(value: float | None, spec: str = ".1f") -> str:
    return "-" if value is None else format(value, spec)


def print_table(results: list[LoadResult], ceiling_rps: float | None) -> None:
    header = (
        f"{'endpoint':<22} {'mode':>6} {'conns':>5} {'requests':>8} {'req/s':>8} "
        f"{'p50 ms':>7} {'p99 ms':>7} {'errors':>6} {'cpu ms/req':>10} {'vs ceiling':>10}"
    )
    print()
    print(header)
    print("-" * len(header))
    for r in results:
        share = (
            f"{r.rps / ceiling_rps:.1%}" if ceiling_rps and r.mode == "max" else "-"
        )  # throughput as a share of the async ceiling's
        print(
            f"{r.endpoint:<22} {r.mode:>6} {r.connections:>5} {r.requests:>8} {r.rps:>8.1f} "
            f"{fmt(r.p50_ms):>7} {fmt(r.p99_ms):>7} {r.errors:>6} "
            f"{fmt(r.server_cpu_ms_per_request, '.2f'):>10} {share:>10}"
        )
    for r in results:
        if r.error_kinds:
            print(f"  {r.endpoint} ({r.mode}) errors: {r.error_kinds}")


def verdicts(results: list[LoadResult], rate: float) -> dict[str, Any]:
    by = {(r.endpoint, r.mode): r for r in results}
    ceiling, listing = by[("ceiling", "max")], by[("listing top-100", "max")]
    at_rate = by[("listing top-100", f"{rate:g}/s")]
    share = listing.rps / ceiling.rps if ceiling.rps else 0.0
    return {
        "listing_share_of_ceiling": round(share, 3),
        "listing_share_met": share >= TARGET_SHARE_OF_CEILING,
        "listing_rate_achieved": round(at_rate.rps, 1),
        "listing_p99_ms_at_rate": at_rate.p99_ms,
        "listing_p99_met": at_rate.p99_ms is not None
        and at_rate.p99_ms <= TARGET_P99_MS
        and at_rate.rps >= 0.95 * rate,
        "errors": sum(r.errors for r in results),
        "no_errors_met": all(r.errors == 0 for r in results),
    }


@dataclass(frozen=True)
class Run:
    """One measured run: which endpoint of which server, with how many connections, at what rate
    (``None``: as fast as it answers)."""

    endpoint: str
    server: Server
    path: str
    key: str | None
    connections: int
    rate: float | None = None


def start_servers(servers: list[Server], workdir: Path, env: dict[str, str]) -> None:
    """Start the product and the ceiling on free ports of 127.0.0.1 and wait for their /health."""
    product_port, ceiling_port = free_port(), free_port()
    advocates = str(Path(sys.executable).parent / "advocates")
    product = [advocates, "serve", "--host", HOST, "--port", str(product_port)]
    ceiling = [sys.executable, str(Path(__file__).resolve()), "--ceiling-server", str(ceiling_port)]
    servers.append(start_server("product", product, env=env, cwd=workdir, port=product_port))
    servers.append(start_server("ceiling", ceiling, env=env, cwd=workdir, port=ceiling_port))
    for server in servers:
        wait_healthy(server)


def plan_runs(
    product: Server, ceiling: Server, key: str, customer_id: str, args: argparse.Namespace
) -> list[Run]:
    conns, rate = args.connections, args.rate
    return [
        Run("ceiling", ceiling, "/ceiling", None, conns),
        Run("ceiling (def)", ceiling, "/ceiling-sync", None, conns),
        Run("listing top-100", product, LISTING, key, conns),
        Run("ceiling", ceiling, "/ceiling", None, args.rate_workers, rate),
        Run("listing top-100", product, LISTING, key, args.rate_workers, rate),
        Run("one advocate", product, f"/v1/advocates/{customer_id}", key, conns),
        Run(f"export {EXPORT_ROWS:,} rows", product, EXPORT, key, args.export_connections),
    ]


def benchmark(workdir: Path, args: argparse.Namespace) -> tuple[list[LoadResult], list[float]]:
    """Prepare the store, start the servers, measure every run, stop the servers. Returns the
    results and the load average before the set-up, before the runs and after them."""
    env = {
        **os.environ,
        "ADVOCATES_STORE_URL": f"sqlite:///{workdir / 'store.db'}",
        "ADVOCATES_REJECTS_DIR": str(workdir / "rejects"),
        "ADVOCATES_AUTH": "on",
        "ADVOCATES_RATE_LIMIT_PER_MINUTE": "100000000",
        "ADVOCATES_EXPORT_MAX_ROWS": str(max(EXPORT_ROWS, 100_000)),
    }
    load = [os.getloadavg()[0]]
    key = prepare(workdir, env, args.customers)
    with servers_stopped_at_exit() as servers:
        start_servers(servers, workdir, env)
        product, ceiling = servers
        customer_id = check_endpoints(product, key)
        load.append(os.getloadavg()[0])
        if load[-1] > 0.5:
            print(f"  note: load average {load[-1]:.2f} before the runs: other work is running")
        results = []
        for run in plan_runs(product, ceiling, key, customer_id, args):
            mode = f"{run.rate:g}/s" if run.rate else "max"
            print(f"  {run.endpoint} ({mode}, {run.connections} connections) ...", flush=True)
            results.append(
                measure(
                    run.server,
                    run.endpoint,
                    run.path,
                    key=run.key,
                    connections=run.connections,
                    rate=run.rate,
                    seconds=args.duration,
                    warmup=args.warmup,
                )
            )
        print("  listing, each page new (1 by 1) ...", flush=True)
        results.append(measure_computed(product, key, pages=args.new_pages))
        load.append(os.getloadavg()[0])
    return results, load


def report(results: list[LoadResult], load: list[float], args: argparse.Namespace) -> None:
    ceiling_rps = next(r.rps for r in results if r.endpoint == "ceiling" and r.mode == "max")
    print_table(results, ceiling_rps)
    targets = verdicts(results, args.rate)
    print()
    print(
        f"listing throughput {targets['listing_share_of_ceiling']:.1%} of the ceiling "
        f"(target >= {TARGET_SHARE_OF_CEILING:.0%}): "
        f"{'met' if targets['listing_share_met'] else 'missed'}; "
        f"listing at {args.rate:g}/s: {targets['listing_rate_achieved']:g}/s achieved, "
        f"p99 {fmt(targets['listing_p99_ms_at_rate'])} ms (target <= {TARGET_P99_MS:g} ms): "
        f"{'met' if targets['listing_p99_met'] else 'missed'}; "
        f"errors {targets['errors']}: {'met' if targets['no_errors_met'] else 'missed'}"
    )
    settings = {k: v for k, v in vars(args).items() if k not in ("keep", "ceiling_server")}
    print(
        json.dumps(
            {
                **settings,
                "load_tool": LOAD_TOOL,
                "cpus": os.cpu_count(),
                "load_average": [round(x, 2) for x in load],
                "targets": targets,
                "results": [asdict(r) for r in results],
            }
        )
    )


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--customers", type=int, default=20_000, help="demo customers")
    parser.add_argument("--duration", type=float, default=10.0, help="seconds per measured run")
    parser.add_argument("--connections", type=int, default=16, help="for max throughput")
    parser.add_argument("--rate", type=float, default=200.0, help="requests/s of the fixed runs")
    parser.add_argument("--rate-workers", type=int, default=4, help="hey workers at --rate")
    parser.add_argument("--export-connections", type=int, default=2)
    parser.add_argument("--warmup", type=float, default=2.0, help="seconds before each run")
    parser.add_argument(
        "--new-pages", type=int, default=200, help="listings not kept, asked one by one"
    )
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder")
    parser.add_argument("--ceiling-server", type=int, metavar="PORT", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.ceiling_server:
        serve_ceiling(args.ceiling_server)
        return 0
    if shutil.which(LOAD_TOOL) is None:
        print(
            f"bench_api needs the load tool {LOAD_TOOL!r}, which is not on PATH.\n"
            f"Install it with: {INSTALL_HINT}",
            file=sys.stderr,
        )
        return 2
    started = time.perf_counter()
    workdir = Path(tempfile.mkdtemp(prefix="advocates-bench-api-"))
    try:
        with sigterm_as_interrupt():
            results, load = benchmark(workdir, args)
    finally:
        if args.keep:
            print(f"kept {workdir}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)
    report(results, load, args)
    print(f"({time.perf_counter() - started:.0f} s in all)", file=sys.stderr)
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        print("interrupted: servers stopped", file=sys.stderr)
        sys.exit(130)
