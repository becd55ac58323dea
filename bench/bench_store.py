"""Benchmark: publishing and serving a large run, in the SQLite store and in the PostgreSQL store.

Usage:
    .venv/bin/python bench/bench_store.py [--customers 100000]
        [--source /tmp/advocates-bench/1000000/cold/store.db]
        [--postgres postgresql://USER@HOST/postgres]   (an existing server: a new database on it,
                                                        dropped at the end)
        [--repeat 20] [--read-pause 0.02] [--workdir /tmp]

The run published is the latest run of ``--source``, a SQLite store (by default the one
``bench/bench_pipeline.py --customers 1000000`` writes): its scores and its side tables
(``audience``, ``served``, ``rewards``, ``evidence``) and its report; with ``--customers N``, its
first N customers only (side tables kept to theirs). The scores are read back with the types the
pipeline gave them (ranks as integers with gaps, the three flags ``eligible``,
``marketing_consent`` and ``do_not_contact`` as booleans), so that both stores write the same
frames a run would.

Each target store is new: a SQLite file in a temporary folder, and a new database on PostgreSQL
(``--postgres``, or by default a throwaway server of ``tests/postgres.py``: Debian's
``postgresql`` binaries, a cluster in a temporary folder, reached through a Unix socket, fsync off;
without them PostgreSQL is skipped, and the table says why). For each, in fresh processes (so that
each peak resident memory is that process's own, as ``bench/bench_pipeline.py`` measures it):

- a publishing process loads the run (from a pickle the benchmark makes first), then times
  ``begin_run`` + ``publish`` and reports its resident memory before and its peak during (Linux's
  high-water mark; the SQLite store writes a large run's tables from a child process of its own,
  whose peak is shown apart; the PostgreSQL server's memory is not counted);
- a serving process opens the store and times, once cold ("first") and then the median of
  ``--repeat`` more: ``ranked`` (awareness, 50 rows) at offset 0 and at offset 10,000, and
  ``customer`` (a different customer each time); ``served`` read twice (cold, then kept in the
  process); ``iter_ranked`` of 100,000 rows read whole, twice; on PostgreSQL, whether
  autovacuum had visited the run's scores table by then, and the two ``ranked`` pages again after
  a ``VACUUM`` of it (a freshly loaded table has no visibility map: until it is vacuumed, the
  count of a ranking reads the whole table, where SQLite's reads the rank's index);
- a reading process reads ``ranked`` pages (awareness, offsets 0 to 9,950, ``--read-pause``
  seconds apart) of the run published first, while a second publishing process publishes the run
  again: the median and slowest read before and during that publish (readers are never blocked by
  a publish: PostgreSQL's snapshots, SQLite's write-ahead log; on PostgreSQL that run's scores
  table is vacuumed by then, by the serving process).

Prints a Markdown table (rows: measures; columns: SQLite, PostgreSQL) with the run's sizes and the
machine (CPUs, load, Python, PostgreSQL server), then one JSON line; asserts nothing about time.
Other work on the machine inflates the figures: the load averages are printed before and after.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import pickle
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_SOURCE = Path("/tmp/advocates-bench/1000000/cold/store.db")
#: The side tables published with the scores, when the source run has them.
SIDE_TABLES = ("audience", "served", "rewards")
#: Score columns the pipeline keeps as booleans (SQLite keeps them as 0 and 1).
FLAGS = ("eligible", "marketing_consent", "do_not_contact")
OBJECTIVE = "awareness"
PAGE = 50
DEEP_OFFSET = 10_000
EXPORT_ROWS = 100_000
#: Reads the reading process makes before the second publish (its "before" figures).
READS_BEFORE = 40


def _status_kib(field: str) -> int:
    """A field of this process's ``/proc/self/status`` in KiB (``VmHWM``: the peak)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(f"{field}:"):
            return int(line.split()[1])
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def _reset_peak() -> None:
    # Not Linux, or not allowed: the peak then includes what came before.
    with contextlib.suppress(OSError):
        Path("/proc/self/clear_refs").write_text("5")


def _gib(kib: float) -> float:
    return round(kib / 1024**2, 2)


def _ms(seconds: float) -> float:
    return round(seconds * 1000, 1)


# --- the run published ---------------------------------------------------------------------


def extract(source: Path, customers: int | None, out: Path) -> dict[str, Any]:
    """The latest run of the SQLite store ``source`` (its first ``customers``), pickled into
    ``out`` for the publishing processes; its sizes, and customer ids to ask for."""
    import pandas as pd

    from advocates.errors import NotFoundError
    from advocates.store import open_store
    from advocates.store.common import scores_table, side_table

    start = time.perf_counter()
    store: Any = open_store(f"sqlite:///{source}")
    run = store.latest_run()
    limit = f" LIMIT {int(customers)}" if customers else ""
    scores = store._query(f"SELECT * FROM {scores_table(run.run_id)} ORDER BY rowid{limit}")
    for column in scores.columns:
        if column.startswith("rank_"):
            scores[column] = scores[column].astype("Int64")
        elif column in FLAGS and scores[column].notna().all():
            scores[column] = scores[column].astype(bool)
    tables = {}
    for name in SIDE_TABLES:
        with contextlib.suppress(NotFoundError):
            tables[name] = store.run_table(run.run_id, name)
    evidence = side_table(run.run_id, "evidence")
    if store._has_table(evidence):
        tables["evidence"] = store._query(f"SELECT * FROM {evidence}")
    if customers:
        kept = set(scores["customer_id"])
        for name, frame in tables.items():
            key = "customer_id" if "customer_id" in frame else "referrer_customer_id"
            tables[name] = frame[frame[key].isin(kept)].reset_index(drop=True)
    payload = {
        "scores": scores,
        "tables": tables,
        "report": run.report,
        "as_of": pd.Timestamp(run.as_of),
    }
    with open(out, "wb") as handle:
        pickle.dump(payload, handle, protocol=5)
    ranked = scores[scores[f"rank_{OBJECTIVE}"].notna()]["customer_id"]
    picks = ranked.iloc[:: max(1, len(ranked) // 64)].tolist()[:64]
    return {
        "source_run": run.run_id,
        "customers": len(scores),
        "columns": len(scores.columns),
        "ranked": len(ranked),
        "side_rows": {name: len(frame) for name, frame in tables.items()},
        "payload_gib": round(out.stat().st_size / 1024**3, 2),
        "extract_s": round(time.perf_counter() - start, 1),
        "ids": picks,
    }


# --- the processes measured ----------------------------------------------------------------


def _size_bytes(store: Any, url: str) -> int:
    """The store's size on disk: its file and write-ahead log, or its database."""
    if url.startswith("sqlite:///"):
        path = Path(url.removeprefix("sqlite:///"))
        return sum(p.stat().st_size for p in path.parent.glob(path.name + "*") if p.is_file())
    row = store._row("SELECT pg_database_size(current_database()) AS n")
    return int(row["n"])


def publish_once(url: str, payload: Path) -> dict[str, Any]:
    """Publish the pickled run into the store at ``url`` in this process: seconds, memory."""
    with open(payload, "rb") as handle:
        run = pickle.load(handle)
    from advocates.store import open_store

    loaded = _status_kib("VmRSS")
    _reset_peak()
    start = time.perf_counter()
    store: Any = open_store(url)
    opened = time.perf_counter()
    began_at = time.time()
    run_id = store.begin_run(as_of=run["as_of"])
    store.publish(run_id, scores=run["scores"], report=run["report"], tables=run["tables"])
    done = time.perf_counter()
    return {
        "run_id": run_id,
        "open_s": round(opened - start, 2),
        "publish_s": round(done - opened, 1),
        "wall": [began_at, time.time()],
        "loaded_kib": loaded,
        "peak_kib": _status_kib("VmHWM"),
        "children_peak_kib": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss,
        "size_bytes": _size_bytes(store, url),
    }


def _first_and_median(calls: list[Callable[[], object]]) -> dict[str, float]:
    """Milliseconds of the first call, and the median and slowest of the others."""
    times = []
    for call in calls:
        start = time.perf_counter()
        call()
        times.append(time.perf_counter() - start)
    rest = times[1:] or times
    return {
        "first_ms": _ms(times[0]),
        "median_ms": _ms(statistics.median(rest)),
        "max_ms": _ms(max(rest)),
    }


def serve_once(url: str, ids: list[str], repeat: int) -> dict[str, Any]:
    """Time the reads of the store's latest run in this process (see the module docstring)."""
    from advocates.store import open_store

    _reset_peak()
    start = time.perf_counter()
    store: Any = open_store(url)
    run_id = store.latest_run().run_id
    opened = time.perf_counter() - start

    def ranked(offset: int) -> Callable[[], object]:
        return lambda: store.ranked(run_id, objective=OBJECTIVE, limit=PAGE, offset=offset)

    def customer(customer_id: str) -> Callable[[], object]:
        return lambda: store.customer(run_id, customer_id)

    rows: list[int] = []

    def export() -> None:
        chunks = store.iter_ranked(run_id, objective=OBJECTIVE, limit=EXPORT_ROWS)
        rows.append(sum(len(chunk) for chunk in chunks))

    served: list[int] = []
    results: dict[str, Any] = {
        "open_ms": _ms(opened),
        "ranked": _first_and_median([ranked(0)] * (repeat + 1)),
        "ranked_deep": _first_and_median([ranked(DEEP_OFFSET)] * (repeat + 1)),
        "customer": _first_and_median([customer(ids[i % len(ids)]) for i in range(repeat + 1)]),
        "served": _first_and_median([lambda: served.append(len(store.served(run_id)))] * 2),
        "export": _first_and_median([export] * 2),
    }
    if url.startswith(("postgresql://", "postgres://")):
        results.update(_after_vacuum(store, run_id, ranked, repeat))
    return {
        **results,
        "served_rows": served[0],
        "export_rows": rows[0],
        "peak_kib": _status_kib("VmHWM"),
    }


def _after_vacuum(
    store: Any, run_id: str, ranked: Callable[[int], Callable[[], object]], repeat: int
) -> dict[str, Any]:
    """PostgreSQL: whether autovacuum had visited the run's scores table yet, then the ranked
    pages again once it is vacuumed (its visibility map lets a count read the rank's index
    alone, as SQLite's does)."""
    from advocates.store.common import scores_table

    table = scores_table(run_id)
    row = store._row(
        "SELECT last_autovacuum IS NOT NULL AS done FROM pg_stat_user_tables "
        "WHERE relid = to_regclass(?)",
        (table,),
    )
    start = time.perf_counter()
    store._reader().execute(f"VACUUM {table}".encode())
    return {
        "autovacuumed": bool(row and row["done"]),
        "vacuum_ms": _ms(time.perf_counter() - start),
        "ranked_vacuumed": _first_and_median([ranked(0)] * (repeat + 1)),
        "ranked_deep_vacuumed": _first_and_median([ranked(DEEP_OFFSET)] * (repeat + 1)),
    }


def read_meanwhile(url: str, stop: Path, pause: float) -> None:
    """Read ``ranked`` pages of the latest run until ``stop`` exists, then print the median and
    slowest reads before and during the window it holds (wall-clock seconds: the publish)."""
    from advocates.store import open_store

    store: Any = open_store(url)
    run_id = store.latest_run().run_id
    samples: list[tuple[float, float]] = []
    errors: list[str] = []
    reads = 0
    while not stop.exists():
        offset = (reads % (DEEP_OFFSET // PAGE)) * PAGE
        at, start = time.time(), time.perf_counter()
        try:
            store.ranked(run_id, objective=OBJECTIVE, limit=PAGE, offset=offset)
        except Exception as error:  # (reported, not raised: the benchmark goes on)
            errors.append(f"{type(error).__name__}: {error}")
        samples.append((at, time.perf_counter() - start))
        reads += 1
        if reads == READS_BEFORE:
            print("ready", flush=True)
        time.sleep(pause)
    began, ended = json.loads(stop.read_text())
    before = [s for at, s in samples[:READS_BEFORE]]
    during = [s for at, s in samples if began <= at <= ended]

    def figures(times: list[float]) -> dict[str, float | int | None]:
        if not times:
            return {"reads": 0, "median_ms": None, "max_ms": None}
        median, slowest = statistics.median(times), max(times)
        return {"reads": len(times), "median_ms": _ms(median), "max_ms": _ms(slowest)}

    result = {"before": figures(before), "during": figures(during), "errors": errors[:3]}
    print(json.dumps({**result, "error_count": len(errors)}), flush=True)


# --- the benchmark -------------------------------------------------------------------------


def _child(*args: str) -> dict[str, Any]:
    """Run this script's ``--child`` mode in a fresh process (its own peak memory)."""
    done = subprocess.run(
        [sys.executable, __file__, "--child", *args], capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        raise RuntimeError(f"{args[0]} failed:\n{done.stderr[-3000:]}")
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


def measure(url: str, payload: Path, ids: list[str], args: argparse.Namespace) -> dict[str, Any]:
    """Every figure of one target store (its URL: a new, empty store)."""
    published = _child("publish", url, str(payload))
    served = _child("serve", url, json.dumps(ids), str(args.repeat))
    stop = Path(tempfile.mkdtemp(prefix="advocates-bench-store-")) / "stop"
    reader = subprocess.Popen(
        [sys.executable, __file__, "--child", "read", url, str(stop), str(args.read_pause)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert reader.stdout is not None
        if reader.stdout.readline().strip() != "ready":
            raise RuntimeError(f"the reading process failed:\n{reader.communicate()[1][-3000:]}")
        again = _child("publish", url, str(payload))
        stop.write_text(json.dumps(again["wall"]))
        out, err = reader.communicate(timeout=600)
    finally:
        if reader.poll() is None:
            reader.kill()
            reader.wait()
    if reader.returncode != 0:
        raise RuntimeError(f"the reading process failed:\n{err[-3000:]}")
    stop.unlink()
    stop.parent.rmdir()
    return {
        "publish": published,
        "serve": served,
        "again": again,
        "reads": json.loads(out.strip().splitlines()[-1]),
    }


@contextlib.contextmanager
def _postgres_database(server: str | None, stack: contextlib.ExitStack) -> Any:
    """The URL of a new database: on ``server``, dropped at the end, or on a throwaway server
    (tests/postgres.py). Yields (url, None), or (None, why PostgreSQL is skipped)."""
    import psycopg

    if server:
        name = f"bench_{uuid.uuid4().hex[:12]}"
        with psycopg.connect(server, autocommit=True) as con:
            con.execute(f'CREATE DATABASE "{name}"'.encode())
        parts = urllib.parse.urlsplit(server)
        try:
            yield parts._replace(path=f"/{name}").geturl(), None
        finally:
            with psycopg.connect(server, autocommit=True) as con:
                con.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'.encode())
        return
    sys.path.insert(0, str(ROOT))
    from tests.postgres import new_database, postgres_bin, throwaway_server

    bin_dir = postgres_bin()
    if bin_dir is None:
        yield None, "no PostgreSQL server: Debian's postgresql is not installed (no initdb)"
        return
    try:
        url = stack.enter_context(throwaway_server(bin_dir))
    except (OSError, subprocess.CalledProcessError) as error:
        detail = getattr(error, "stderr", "") or error
        yield None, f"the throwaway PostgreSQL server did not start: {detail}"
        return
    yield new_database(url), None


def _server_version(url: str) -> str:
    import psycopg

    with psycopg.connect(url) as con:
        row = con.execute("SHOW server_version").fetchone()
    return str(row[0]) if row else "?"


def _cell(result: dict[str, Any] | None, pick: Callable[[dict[str, Any]], object]) -> str:
    if result is None:
        return "-"
    try:
        return str(pick(result))
    except (KeyError, TypeError):
        return "-"


def _timing(part: str, name: str) -> Callable[[dict[str, Any]], str]:
    """A cell of first / median (slowest) milliseconds."""

    def pick(r: dict[str, Any]) -> str:
        t = r[part][name]
        return f"{t['first_ms']} / {t['median_ms']} ({t['max_ms']})"

    return pick


#: The table's rows: a name and how each target's figures give its cell.
ROWS: list[tuple[str, Callable[[dict[str, Any]], object]]] = [
    ("open the new store (schema made), s", lambda r: r["publish"]["open_s"]),
    ("**publish** (begin_run + publish), s", lambda r: f"**{r['publish']['publish_s']}**"),
    ("publishing process: resident with the run loaded, GiB", lambda r: _gib(r["publish"]["loaded_kib"])),
    ("publishing process: peak during the publish, GiB", lambda r: _gib(r["publish"]["peak_kib"])),
    ("its child processes (SQLite's bulk writer): peak, GiB", lambda r: _gib(r["publish"]["children_peak_kib"])),
    ("store size after one run, GiB", lambda r: round(r["publish"]["size_bytes"] / 1024**3, 2)),
    ("serving process: open + latest_run, ms", lambda r: r["serve"]["open_ms"]),
    (f"ranked {OBJECTIVE}, {PAGE} rows, offset 0: first / median (slowest) ms", _timing("serve", "ranked")),
    (f"ranked {OBJECTIVE}, {PAGE} rows, offset {DEEP_OFFSET:,}: first / median (slowest) ms", _timing("serve", "ranked_deep")),
    ("customer (another each time): first / median (slowest) ms", _timing("serve", "customer")),
    ("served: cold, ms", lambda r: r["serve"]["served"]["first_ms"]),
    ("served: kept in the process, ms", lambda r: r["serve"]["served"]["median_ms"]),
    ("served rows", lambda r: f"{r['serve']['served_rows']:,}"),
    (f"iter_ranked {EXPORT_ROWS:,} rows read whole: first, ms", lambda r: r["serve"]["export"]["first_ms"]),
    (f"iter_ranked {EXPORT_ROWS:,} rows read whole: again, ms", lambda r: r["serve"]["export"]["median_ms"]),
    ("iter_ranked rows read", lambda r: f"{r['serve']['export_rows']:,}"),
    ("PostgreSQL: autovacuum had visited the scores table when measured", lambda r: "yes" if r["serve"]["autovacuumed"] else "no"),
    ("PostgreSQL: VACUUM of the scores table, ms", lambda r: r["serve"]["vacuum_ms"]),
    ("then ranked, offset 0: first / median (slowest) ms", _timing("serve", "ranked_vacuumed")),
    (f"then ranked, offset {DEEP_OFFSET:,}: first / median (slowest) ms", _timing("serve", "ranked_deep_vacuumed")),
    ("serving process: peak resident, GiB", lambda r: _gib(r["serve"]["peak_kib"])),
    ("second publish, a reader meanwhile, s", lambda r: r["again"]["publish_s"]),
    ("ranked page reads before it: median / slowest ms", lambda r: f"{r['reads']['before']['median_ms']} / {r['reads']['before']['max_ms']}"),
    ("ranked page reads during it: count", lambda r: r["reads"]["during"]["reads"]),
    ("ranked page reads during it: median / slowest ms", lambda r: f"{r['reads']['during']['median_ms']} / {r['reads']['during']['max_ms']}"),
    ("ranked page reads that failed", lambda r: r["reads"]["error_count"]),
]  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--source", type=Path, default=DEFAULT_SOURCE)
    parser.add_argument("--customers", type=int, help="only the source run's first N customers")
    parser.add_argument("--postgres", help="an existing server's URL (default: a throwaway one)")
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--read-pause", type=float, default=0.02)
    parser.add_argument("--workdir", type=Path, default=Path(tempfile.gettempdir()))
    parser.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        what, *rest = args.child
        if what == "extract":
            customers = int(rest[1]) or None
            print(json.dumps(extract(Path(rest[0]), customers, Path(rest[2]))))
        elif what == "publish":
            print(json.dumps(publish_once(rest[0], Path(rest[1]))))
        elif what == "serve":
            print(json.dumps(serve_once(rest[0], json.loads(rest[1]), int(rest[2]))))
        else:
            read_meanwhile(rest[0], Path(rest[1]), float(rest[2]))
        return
    if not args.source.exists():
        raise SystemExit(
            f"no source store at {args.source}: make one with\n"
            "    .venv/bin/python bench/bench_pipeline.py --customers 1000000\n"
            "(it writes /tmp/advocates-bench/1000000/cold/store.db)"
        )
    load_before = os.getloadavg()
    results: dict[str, dict[str, Any] | None] = {}
    skipped: dict[str, str] = {}
    version = "-"
    with (
        tempfile.TemporaryDirectory(prefix="advocates-bench-store-", dir=args.workdir) as work,
        contextlib.ExitStack() as stack,
    ):
        payload = Path(work) / "run.pickle"
        sizes = _child("extract", str(args.source), str(args.customers or 0), str(payload))
        ids = sizes.pop("ids")
        print(
            f"run {sizes['source_run']} of {args.source}: {sizes['customers']:,} customers, "
            f"{sizes['columns']} columns, {sizes['ranked']:,} ranked for {OBJECTIVE}; side tables "
            + ", ".join(f"{n} {k:,} rows" for n, k in sizes["side_rows"].items())
            + f" (read and pickled in {sizes['extract_s']} s)",
            flush=True,
        )
        sqlite_url = f"sqlite:///{Path(work) / 'sqlite' / 'store.db'}"
        started = time.perf_counter()
        results["SQLite"] = measure(sqlite_url, payload, ids, args)
        print(f"SQLite measured in {time.perf_counter() - started:.0f} s", flush=True)
        database = stack.enter_context(_postgres_database(args.postgres, stack))
        postgres_url, why = database
        if postgres_url is None:
            results["PostgreSQL"] = None
            skipped["PostgreSQL"] = why
        else:
            version = _server_version(postgres_url)
            started = time.perf_counter()
            try:
                results["PostgreSQL"] = measure(postgres_url, payload, ids, args)
            except RuntimeError as error:  # (a failure is a finding: shown, not hidden)
                results["PostgreSQL"] = None
                skipped["PostgreSQL"] = f"failed: {error}"
            print(f"PostgreSQL measured in {time.perf_counter() - started:.0f} s", flush=True)
    load_after = os.getloadavg()
    side = ", ".join(f"{n} {k:,}" for n, k in sizes["side_rows"].items())
    print(
        f"\n{sizes['customers']:,} customers, {sizes['columns']} score columns, "
        f"{sizes['ranked']:,} ranked for {OBJECTIVE}; side-table rows: {side}"
    )
    print(
        f"machine: {os.cpu_count()} CPUs, Python {platform.python_version()}, "
        f"PostgreSQL server {version}; load average (1, 5, 15 min) before "
        f"{', '.join(f'{x:.1f}' for x in load_before)}, after "
        f"{', '.join(f'{x:.1f}' for x in load_after)}\n"
    )
    names = list(results)
    print(f"| measure | {' | '.join(names)} |\n|---|{'---:|' * len(names)}")
    for label, pick in ROWS:
        print(f"| {label} | {' | '.join(_cell(results[n], pick) for n in names)} |")
    for name, why in skipped.items():
        print(f"\n{name} skipped: {why}")
    summary = {
        "customers": sizes["customers"],
        "load_before": load_before,
        "load_after": load_after,
    }
    print(json.dumps({**summary, "postgres": version, "skipped": skipped, "results": results}))


if __name__ == "__main__":
    main()
